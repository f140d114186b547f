// Shared by the attention kernels: the keys a query sees, soft-capping, and the
// finite "minus infinity" that keeps online-softmax rescaling free of NaNs.
// Push constants common to the prefill and decode kernels (engine/kernels/attention.h
// AttentionShape mirrors them): caches are [sequences * max_pos, kv_heads, head_dim];
// places [2, tokens]: the position of token t, then the cache row of its sequence's
// position 0 (base[t] = pos[tokens + t]).

// Below every real score: exp(NEG_BIG - m) is 0 for a real m, exp(NEG_BIG - NEG_BIG) is 1.
const float NEG_BIG = -1.0e30;

// tanh without overflow: exp of at most 30.
float safe_tanh(float v) {
  float e = exp(2.0 * clamp(v, -15.0, 15.0));
  return (e - 1.0) / (e + 1.0);
}

// Score after optional soft-capping (cap 0: off).
float cap_score(float s, float cap) { return cap > 0.0 ? cap * safe_tanh(s / cap) : s; }

// The first key a query at `pos` sees: with a sliding window of W keys (itself
// included), keys j > pos - W; without one (W = 0), key 0.
uint first_key(uint pos, uint window) { return window > 0 && pos + 1 > window ? pos + 1 - window : 0; }
