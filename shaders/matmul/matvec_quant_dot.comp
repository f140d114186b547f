#version 450
#extension GL_GOOGLE_include_directive : require
// y[n] = sum_k W[n, k] x[k] (+ r[n] with RESIDUAL) for a quantized W with integer codes
// (engine/base/quant.h; groups a multiple of 32), summed with 4-wide packed integer dot
// products (SPV_KHR_integer_dot_product: one instruction for four weights, where the
// fp32 path spends about four a weight), as llama.cpp's MMVQ kernels do, but with x in
// two 8-bit parts so that it is not rounded coarser than f16 would round it. The
// workgroup first writes x into shared memory (quantize_block below); each thread then
// takes whole blocks of 32 columns of its ROWS rows (16 bytes of 4-bit codes, 32 of
// 8-bit) and adds s (d1 isum1 + d2 isum2 - z (d1 sum q1 + d2 sum q2)) for the group's
// scale s and zero z. The first block's codes are loaded before x is ready, so that the
// weight stream starts at once. Subgroups, then shared memory, reduce.
// A workgroup takes BATCHES batches of ROWS rows one after the other, so that writing x
// is paid once for ROWS * BATCHES rows; the next batch's first codes are loaded before
// the current batch is reduced.
// NORM: x is first RMS-normalized, x / sqrt(mean(x^2) + eps) * w for a norm weight w
// (A_* its type; ADD_ONE: stored as w - 1), as norm/rmsnorm.comp computes it: each
// workgroup sums x's squares itself (it reads all of x anyway), so a decode step needs
// no norm kernel, nor the barrier after it, in front of the products of its output.
//
// The one departure from the exact product is x's rounding, |e| <= d2 / 2 a column:
// a row's error is about sqrt(sum w^2 d2^2 / 12) (the op harness bounds it so,
// tests/harness/cases_quant.cpp).
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_spirv_intrinsics : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ROWS = 8;
layout(constant_id = 2) const uint MAX_SUBGROUPS = 32;
layout(constant_id = 3) const uint QFMT = 4u;
layout(constant_id = 4) const uint QGROUP = 32u;
layout(constant_id = 5) const uint KBLOCKS = 128u;  // k / 32: the size of the shared x
layout(constant_id = 7) const uint BATCHES = 1u;

layout(push_constant) uniform Push { uint n; uint k; uint row_words; uint scale_word; uint zero_byte; float eps; } p;
layout(binding = 0) readonly buffer W { uint wq[]; };
layout(binding = 0) readonly buffer W4 { uvec4 wq4[]; };
layout(binding = 1) readonly buffer X4 { vec4 x4[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };
#ifdef RESIDUAL
layout(binding = 3) readonly buffer R { float r[]; };
#endif
#ifdef GATED
// y = act(W x) * (U x) for a second weight U of W's shape and format (a gated MLP's gate
// and up projections and its activation in one pass: x is written once for both),
// ACT 0 SiLU or 1 GELU (tanh form), as activation/gated.comp computes them.
layout(constant_id = 6) const uint ACT = 0;
layout(binding = 3) readonly buffer U { uint uq[]; };
layout(binding = 3) readonly buffer U4 { uvec4 uq4[]; };
#define QUANT_SECOND_WEIGHT
const uint MATS = 2u;  // W (gate) then U (up)
#else
const uint MATS = 1u;
#endif
#ifdef NORM
#include "types.glsl"
layout(constant_id = 8) const uint ADD_ONE = 0u;
#ifdef GATED
layout(binding = 4) readonly buffer NW { A_T nw[]; };
#else
layout(binding = 3) readonly buffer NW { A_T nw[]; };
#endif
shared float norm_partial[MAX_SUBGROUPS];
float norm_scale;  // 1 / sqrt(mean(x^2) + eps)
#endif

// OpSUDot (4452) with PackedVectorFormat4x8Bit: the four bytes of a read as signed times
// the four bytes of b read as unsigned, summed. Both operands of one type, as the
// instruction requires (the signedness is the opcode's, not the operands' type's).
// Capabilities DotProduct (6019) and DotProductInput4x8BitPacked (6018).
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4452)
int sudot4(uint a, uint b, spirv_literal int packed_format);

#include "grid.glsl"
#include "quant.glsl"

// x in two parts per block of 32, each 32 signed 8-bit codes with a scale: x = d1 q1 +
// d2 q2 + e, q1 = round(x / d1) with d1 = max|x| / 127, q2 the same of what q1 leaves,
// so |e| <= d2 / 2 <= max|x| / 64516: closer to x than an f16 rounding of it. Stored as
// 8 words a part: for 8-bit weights columns 4i..4i+3 in word i; for 4-bit weights word
// 2i holds columns 8i, 8i+2, 8i+4, 8i+6 and word 2i+1 the odd ones, the order in which
// a code word's nibbles come out of two masks.
shared uvec4 xq[KBLOCKS * 4u];  // q1's two uvec4, then q2's
shared vec3 xd[KBLOCKS];        // d1, d2 and d1 sum(q1) + d2 sum(q2)
shared float partial[2][MATS * ROWS][MAX_SUBGROUPS];  // [batch & 1][m * ROWS + r]

const uint BLOCK_VECS = QBITS == 4u ? 1u : 2u;  // uvec4 loads of codes per row and block

uvec4 codes_of(uint m, uint at) {
#ifdef GATED
  if (m == 1u) return uq4[at];
#endif
  return wq4[at];
}

uint pack_codes(ivec4 q) {
  return uint(q.x & 255) | uint(q.y & 255) << 8 | uint(q.z & 255) << 16 | uint(q.w & 255) << 24;
}

// Rounds v to codes q of scale d (returned), stores them as part `part` of block b,
// and returns d sum(q); v becomes what the codes leave.
float quantize_part(inout vec4 v[8], uint b, uint part, out float d) {
  float amax = 0.0;
  for (uint i = 0u; i < 8u; ++i) {
    const vec4 a = abs(v[i]);
    amax = max(amax, max(max(a.x, a.y), max(a.z, a.w)));
  }
  d = amax / 127.0;
  const float inv = amax > 0.0 ? 127.0 / amax : 0.0;
  ivec4 q[8];
  int sum = 0;
  for (uint i = 0u; i < 8u; ++i) {
    q[i] = clamp(ivec4(roundEven(v[i] * inv)), ivec4(-127), ivec4(127));
    sum += q[i].x + q[i].y + q[i].z + q[i].w;
    v[i] -= d * vec4(q[i]);
  }
  uint wds[8];
  for (uint i = 0u; i < 4u; ++i) {
    if (QBITS == 4u) {  // word i of the weight covers columns 8i..8i+7: q[2i], q[2i+1]
      wds[2u * i] = pack_codes(ivec4(q[2u * i].x, q[2u * i].z, q[2u * i + 1u].x, q[2u * i + 1u].z));
      wds[2u * i + 1u] =
          pack_codes(ivec4(q[2u * i].y, q[2u * i].w, q[2u * i + 1u].y, q[2u * i + 1u].w));
    } else {
      wds[2u * i] = pack_codes(q[2u * i]);
      wds[2u * i + 1u] = pack_codes(q[2u * i + 1u]);
    }
  }
  xq[4u * b + 2u * part] = uvec4(wds[0], wds[1], wds[2], wds[3]);
  xq[4u * b + 2u * part + 1u] = uvec4(wds[4], wds[5], wds[6], wds[7]);
  return d * float(sum);
}

void quantize_block(uint b) {
  vec4 v[8];
  for (uint i = 0u; i < 8u; ++i) v[i] = x4[b * 8u + i];
#ifdef NORM
  for (uint i = 0u; i < 8u; ++i) {
    const uint c = b * 32u + 4u * i;
    vec4 w = vec4(A_LOAD(nw[c]), A_LOAD(nw[c + 1u]), A_LOAD(nw[c + 2u]), A_LOAD(nw[c + 3u]));
    if (ADD_ONE == 1u) w += 1.0;
    v[i] = v[i] * norm_scale * w;
  }
#endif
  float d1, d2;
  const float s1 = quantize_part(v, b, 0u, d1);
  const float s2 = quantize_part(v, b, 1u, d2);
  xd[b] = vec3(d1, d2, s1 + s2);
}

// The integer dots of one row's codes of a block (c0, and c1 for 8-bit) with x's two
// parts (a: q1, b: q2).
ivec2 block_dot(uvec4 c0, uvec4 c1, uvec4 xa0, uvec4 xa1, uvec4 xb0, uvec4 xb1) {
  if (QBITS == 4u) {
    const uint m = 0x0F0F0F0Fu;
    const uvec4 lo = c0 & m, hi = (c0 >> 4) & m;
    return ivec2(sudot4(xa0.x, lo.x, 0) + sudot4(xa0.y, hi.x, 0) +
                     sudot4(xa0.z, lo.y, 0) + sudot4(xa0.w, hi.y, 0) +
                     sudot4(xa1.x, lo.z, 0) + sudot4(xa1.y, hi.z, 0) +
                     sudot4(xa1.z, lo.w, 0) + sudot4(xa1.w, hi.w, 0),
                 sudot4(xb0.x, lo.x, 0) + sudot4(xb0.y, hi.x, 0) +
                     sudot4(xb0.z, lo.y, 0) + sudot4(xb0.w, hi.y, 0) +
                     sudot4(xb1.x, lo.z, 0) + sudot4(xb1.y, hi.z, 0) +
                     sudot4(xb1.z, lo.w, 0) + sudot4(xb1.w, hi.w, 0));
  }
  return ivec2(sudot4(xa0.x, c0.x, 0) + sudot4(xa0.y, c0.y, 0) +
                   sudot4(xa0.z, c0.z, 0) + sudot4(xa0.w, c0.w, 0) +
                   sudot4(xa1.x, c1.x, 0) + sudot4(xa1.y, c1.y, 0) +
                   sudot4(xa1.z, c1.z, 0) + sudot4(xa1.w, c1.w, 0),
               sudot4(xb0.x, c0.x, 0) + sudot4(xb0.y, c0.y, 0) +
                   sudot4(xb0.z, c0.z, 0) + sudot4(xb0.w, c0.w, 0) +
                   sudot4(xb1.x, c1.x, 0) + sudot4(xb1.y, c1.y, 0) +
                   sudot4(xb1.z, c1.z, 0) + sudot4(xb1.w, c1.w, 0));
}

// The thread's rows (start words) of the current batch, and the codes, scales and zeros
// of its next block of them: index i = m * ROWS + r is row r of weight m.
uint rb[ROWS];
uvec4 c0[MATS * ROWS], c1[MATS * ROWS];
float s[MATS * ROWS], z[MATS * ROWS];

// Loads block b of the current batch's rows.
void load_block(uint b, RowGeom g) {
  const uint bl = min(b, KBLOCKS - 1u);
  for (uint i = 0u; i < MATS * ROWS; ++i) {
    const uint m = i / ROWS, at = rb[i % ROWS];
    c0[i] = codes_of(m, at / 4u + bl * BLOCK_VECS);
    c1[i] = BLOCK_VECS == 2u ? codes_of(m, at / 4u + bl * 2u + 1u) : uvec4(0u);
    s[i] = qscale(m, at, g, bl * 32u);
    z[i] = qzero(m, at, g, bl * 32u);
  }
}

// Makes batch bt current; rows past the end read the last, unused.
void batch_rows(uint bt, RowGeom g) {
  const uint row0 = (linear_workgroup() * BATCHES + bt) * ROWS;
  for (uint r = 0u; r < ROWS; ++r) rb[r] = min(row0 + r, p.n - 1u) * g.row_words;
}

void main() {
  const uint tid = gl_LocalInvocationID.x, wg = gl_WorkGroupSize.x;
  const RowGeom g = RowGeom(p.row_words, p.scale_word, p.zero_byte);
  const uint first_row = linear_workgroup() * BATCHES * ROWS;
  // The batches holding rows (the last workgroup's may run past n).
  const uint batches = min(BATCHES, (p.n - first_row + ROWS - 1u) / ROWS);
  float acc[MATS * ROWS];
  batch_rows(0u, g);
  load_block(tid, g);  // before x is ready
#ifdef NORM
  float ss = 0.0;
  for (uint i = tid; i < KBLOCKS * 8u; i += wg) {
    const vec4 v = x4[i];
    ss += dot(v, v);
  }
  ss = subgroupAdd(ss);
  if (subgroupElect()) norm_partial[gl_SubgroupID] = ss;
  barrier();
  float total = 0.0;
  for (uint j = 0u; j < gl_NumSubgroups; ++j) total += norm_partial[j];
  norm_scale = inversesqrt(total / float(p.k) + p.eps);
#endif
  for (uint i = tid; i < KBLOCKS; i += wg) quantize_block(i);
  barrier();
  for (uint bt = 0u; bt < batches; ++bt) {
    for (uint i = 0u; i < MATS * ROWS; ++i) acc[i] = 0.0;
    for (uint b = tid; b < KBLOCKS; b += wg) {
      const uvec4 xa0 = xq[4u * b], xa1 = xq[4u * b + 1u], xb0 = xq[4u * b + 2u],
                  xb1 = xq[4u * b + 3u];
      const vec3 dx = xd[b];
      for (uint i = 0u; i < MATS * ROWS; ++i) {
        const vec2 isum = vec2(block_dot(c0[i], c1[i], xa0, xa1, xb0, xb1));
        acc[i] += s[i] * (dx.x * isum.x + dx.y * isum.y - z[i] * dx.z);
      }
      // The next block of this batch, or the first of the next batch.
      if (b + wg < KBLOCKS) {
        load_block(b + wg, g);
      } else if (bt + 1u < batches) {
        batch_rows(bt + 1u, g);
        load_block(tid, g);
      }
    }
    const uint h = bt & 1u;
    for (uint i = 0u; i < MATS * ROWS; ++i) {
      const float v = subgroupAdd(acc[i]);
      if (subgroupElect()) partial[h][i][gl_SubgroupID] = v;
    }
    barrier();
    const uint row = first_row + bt * ROWS + tid;
    if (tid < ROWS && row < p.n) {
      float v = 0.0;
      for (uint j = 0u; j < gl_NumSubgroups; ++j) v += partial[h][tid][j];
#ifdef RESIDUAL
      v += r[row];
#endif
#ifdef GATED
      float up = 0.0;
      for (uint j = 0u; j < gl_NumSubgroups; ++j) up += partial[h][ROWS + tid][j];
      if (ACT == 0u) {
        v = v / (1.0 + exp(-v));
      } else {
        const float t = 0.7978845608028654 * (v + 0.044715 * v * v * v);
        v = v / (1.0 + exp(-2.0 * t));
      }
      v *= up;
#endif
      y[row] = v;
    }
  }
}
