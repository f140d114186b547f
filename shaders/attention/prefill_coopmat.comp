#version 450
// Prefill attention on tensor cores (GL_NV_cooperative_matrix), FlashAttention-style:
// q [tokens, heads, head_dim] f32 (roped) attends the f16 caches [sequences * max_pos,
// kv_heads, head_dim] with the masking of prefill.comp (causal by position, sliding
// window, soft-capping, padding queries get zeros); out [tokens, heads, head_dim] f32.
// head_dim is HD, a multiple of 16 up to 256.
//
// A workgroup of SG subgroups takes 16 * SG queries of one head; subgroup g owns
// queries 16 g .. 16 g + 15, their q (scaled, rounded to f16) held in registers as
// HD / 16 matrices. Keys and values stream through shared memory in tiles of KT.
// Per tile a subgroup computes its scores S = q k^T (16 x KT, f32) on tensor cores,
// stores them to shared memory, where two lanes per query row mask, soft-cap and
// exponentiate them into P (f16), and accumulates O += P v on tensor cores (f32).
//
// Online softmax with a lazy maximum: P = exp(s - m) uses a running maximum m that is
// raised only when a score exceeds it by more than TAU (so P <= e^TAU, well inside
// f16), and only then are the accumulated O rows rescaled by exp(m_old - m_new)
// (through shared memory: the accumulator layout is opaque). For most tiles past the
// first few, m does not move and the tile is two products and a pass over P.
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_vote : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require
#include "grid.glsl"
#include "attention.glsl"

layout(local_size_x_id = 0) in;                 // 32 * SG
layout(constant_id = 1) const uint SG = 4;      // subgroups: 16 * SG queries
layout(constant_id = 2) const uint HD = 128;    // head_dim, a multiple of 16
layout(constant_id = 3) const uint KT = 32;     // keys per tile, a multiple of 16

layout(push_constant) uniform Push {
  uint tokens; uint heads; uint kv_heads; uint head_dim; uint max_pos; uint window;
  float scale; float softcap;
} p;
layout(binding = 0) readonly buffer Q { float q[]; };
layout(binding = 1) readonly buffer KC { uvec4 kc[]; };  // 8 halfs per element
layout(binding = 2) readonly buffer VC { uvec4 vc[]; };
layout(binding = 3) readonly buffer Pos { uint pos[]; };
layout(binding = 4) writeonly buffer O { float o[]; };

const uint BQ = 16 * SG;
const uint FD = HD / 16;            // 16-wide slices of a head
const uint FK = KT / 16;            // 16-key slices of a tile
const float TAU = 8.0;              // how far a score may pass the running maximum
// Rows of HD halfs plus 8 of padding, in uvec4 (16-byte aligned, free of bank conflicts).
const uint LDH = (HD + 8) / 8;
const uint LDP = (KT + 8) / 8;
// Keys in rows [0, KT), values in rows [KT, 2 KT); before the loop, q in rows [0, BQ).
shared uvec4 kv[(2 * KT > BQ ? 2 * KT : BQ) * LDH];
shared float sc[SG * 16 * KT];      // each subgroup's scores; staging for O blocks
shared uvec4 pm[SG * 16 * LDP];     // each subgroup's P [16][KT] f16
shared float rowf[SG * 16];         // per-row factors (rescale, 1 / l)
shared uint qpos[BQ];
shared uint qbase[BQ];

#define MATH fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MATF fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

// Multiplies each row of the subgroup's 16 x 16 block `m` by rowf[row] through the
// staging area `at` (256 floats).
void scale_rows(inout MATF m, uint at, uint rows_at, uint lane) {
  coopMatStoreNV(m, sc, at, 16, false);
  subgroupMemoryBarrierShared();
  subgroupBarrier();
  [[unroll]] for (uint i = 0; i < 8; ++i) {
    const uint e = lane * 8 + i;
    sc[at + e] *= rowf[rows_at + e / 16];
  }
  subgroupMemoryBarrierShared();
  subgroupBarrier();
  coopMatLoadNV(m, sc, at, 16, false);
  subgroupBarrier();
}

void main() {
  const uint wg = linear_workgroup();
  const uint q_tiles = (p.tokens + BQ - 1) / BQ;
  if (wg >= q_tiles * p.heads) return;  // uniform over the workgroup
  const uint head = wg % p.heads, t0 = (wg / p.heads) * BQ;
  const uint kvh = head / (p.heads / p.kv_heads);
  const uint tid = gl_LocalInvocationID.x, threads = 32 * SG;
  const uint sg = gl_SubgroupID, lane = gl_SubgroupInvocationID;
  const uint nq = min(BQ, p.tokens - t0);
  const uint row_vecs = HD / 8;  // uvec4 per row of a head

  // q of the tile, scaled and rounded to f16, into rows [0, BQ) of kv.
  for (uint e = tid; e < BQ * row_vecs; e += threads) {
    const uint r = e / row_vecs, c8 = (e % row_vecs) * 8;
    vec4 lo = vec4(0), hi = vec4(0);
    if (r < nq) {
      const uint at = ((t0 + r) * p.heads + head) * HD + c8;
      lo = vec4(q[at], q[at + 1], q[at + 2], q[at + 3]) * p.scale;
      hi = vec4(q[at + 4], q[at + 5], q[at + 6], q[at + 7]) * p.scale;
    }
    kv[r * LDH + e % row_vecs] = uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw),
                                       packHalf2x16(hi.xy), packHalf2x16(hi.zw));
  }
  if (tid < BQ) {
    const bool real = tid < nq && pos[t0 + tid] < p.max_pos;  // else padding: sees no key
    qpos[tid] = real ? pos[t0 + tid] : 0xffffffffu;
    qbase[tid] = real ? pos[p.tokens + t0 + tid] : 0;
  }
  barrier();
  MATH qf[FD];
  [[unroll]] for (uint d = 0; d < FD; ++d)
    coopMatLoadNV(qf[d], kv, sg * 16 * LDH + d * 2, LDH, false);

  // The cache rows any query of the tile sees: [kbegin, kend).
  uint kbegin = 0xffffffffu, kend = 0;
  for (uint i = 0; i < nq; ++i)
    if (qpos[i] != 0xffffffffu) {
      kbegin = min(kbegin, qbase[i] + first_key(qpos[i], p.window));
      kend = max(kend, qbase[i] + qpos[i] + 1);
    }
  // This lane's query row (two lanes a row, each half of a tile's keys) and the
  // rows its subgroup sees.
  const uint r = lane / 2, half_at = (lane % 2) * (KT / 2), qr = sg * 16 + r;
  const bool valid = qpos[qr] != 0xffffffffu;
  const uint my_first = valid ? qbase[qr] + first_key(qpos[qr], p.window) : 0xffffffffu;
  const uint my_last = valid ? qbase[qr] + qpos[qr] : 0;
  const uint sub_first = subgroupMin(my_first), sub_last = subgroupMax(my_last);
  barrier();  // q is in registers: the rows may take keys

  const uint s_at = sg * 16 * KT, p_at = sg * 16 * LDP;
  float m = NEG_BIG, l = 0.0;  // running maximum; this lane's part of the row sum
  bool started = false;        // O may be nonzero
  MATF acc[FD];
  [[unroll]] for (uint d = 0; d < FD; ++d) acc[d] = MATF(0.0);

  const uint kv_row = p.kv_heads * row_vecs, head_at = kvh * row_vecs;
  for (uint k0 = kbegin; k0 < kend; k0 += KT) {
    for (uint e = tid; e < KT * row_vecs; e += threads) {
      const uint kr = e / row_vecs, c = e % row_vecs, key = k0 + kr;
      // Rows past the last query's position may never have been written.
      const bool present = key < kend;
      kv[kr * LDH + c] = present ? kc[key * kv_row + head_at + c] : uvec4(0);
      kv[(KT + kr) * LDH + c] = present ? vc[key * kv_row + head_at + c] : uvec4(0);
    }
    barrier();

    if (k0 <= sub_last && k0 + KT > sub_first) {  // uniform over the subgroup
      [[unroll]] for (uint j = 0; j < FK; ++j) {
        MATF s = MATF(0.0);
        [[unroll]] for (uint d = 0; d < FD; ++d) {
          MATH kf;  // keys are the columns of k^T: column-major in kv
          coopMatLoadNV(kf, kv, j * 16 * LDH + d * 2, LDH, true);
          s = coopMatMulAddNV(qf[d], kf, s);
        }
        coopMatStoreNV(s, sc, s_at + j * 16, KT, false);
      }
      subgroupMemoryBarrierShared();
      subgroupBarrier();

      float sv[KT / 2];
      float tile_max = NEG_BIG;
      [[unroll]] for (uint i = 0; i < KT / 2; ++i) {
        const uint key = k0 + half_at + i;
        const bool visible = key >= my_first && key <= my_last;
        sv[i] = visible ? cap_score(sc[s_at + r * KT + half_at + i], p.softcap) : NEG_BIG;
        tile_max = max(tile_max, sv[i]);
      }
      tile_max = max(tile_max, subgroupShuffleXor(tile_max, 1));
      if (subgroupAny(tile_max > m + TAU)) {
        const float m_new = max(m, tile_max);
        const float alpha = exp(m - m_new);  // 0 while m is NEG_BIG, 1 if unchanged
        l *= alpha;
        m = m_new;
        if (started) {
          subgroupBarrier();  // every lane has read its scores: sc is free
          if (lane % 2 == 0) rowf[sg * 16 + r] = alpha;
          subgroupMemoryBarrierShared();
          subgroupBarrier();
          [[unroll]] for (uint d = 0; d < FD; ++d) scale_rows(acc[d], s_at, sg * 16, lane);
        }
      }
      float ps[KT / 2];
      [[unroll]] for (uint i = 0; i < KT / 2; ++i) {
        ps[i] = sv[i] > NEG_BIG ? exp(sv[i] - m) : 0.0;
        l += ps[i];
      }
      [[unroll]] for (uint i = 0; i < KT / 16; ++i)
        pm[p_at + r * LDP + half_at / 8 + i] = uvec4(
            packHalf2x16(vec2(ps[8 * i], ps[8 * i + 1])),
            packHalf2x16(vec2(ps[8 * i + 2], ps[8 * i + 3])),
            packHalf2x16(vec2(ps[8 * i + 4], ps[8 * i + 5])),
            packHalf2x16(vec2(ps[8 * i + 6], ps[8 * i + 7])));
      subgroupMemoryBarrierShared();
      subgroupBarrier();
      [[unroll]] for (uint j = 0; j < FK; ++j) {
        MATH pf;
        coopMatLoadNV(pf, pm, p_at + j * 2, LDP, false);
        [[unroll]] for (uint d = 0; d < FD; ++d) {
          MATH vf;  // values: rows are keys, columns dims (row-major)
          coopMatLoadNV(vf, kv, (KT + j * 16) * LDH + d * 2, LDH, false);
          acc[d] = coopMatMulAddNV(pf, vf, acc[d]);
        }
      }
      started = true;
    }
    barrier();  // before the next tile overwrites kv
  }

  // O / l, written per element through this subgroup's staging area.
  l += subgroupShuffleXor(l, 1);
  if (lane % 2 == 0) rowf[sg * 16 + r] = l > 0.0 ? 1.0 / l : 0.0;  // padding: zeros
  subgroupMemoryBarrierShared();
  subgroupBarrier();
  [[unroll]] for (uint d = 0; d < FD; ++d) {
    coopMatStoreNV(acc[d], sc, s_at, 16, false);
    subgroupMemoryBarrierShared();
    subgroupBarrier();
    [[unroll]] for (uint i = 0; i < 8; ++i) {
      const uint e = lane * 8 + i, row = e / 16, col = e % 16;
      if (sg * 16 + row < nq)
        o[((t0 + sg * 16 + row) * p.heads + head) * HD + d * 16 + col] =
            sc[s_at + e] * rowf[sg * 16 + row];
    }
    subgroupBarrier();
  }
}
