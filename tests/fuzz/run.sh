#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for
# SECONDS (default 60) from its seed corpus. A crash input is kept under
# tests/fuzz/regressions/<target>/, where the unit tests replay it; the script
# then exits non-zero.
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VKLLM_FUZZ_BUILD_DIR:-$root/build-fuzz}
cxx=${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}
cc=${CC_FUZZ:-$(command -v clang-14 || command -v clang)}
targets=(safetensors_header config)

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" -DVKLLM_FUZZ=ON -DVKLLM_TESTS=OFF >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}" -j"$(nproc)"

status=0
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  mkdir -p "$work/corpus" "$root/tests/fuzz/regressions/$t"
  cp "$root/tests/fuzz/corpus/$t/"* "$work/corpus/" 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  # Findings land in $work first; only crashes are kept.
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
      >"$work/log" 2>&1; then
    status=1
    tail -n 40 "$work/log"
    for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
      [ -e "$f" ] || continue
      cp "$f" "$root/tests/fuzz/regressions/$t/"
      echo "fuzz: $t: kept $(basename "$f") in tests/fuzz/regressions/$t/"
    done
  else
    grep -E "stat::number_of_executed_units|Done" "$work/log" | tail -n 2 || true
  fi
  rm -rf "$work"
done
exit $status
