# Every dependency comes from Debian's packages; nothing is downloaded.
# The release binary must only need libc, libm, libstdc++, libgcc_s, libvulkan,
# libhwy (the CPU backend's SIMD dispatch) and (for `vkllm serve`) libcpp-httplib:
# fmt and spdlog are used header-only, other libraries as static archives. Debian
# ships Highway and cpp-httplib only as shared libraries.
find_package(Vulkan REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(Threads REQUIRED)

find_program(GLSLANG_VALIDATOR glslangValidator REQUIRED)
find_program(SPIRV_OPT spirv-opt REQUIRED)
find_program(SPIRV_VAL spirv-val REQUIRED)

find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
add_library(vkllm_cli11 INTERFACE)
target_include_directories(vkllm_cli11 SYSTEM INTERFACE ${CLI11_INCLUDE_DIR})

# Header-only logging and formatting (no libfmt.so / libspdlog.so at run time).
add_library(vkllm_log INTERFACE)
target_link_libraries(vkllm_log INTERFACE fmt::fmt-header-only spdlog::spdlog_header_only)

# Static archives for text processing (tokenizer regexes, Unicode normalization).
find_path(PCRE2_INCLUDE_DIR pcre2.h REQUIRED)
find_library(PCRE2_STATIC libpcre2-8.a REQUIRED)
add_library(vkllm_pcre2 INTERFACE)
target_include_directories(vkllm_pcre2 SYSTEM INTERFACE ${PCRE2_INCLUDE_DIR})
target_compile_definitions(vkllm_pcre2 INTERFACE PCRE2_CODE_UNIT_WIDTH=8 PCRE2_STATIC)
target_link_libraries(vkllm_pcre2 INTERFACE ${PCRE2_STATIC})

find_path(UTF8PROC_INCLUDE_DIR utf8proc.h REQUIRED)
find_library(UTF8PROC_STATIC libutf8proc.a REQUIRED)
add_library(vkllm_utf8proc INTERFACE)
target_include_directories(vkllm_utf8proc SYSTEM INTERFACE ${UTF8PROC_INCLUDE_DIR})
target_compile_definitions(vkllm_utf8proc INTERFACE UTF8PROC_STATIC)
target_link_libraries(vkllm_utf8proc INTERFACE ${UTF8PROC_STATIC})

# The HTTP server's library, with the compile flags it was built with (they change
# its classes' layout).
find_package(PkgConfig REQUIRED)
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(vkllm_httplib INTERFACE)
target_link_libraries(vkllm_httplib INTERFACE PkgConfig::CPP_HTTPLIB Threads::Threads)

if(VKLLM_TESTS)
  find_package(GTest REQUIRED)
endif()

# Highway (SIMD with run-time dispatch) for the CPU backend's kernels. Debian ships
# it only as a shared library (libhwy1): its target detection lives there.
find_path(HWY_INCLUDE_DIR hwy/highway.h REQUIRED)
find_library(HWY_LIBRARY hwy REQUIRED)
add_library(vkllm_hwy INTERFACE)
target_include_directories(vkllm_hwy SYSTEM INTERFACE ${HWY_INCLUDE_DIR})
target_link_libraries(vkllm_hwy INTERFACE ${HWY_LIBRARY})
