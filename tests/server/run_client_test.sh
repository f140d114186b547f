#!/bin/sh
# Runs a node test file against `vkllm serve`: run_client_test.sh VKLLM NODE_MODULES FILE.
# Without node or the openai package (tools/setup.sh test installs it) the test is
# skipped (exit 77), or fails where VKLLM_REQUIRE_TEST_DATA=1 (CI).
bin=$1 modules=$2 file=$3
missing=""
command -v node >/dev/null 2>&1 || missing="node (Debian package nodejs)"
[ -n "$missing" ] || [ -d "$modules/openai" ] || missing="the openai npm package in $modules (tools/setup.sh test installs it)"
if [ -n "$missing" ]; then
  echo "skipped: needs $missing"
  [ "$VKLLM_REQUIRE_TEST_DATA" = 1 ] && exit 1
  exit 77
fi
VKLLM_BIN=$bin OPENAI_MODULES=$modules exec node --test "$file"
