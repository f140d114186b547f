#version 450
// Prefill attention, FlashAttention-style: q [tokens, heads, head_dim] f32 (roped)
// attends the caches [sequences * max_pos, kv_heads, head_dim] (f16 or f32, A_*),
// causally by position (query t sees keys j <= pos[t], and j > pos[t] - window when
// window > 0, at cache rows base[t] + j; a query at pos >= max_pos is padding and
// gets zeros);
// out [tokens, heads, head_dim] f32. Query head h reads kv head h / (heads / kv_heads).
// A workgroup takes BQ queries of one head; keys stream through shared memory in
// tiles of BK with a running max and sum per query row (online softmax). Thread
// (r, c) scores query r against key c of the tile, then accumulates output dims
// c, c + BK, ... of query r. Keys are walked in cache rows, so a tile whose queries
// belong to different sequences stays correct (only slower).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"
#include "grid.glsl"
#include "attention.glsl"

layout(local_size_x_id = 0) in;  // BQ * BK
layout(constant_id = 1) const uint BQ = 16;
layout(constant_id = 2) const uint BK = 16;
layout(constant_id = 3) const uint HD_MAX = 128;  // head_dim <= HD_MAX
layout(constant_id = 4) const uint DPT = 8;       // output dims per thread: ceil(HD_MAX / BK)

layout(push_constant) uniform Push {
  uint tokens; uint heads; uint kv_heads; uint head_dim; uint max_pos; uint window;
  float scale; float softcap;
} p;
layout(binding = 0) readonly buffer Q { float q[]; };
layout(binding = 1) readonly buffer KC { A_T kc[]; };
layout(binding = 2) readonly buffer VC { A_T vc[]; };
layout(binding = 3) readonly buffer Pos { uint pos[]; };
layout(binding = 4) writeonly buffer O { float o[]; };

// q and k rows are padded by one float so the score loop's column reads spread over banks.
shared float qs[BQ * (HD_MAX + 1)];
shared float ks[BK * (HD_MAX + 1)];
shared float vs[BK * HD_MAX];
shared float ss[BQ * BK];  // scores of the tile
shared float ps[BQ * BK];  // their exp(s - m)
shared uint qpos[BQ];
shared uint qbase[BQ];  // cache row of the query's position 0

void main() {
  const uint wg = linear_workgroup();
  const uint q_tiles = (p.tokens + BQ - 1) / BQ;
  if (wg >= q_tiles * p.heads) return;  // uniform over the workgroup
  const uint head = wg % p.heads, t0 = (wg / p.heads) * BQ;
  const uint kvh = head / (p.heads / p.kv_heads);
  const uint hd = p.head_dim, stride = hd + 1, kv_row = p.kv_heads * hd;
  const uint nthreads = BQ * BK, tid = gl_LocalInvocationID.x;
  const uint r = tid / BK, c = tid % BK;
  const uint nq = min(BQ, p.tokens - t0);

  for (uint e = tid; e < BQ * hd; e += nthreads) {
    const uint qr = e / hd, d = e % hd;
    qs[qr * stride + d] = qr < nq ? q[((t0 + qr) * p.heads + head) * hd + d] * p.scale : 0.0;
  }
  if (tid < BQ) {
    const bool real = tid < nq && pos[t0 + tid] < p.max_pos;  // else padding: sees no key
    qpos[tid] = real ? pos[t0 + tid] : 0xffffffffu;
    qbase[tid] = real ? pos[p.tokens + t0 + tid] : 0;
  }
  barrier();

  // The cache rows any query of the tile sees: [kbegin, kend).
  uint kbegin = 0xffffffffu, kend = 0;
  for (uint i = 0; i < nq; ++i)
    if (qpos[i] != 0xffffffffu) {
      kbegin = min(kbegin, qbase[i] + first_key(qpos[i], p.window));
      kend = max(kend, qbase[i] + qpos[i] + 1);
    }
  const bool valid = r < nq && qpos[r] != 0xffffffffu;
  const uint my_last = qbase[r] + qpos[r], my_first = qbase[r] + first_key(qpos[r], p.window);

  float m = NEG_BIG, l = 0.0;
  float acc[DPT];
  for (uint i = 0; i < DPT; ++i) acc[i] = 0.0;

  for (uint k0 = kbegin; k0 < kend; k0 += BK) {
    for (uint e = tid; e < BK * hd; e += nthreads) {
      const uint kr = e / hd, d = e % hd, key = k0 + kr;
      float kx = 0.0, vx = 0.0;
      if (key < kend) {  // rows past the last query's position may never have been written
        const uint at = key * kv_row + kvh * hd + d;
        kx = A_LOAD(kc[at]);
        vx = A_LOAD(vc[at]);
      }
      ks[kr * stride + d] = kx;
      vs[kr * hd + d] = vx;
    }
    barrier();

    const uint key = k0 + c;
    const bool visible = valid && key >= my_first && key <= my_last;
    float s = NEG_BIG;
    if (visible) {
      float dot = 0.0;
      for (uint d = 0; d < hd; ++d) dot += qs[r * stride + d] * ks[c * stride + d];
      s = cap_score(dot, p.softcap);
    }
    ss[r * BK + c] = s;
    barrier();

    float tile_max = NEG_BIG;
    for (uint j = 0; j < BK; ++j) tile_max = max(tile_max, ss[r * BK + j]);
    const float m_new = max(m, tile_max);
    ps[r * BK + c] = visible ? exp(s - m_new) : 0.0;
    barrier();

    const float alpha = exp(m - m_new);
    float psum = 0.0;
    for (uint j = 0; j < BK; ++j) psum += ps[r * BK + j];
    l = l * alpha + psum;
    for (uint i = 0; i < DPT; ++i) {
      const uint d = c + i * BK;
      if (d < hd) {
        float a = acc[i] * alpha;
        for (uint j = 0; j < BK; ++j) a += ps[r * BK + j] * vs[j * hd + d];
        acc[i] = a;
      }
    }
    m = m_new;
    barrier();  // before the next tile overwrites ks, vs, ss and ps
  }

  if (r >= nq) return;
  const float inv_l = l > 0.0 ? 1.0 / l : 0.0;  // padding writes zeros
  const uint dst = ((t0 + r) * p.heads + head) * hd;
  for (uint i = 0; i < DPT; ++i) {
    const uint d = c + i * BK;
    if (d < hd) o[dst + d] = acc[i] * inv_l;
  }
}
