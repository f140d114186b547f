#version 450
// Decode attention, first pass (split-K): the keys a query sees are cut into
// `splits` equal chunks. A workgroup takes one chunk of one token for a group of up
// to GMAX query heads that share a kv head (GQA), so each key and value row is read
// once for the group. It writes each head's partial result: the max m of its
// scores, l = sum exp(s - m) and the un-normalized o = sum exp(s - m) v;
// decode_combine.comp merges the chunks.
// Same inputs and masking as prefill.comp: q [tokens, heads, head_dim] f32, caches
// [sequences * max_pos, kv_heads, head_dim] in f16 or f32 (A_*), places [2, tokens].
// Outputs, record i = (t * heads + h) * splits + chunk: part_o [i, head_dim],
// part_ml [i, 2] = (m, l); an empty chunk writes m = l = 0 and o = 0.
// Keys go through in tiles of TILE (= the workgroup size): each subgroup scores
// keys with its lanes splitting the head dims, then thread i owns key i of the tile.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "types.glsl"
#include "grid.glsl"
#include "attention.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TILE = 128;  // = workgroup size
layout(constant_id = 2) const uint HD_MAX = 128;
layout(constant_id = 3) const uint DPT = 1;  // output dims per thread: ceil(HD_MAX / TILE)
layout(constant_id = 4) const uint MAX_SUBGROUPS = 32;
layout(constant_id = 5) const uint GMAX = 8;  // query heads per workgroup

layout(push_constant) uniform Push {
  uint tokens; uint heads; uint kv_heads; uint head_dim; uint max_pos; uint window;
  float scale; float softcap; uint splits;
} p;
layout(binding = 0) readonly buffer Q { float q[]; };
layout(binding = 1) readonly buffer KC { A_T kc[]; };
layout(binding = 2) readonly buffer VC { A_T vc[]; };
layout(binding = 3) readonly buffer Pos { uint pos[]; };
layout(binding = 4) writeonly buffer PO { float part_o[]; };
layout(binding = 5) writeonly buffer PML { float part_ml[]; };

shared float qs[GMAX][HD_MAX];
shared float ps[GMAX][TILE];
shared float ss[GMAX][TILE];  // the tile's scores
shared float red[GMAX][MAX_SUBGROUPS];

void main() {
  // rec = ((t * kv_heads + kvh) * groups + group) * splits + chunk.
  const uint per_kv = p.heads / p.kv_heads, groups = (per_kv + GMAX - 1) / GMAX;
  const uint rec = linear_workgroup();
  if (rec >= p.tokens * p.kv_heads * groups * p.splits) return;  // uniform over the workgroup
  const uint chunk = rec % p.splits, tg = rec / p.splits;
  const uint group = tg % groups, tk = tg / groups;
  const uint t = tk / p.kv_heads, kvh = tk % p.kv_heads;
  const uint h0 = kvh * per_kv + group * GMAX, gn = min(GMAX, per_kv - group * GMAX);
  const uint hd = p.head_dim, kv_row = p.kv_heads * hd, tid = gl_LocalInvocationID.x;

  for (uint e = tid; e < gn * hd; e += TILE)
    qs[e / hd][e % hd] = q[(t * p.heads + h0 + e / hd) * hd + e % hd] * p.scale;
  const uint at = min(pos[t], p.max_pos - 1), rows = pos[p.tokens + t];
  const uint lo = first_key(at, p.window);
  const uint last = pos[t] < p.max_pos ? at + 1 : lo;  // padding sees no key
  const uint len = (last - lo + p.splits - 1) / p.splits;
  // Cache rows [begin, end) of this chunk.
  const uint begin = rows + min(lo + chunk * len, last);
  const uint end = rows + min(lo + chunk * len + len, last);
  barrier();

  float m[GMAX], l[GMAX];  // per head: running max, this thread's share of the sum
  float acc[GMAX][DPT];
  for (uint g = 0; g < GMAX; ++g) {
    m[g] = NEG_BIG;
    l[g] = 0.0;
    for (uint i = 0; i < DPT; ++i) acc[g][i] = 0.0;
  }
  for (uint k0 = begin; k0 < end; k0 += TILE) {
    // Scores of the tile: subgroup s takes keys s, s + subgroups, ...; its lanes split
    // the head dims, so each key row is read once, by consecutive lanes, for every head.
    const uint nk = min(TILE, end - k0);
    for (uint j = gl_SubgroupID; j < nk; j += gl_NumSubgroups) {
      const uint base = (k0 + j) * kv_row + kvh * hd;
      float dot[GMAX];
      for (uint g = 0; g < GMAX; ++g) dot[g] = 0.0;
      for (uint d = gl_SubgroupInvocationID; d < hd; d += gl_SubgroupSize) {
        const float kx = A_LOAD(kc[base + d]);
        for (uint g = 0; g < gn; ++g) dot[g] += qs[g][d] * kx;
      }
      for (uint g = 0; g < gn; ++g) {
        const float sum = subgroupAdd(dot[g]);
        if (subgroupElect()) ss[g][j] = cap_score(sum, p.softcap);
      }
    }
    barrier();
    // Each head's tile max, all heads in one round of reductions.
    const bool visible = tid < nk;
    for (uint g = 0; g < gn; ++g) {
      const float v = subgroupMax(visible ? ss[g][tid] : NEG_BIG);
      if (subgroupElect()) red[g][gl_SubgroupID] = v;
    }
    barrier();
    float alpha[GMAX];
    for (uint g = 0; g < gn; ++g) {
      float tile_max = NEG_BIG;
      for (uint i = 0; i < gl_NumSubgroups; ++i) tile_max = max(tile_max, red[g][i]);
      const float m_new = max(m[g], tile_max);
      alpha[g] = exp(m[g] - m_new);
      const float pk = visible ? exp(ss[g][tid] - m_new) : 0.0;
      l[g] = l[g] * alpha[g] + pk;
      ps[g][tid] = pk;
      m[g] = m_new;
    }
    barrier();
    for (uint i = 0; i < DPT; ++i) {
      const uint d = tid + i * TILE;
      if (d < hd) {
        float a[GMAX];
        for (uint g = 0; g < gn; ++g) a[g] = acc[g][i] * alpha[g];
        for (uint j = 0; j < nk; ++j) {
          const float vx = A_LOAD(vc[(k0 + j) * kv_row + kvh * hd + d]);
          for (uint g = 0; g < gn; ++g) a[g] += ps[g][j] * vx;
        }
        for (uint g = 0; g < gn; ++g) acc[g][i] = a[g];
      }
    }
    barrier();  // before the next tile overwrites ss, ps and red
  }
  // Each head's sum over the workgroup.
  for (uint g = 0; g < gn; ++g) {
    const float v = subgroupAdd(l[g]);
    if (subgroupElect()) red[g][gl_SubgroupID] = v;
  }
  barrier();
  for (uint g = 0; g < gn; ++g) {
    const uint o = (t * p.heads + h0 + g) * p.splits + chunk;
    for (uint i = 0; i < DPT; ++i) {
      const uint d = tid + i * TILE;
      if (d < hd) part_o[o * hd + d] = acc[g][i];
    }
    if (tid == 0) {
      float sum = 0.0;
      for (uint i = 0; i < gl_NumSubgroups; ++i) sum += red[g][i];
      part_ml[2 * o] = sum > 0.0 ? m[g] : 0.0;
      part_ml[2 * o + 1] = sum;
    }
  }
}
