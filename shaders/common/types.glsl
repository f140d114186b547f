// Shared by every kernel: 16-bit storage, bf16 widening and rounding, and the
// per-buffer element type macros (define A_F32 / A_F16 / A_BF16 etc. before use).
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

// bf16 is the high half of an f32: widening is exact.
float bf16_to_f32(uint16_t h) { return uintBitsToFloat(uint(h) << 16); }

// Round to nearest even, NaN kept quiet (bit-exact with engine/base/half.h).
uint16_t f32_to_bf16(float f) {
  uint u = floatBitsToUint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

// Two bf16 packed in a uint (element 0 in the low half).
vec2 unpack_bf16x2(uint u) { return vec2(uintBitsToFloat(u << 16), uintBitsToFloat(u & 0xffff0000u)); }

// Storage type, load and store for a buffer named by a prefix. For example with
// A_BF16 defined: A_T is uint16_t, A_LOAD(x) widens to float, A_STORE(f) rounds.
#if defined(A_F32)
#define A_T float
#define A_LOAD(x) (x)
#define A_STORE(f) (f)
#elif defined(A_F16)
#define A_T float16_t
#define A_LOAD(x) float(x)
#define A_STORE(f) float16_t(f)
#elif defined(A_BF16)
#define A_T uint16_t
#define A_LOAD(x) bf16_to_f32(x)
#define A_STORE(f) f32_to_bf16(f)
#endif

#if defined(D_F32)
#define D_T float
#define D_LOAD(x) (x)
#define D_STORE(f) (f)
#elif defined(D_F16)
#define D_T float16_t
#define D_LOAD(x) float(x)
#define D_STORE(f) float16_t(f)
#elif defined(D_BF16)
#define D_T uint16_t
#define D_LOAD(x) bf16_to_f32(x)
#define D_STORE(f) f32_to_bf16(f)
#endif
