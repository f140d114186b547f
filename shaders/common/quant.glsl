// Reading the engine's quantized weight layout (engine/base/quant.h): blocks of 32
// weights of one row, decoded to f32. The including shader declares the buffer
// `wq` (uint words; and `uq` with QUANT_SECOND_WEIGHT) and the spec constants QFMT
// and QGROUP, and passes the row geometry (RowGeom) from push constants.
//   QFMT = bits | codes << 4 | scale_f16 << 8 | zeros << 9 | zero << 16
//   codes: 0 integer (code - zero), 1 NF4, 2 FP4, 3 FP8 e4m3

const uint QBITS = QFMT & 15u;
const uint QCODES = (QFMT >> 4) & 15u;
const bool QSCALE_F16 = ((QFMT >> 8) & 1u) != 0u;
const bool QZEROS = ((QFMT >> 9) & 1u) != 0u;
const uint QZERO = (QFMT >> 16) & 255u;

struct RowGeom {
  uint row_words;     // row stride in 32-bit words
  uint scale_word;    // where the scales start in a row, in words
  uint zero_byte;     // where the zeros start in a row, in bytes
};

const float NF4_TABLE[16] = float[16](
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0);
const float FP4_TABLE[16] = float[16](
    0.0, 0.0625 / 12.0, 8.0 / 12.0, 1.0, 4.0 / 12.0, 6.0 / 12.0, 2.0 / 12.0, 3.0 / 12.0,
    -0.0, -0.0625 / 12.0, -8.0 / 12.0, -1.0, -4.0 / 12.0, -6.0 / 12.0, -2.0 / 12.0, -3.0 / 12.0);

float fp8_e4m3(uint c) {
  const uint e = (c >> 3) & 15u, m = c & 7u;
  const float v = e == 0u ? float(m) * (1.0 / 512.0) : uintBitsToFloat(((e + 120u) << 23) | (m << 20));
  return (c & 128u) != 0u ? -v : v;
}

// The value of a code before its group's scale.
float qdecode(uint code, float zero) {
  if (QCODES == 1u) return NF4_TABLE[code];
  if (QCODES == 2u) return FP4_TABLE[code];
  if (QCODES == 3u) return fp8_e4m3(code);
  return float(code) - zero;
}

// Word `at` of weight m: 0 is `wq`; with QUANT_SECOND_WEIGHT the including shader
// declares `uq`, weight 1, of the same layout (a gated MLP's up beside its gate).
uint qword_of(uint m, uint at) {
#ifdef QUANT_SECOND_WEIGHT
  if (m == 1u) return uq[at];
#endif
  return wq[at];
}

// Scale and zero of the group holding column c of the row starting at word `rb` of
// weight m (of `wq` without m).
float qscale(uint m, uint rb, RowGeom g, uint c) {
  const uint grp = c / QGROUP;
  if (QSCALE_F16) return unpackHalf2x16(qword_of(m, rb + g.scale_word + grp / 2u))[grp & 1u];
  return uintBitsToFloat(qword_of(m, rb + g.scale_word + grp));
}
float qzero(uint m, uint rb, RowGeom g, uint c) {
  if (!QZEROS) return float(QZERO);
  const uint byte = g.zero_byte + c / QGROUP;
  return float((qword_of(m, rb + byte / 4u) >> (8u * (byte & 3u))) & 255u);
}
float qscale(uint rb, RowGeom g, uint c) { return qscale(0u, rb, g, c); }
float qzero(uint rb, RowGeom g, uint c) { return qzero(0u, rb, g, c); }

// Integer codes as exact floats without an int-to-float conversion (a quarter-rate
// instruction on NVIDIA): bits [b, b + m) of v under the exponent 150 - b read as
// 2^(23 - b) + code (the code's unit is the mantissa's last place), and subtracting
// 2^(23 - b) + zero leaves code - zero exactly. One AND-OR and one add per code.
// `zero` is an integer 0..255 (the group's); c is 2^(23 - b) + zero, exact.
float qmagic(uint v, uint mask, uint b, float c) {
  return uintBitsToFloat((v & (mask << b)) | ((150u - b) << 23)) - c;
}
// The eight 4-bit codes of a word, minus zero: codes 0..3 in lo, 4..7 in hi.
void qword4(uint w, float zero, out vec4 lo, out vec4 hi) {
  const uint h = w >> 16;
  const vec4 c = vec4(8388608.0, 524288.0, 32768.0, 2048.0) + zero;  // 2^(23 - 4i) + zero
  lo = vec4(qmagic(w, 15u, 0u, c.x), qmagic(w, 15u, 4u, c.y), qmagic(w, 15u, 8u, c.z),
            qmagic(w, 15u, 12u, c.w));
  hi = vec4(qmagic(h, 15u, 0u, c.x), qmagic(h, 15u, 4u, c.y), qmagic(h, 15u, 8u, c.z),
            qmagic(h, 15u, 12u, c.w));
}
// The four 8-bit codes of a word, minus zero.
vec4 qword8(uint w, float zero) {
  const uint h = w >> 16;
  const vec2 c = vec2(8388608.0, 32768.0) + zero;  // 2^(23 - 8i) + zero
  return vec4(qmagic(w, 255u, 0u, c.x), qmagic(w, 255u, 8u, c.y), qmagic(h, 255u, 0u, c.x),
              qmagic(h, 255u, 8u, c.y));
}

// Code j (0..7 for 4-bit, 0..3 for 8-bit) of a 32-bit word.
uint qcode(uint word, uint j) {
  return QBITS == 4u ? (word >> (4u * j)) & 15u : (word >> (8u * j)) & 255u;
}

// Eight consecutive weights c0..c0+7 (c0 a multiple of 8) of row `row`.
void qload8(uint row, RowGeom g, uint c0, out vec4 lo, out vec4 hi) {
  const uint rb = row * g.row_words;
  const float s = qscale(rb, g, c0), z = qzero(rb, g, c0);
  if (QCODES == 0u) {  // integer codes: the exact conversions of qword4 / qword8
    if (QBITS == 4u) {
      qword4(wq[rb + c0 / 8u], z, lo, hi);
    } else {
      lo = qword8(wq[rb + c0 / 4u], z);
      hi = qword8(wq[rb + c0 / 4u + 1u], z);
    }
    lo *= s;
    hi *= s;
    return;
  }
  float v[8];
  if (QBITS == 4u) {
    const uint w = wq[rb + c0 / 8u];
    for (uint j = 0u; j < 8u; ++j) v[j] = s * qdecode(qcode(w, j), z);
  } else {
    const uint w0 = wq[rb + c0 / 4u], w1 = wq[rb + c0 / 4u + 1u];
    for (uint j = 0u; j < 4u; ++j) {
      v[j] = s * qdecode(qcode(w0, j), z);
      v[j + 4u] = s * qdecode(qcode(w1, j), z);
    }
  }
  lo = vec4(v[0], v[1], v[2], v[3]);
  hi = vec4(v[4], v[5], v[6], v[7]);
}

// One weight (the tiled matmul's element loads).
float qload1(uint row, RowGeom g, uint c) {
  const uint rb = row * g.row_words;
  const uint word = QBITS == 4u ? wq[rb + c / 8u] : wq[rb + c / 4u];
  const uint code = qcode(word, QBITS == 4u ? c & 7u : c & 3u);
  return qscale(rb, g, c) * qdecode(code, qzero(rb, g, c));
}
