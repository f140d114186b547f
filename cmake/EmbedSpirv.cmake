# SPIR-V binary -> comma-separated uint32 words for #include in a C++ array.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR rem "${n} % 8")
if(NOT rem EQUAL 0 OR n EQUAL 0)
  message(FATAL_ERROR "${IN}: not a SPIR-V module (size not a multiple of 4)")
endif()
# Little-endian bytes aabbccdd -> word 0xddccbbaa.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1," words "${hex}")
string(REGEX REPLACE "(([^,]+,){8})" "\\1\n" words "${words}")
file(WRITE ${OUT} "${words}\n")
