#!/usr/bin/env bash
# Packs this build's binaries for call.sh into .gpucpu/bins.tar.xz (stripped): run on
# the development machine after `cmake --build build`, before a device call.
set -euo pipefail
cd "$(dirname "$0")/../.."
stage=$(mktemp -d)
cp build/tools/vkllm build/tests/models/test_cpu build/benchmarks/ops/vkllm-bench-cpu \
  build/benchmarks/ops/vkllm-bench-ops "$stage"
strip "$stage"/*
mkdir -p .gpucpu
tar cJf .gpucpu/bins.tar.xz -C "$stage" .
rm -rf "$stage"
ls -la .gpucpu/bins.tar.xz
