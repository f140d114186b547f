#!/usr/bin/env bash
# One device-tool call: the GPU machine's set-up, then h200.sh with the given parts,
# everything it writes packed into $OUT/all.tgz every 10 s (the tool brings back at
# most 8 files, and a call cut at its time limit keeps what was measured so far).
#
#   run: bash benchmarks/device/call.sh [SECONDS] PART...      (carry .gl .gpudata .gpucpu)
#   e.g. bash benchmarks/device/call.sh 540 gpu-now gptq-awq cpu-sweep
#
# SECONDS (default 540) bounds h200.sh, below the tool's 600 s a command. Environment
# passes through (SWEEP_ENGINES, CPU_LAYERS, SWEEP_S, OLD, QUICK). .gpucpu/bins.tar.xz
# must hold this build's binaries: benchmarks/device/pack_bins.sh writes it.
set -u
limit=540
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  limit=$1
  shift
fi
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
dest=${OUT:-/tmp/out}
mkdir -p /tmp/o "$dest"
(while true; do
  tar czf "$dest"/.all.tgz -C /tmp/o . && mv "$dest"/.all.tgz "$dest"/all.tgz
  sleep 10
done) &
saver=$!
OUT=/tmp/o DEBS=none timeout "$limit" bash benchmarks/device/h200.sh "$@" > /tmp/o/run.log 2>&1
echo "h200.sh exit $?" >> /tmp/o/run.log
kill $saver
tar czf "$dest"/all.tgz -C /tmp/o .
tail -80 /tmp/o/run.log
