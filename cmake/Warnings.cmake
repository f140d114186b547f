# Warnings are errors for our own code; third-party headers come in as SYSTEM.
add_library(vkllm_warnings INTERFACE)
target_compile_options(vkllm_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
