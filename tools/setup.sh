#!/usr/bin/env bash
# Set up, build and run vkllm on Debian 12 (as root, or as a user with sudo).
#   tools/setup.sh run    install what is missing, build Release, run the main job
#   tools/setup.sh test   install what is missing, build, run the whole test suite (ctest)
# BUILD_DIR (default: build) and JOBS (default: nproc) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

packages=(
  build-essential cmake ninja-build pkg-config
  libvulkan-dev glslang-tools spirv-tools
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libpcre2-dev libutf8proc-dev libcpp-httplib-dev libhwy-dev
  mesa-vulkan-drivers
)
if [ "$mode" = test ]; then
  # Tests: GoogleTest, the Khronos validation layer, and clang + libFuzzer for fuzzing.
  packages+=(libgtest-dev libbenchmark-dev vulkan-validationlayers clang clang-format libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

case "$mode" in
  run)
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVKLLM_TESTS=OFF
    cmake --build "$build" --target vkllm -j "$jobs"
    "$build/tools/vkllm" devices
    # The bundled demo model (models/demo) writes a story, streamed as it comes.
    "$build/tools/vkllm" run -p "Once upon a time, there was a little" -n 120
    ;;
  test)
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVKLLM_TESTS=ON
    cmake --build "$build" -j "$jobs"
    # The official OpenAI client (npm) for the server's tests, into the build folder.
    if command -v npm >/dev/null 2>&1; then
      mkdir -p "$build/node"
      if ! cmp -s tests/server/js/package-lock.json "$build/node/package-lock.json" ||
        [ ! -d "$build/node/node_modules/openai" ]; then
        cp tests/server/js/package.json tests/server/js/package-lock.json "$build/node/"
        (cd "$build/node" && npm ci --no-audit --no-fund --silent) ||
          echo "setup: npm ci failed; the openai client test will fail" >&2
      fi
    fi
    # Every test runs real shaders with the Khronos validation layer on.
    VKLLM_VALIDATION=1 ctest --test-dir "$build" --output-on-failure -j "$jobs"
    ;;
  *)
    echo "usage: tools/setup.sh run|test" >&2
    exit 2
    ;;
esac
