#!/usr/bin/env python3
"""A random Llama-shaped Hugging Face folder (config.json + one bf16
model.safetensors) with the standard library only, for CPU runs on a machine
without torch: weights of random sign and mantissa with magnitudes near 2^-7.

    python3 make_llama_folder.py OUT [--hidden 2048] [--ffn 5632] [--layers 8]
        [--heads 16] [--kv-heads 4] [--vocab 32000]
"""
import argparse, json, os, struct

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--hidden", type=int, default=2048)
ap.add_argument("--ffn", type=int, default=5632)
ap.add_argument("--layers", type=int, default=8)
ap.add_argument("--heads", type=int, default=16)
ap.add_argument("--kv-heads", type=int, default=4)
ap.add_argument("--vocab", type=int, default=32000)
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
H, I, L, V = a.hidden, a.ffn, a.layers, a.vocab
hd = H // a.heads
kv = a.kv_heads * hd
cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": H,
       "intermediate_size": I, "num_hidden_layers": L, "num_attention_heads": a.heads,
       "num_key_value_heads": a.kv_heads, "head_dim": hd, "vocab_size": V,
       "max_position_embeddings": 131072, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
       "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "bfloat16",
       "bos_token_id": 1, "eos_token_id": 2}
json.dump(cfg, open(os.path.join(a.out, "config.json"), "w"), indent=1)
tensors = [("model.embed_tokens.weight", (V, H)), ("lm_head.weight", (V, H)),
           ("model.norm.weight", (H,))]
for l in range(L):
    p = f"model.layers.{l}."
    tensors += [(p + "self_attn.q_proj.weight", (H, H)), (p + "self_attn.k_proj.weight", (kv, H)),
                (p + "self_attn.v_proj.weight", (kv, H)), (p + "self_attn.o_proj.weight", (H, H)),
                (p + "mlp.gate_proj.weight", (I, H)), (p + "mlp.up_proj.weight", (I, H)),
                (p + "mlp.down_proj.weight", (H, I)), (p + "input_layernorm.weight", (H,)),
                (p + "post_attention_layernorm.weight", (H,))]
header, off = {}, 0
for name, shape in tensors:
    n = 2
    for d in shape:
        n *= d
    header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + n]}
    off += n
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
block = bytearray(os.urandom(1 << 24))
for i in range(1, len(block), 2):  # high byte: sign kept, exponent near 2^-7
    block[i] = (block[i] & 0x80) | 0x3C
with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    left = off
    while left > 0:
        n = min(left, len(block))
        f.write(block[:n])
        left -= n
print(f"{a.out}: {off / 1e9:.2f} GB")
