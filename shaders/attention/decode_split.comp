#version 450
// Decode attention, first pass (split-K): the keys a query sees are cut into
// `splits` equal chunks, one workgroup per (token, head, chunk). Each writes its
// chunk's partial result: the max m of its scores, l = sum exp(s - m) and the
// un-normalized o = sum exp(s - m) v; decode_combine.comp merges the chunks.
// Same inputs and masking as prefill.comp: q [tokens, heads, head_dim] f32, caches
// [sequences * max_pos, kv_heads, head_dim] in f16 or f32 (A_*), places [2, tokens]. Outputs, record
// i = (t * heads + h) * splits + chunk: part_o [i, head_dim], part_ml [i, 2] = (m, l);
// an empty chunk writes m = l = 0 and o = 0.
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

shared float qs[HD_MAX];
shared float ps[TILE];
shared float ss[TILE];  // the tile's scores
shared float red[MAX_SUBGROUPS];

float workgroup_max(float v) {
  v = subgroupMax(v);
  if (subgroupElect()) red[gl_SubgroupID] = v;
  barrier();
  float r = NEG_BIG;
  for (uint i = 0; i < gl_NumSubgroups; ++i) r = max(r, red[i]);
  barrier();
  return r;
}

float workgroup_sum(float v) {
  v = subgroupAdd(v);
  if (subgroupElect()) red[gl_SubgroupID] = v;
  barrier();
  float r = 0.0;
  for (uint i = 0; i < gl_NumSubgroups; ++i) r += red[i];
  barrier();
  return r;
}

void main() {
  const uint rec = linear_workgroup();
  if (rec >= p.tokens * p.heads * p.splits) return;  // uniform over the workgroup
  const uint chunk = rec % p.splits, th = rec / p.splits;  // th = t * heads + h
  const uint t = th / p.heads, head = th % p.heads;
  const uint kvh = head / (p.heads / p.kv_heads);
  const uint hd = p.head_dim, kv_row = p.kv_heads * hd, tid = gl_LocalInvocationID.x;

  for (uint d = tid; d < hd; d += TILE) qs[d] = q[th * hd + d] * p.scale;
  const uint at = min(pos[t], p.max_pos - 1), rows = pos[p.tokens + t];
  const uint lo = first_key(at, p.window);
  const uint last = pos[t] < p.max_pos ? at + 1 : lo;  // padding sees no key
  const uint len = (last - lo + p.splits - 1) / p.splits;
  // Cache rows [begin, end) of this chunk.
  const uint begin = rows + min(lo + chunk * len, last);
  const uint end = rows + min(lo + chunk * len + len, last);
  barrier();

  float m = NEG_BIG, l = 0.0;  // l: this thread's share of the sum
  float acc[DPT];
  for (uint i = 0; i < DPT; ++i) acc[i] = 0.0;
  for (uint k0 = begin; k0 < end; k0 += TILE) {
    // Scores of the tile: subgroup g takes keys g, g + subgroups, ...; its lanes split
    // the head dims, so each key row is read by consecutive lanes (coalesced).
    const uint nk = min(TILE, end - k0);
    for (uint j = gl_SubgroupID; j < nk; j += gl_NumSubgroups) {
      const uint base = (k0 + j) * kv_row + kvh * hd;
      float dot = 0.0;
      for (uint d = gl_SubgroupInvocationID; d < hd; d += gl_SubgroupSize)
        dot += qs[d] * A_LOAD(kc[base + d]);
      dot = subgroupAdd(dot);
      if (subgroupElect()) ss[j] = cap_score(dot, p.softcap);
    }
    barrier();
    const bool visible = tid < nk;
    const float s = visible ? ss[tid] : NEG_BIG;
    const float m_new = max(m, workgroup_max(s));
    const float alpha = exp(m - m_new);
    const float pk = visible ? exp(s - m_new) : 0.0;
    l = l * alpha + pk;
    ps[tid] = pk;
    barrier();
    for (uint i = 0; i < DPT; ++i) {
      const uint d = tid + i * TILE;
      if (d < hd) {
        float a = acc[i] * alpha;
        for (uint j = 0; j < nk; ++j) a += ps[j] * A_LOAD(vc[(k0 + j) * kv_row + kvh * hd + d]);
        acc[i] = a;
      }
    }
    m = m_new;
    barrier();  // before the next tile overwrites ps
  }
  l = workgroup_sum(l);

  for (uint i = 0; i < DPT; ++i) {
    const uint d = tid + i * TILE;
    if (d < hd) part_o[rec * hd + d] = acc[i];
  }
  if (tid == 0) {
    part_ml[2 * rec] = l > 0.0 ? m : 0.0;
    part_ml[2 * rec + 1] = l;
  }
}
