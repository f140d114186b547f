#!/usr/bin/env python3
"""A Llama-architecture Hugging Face folder (one bf16 model.safetensors) as a bf16
GGUF for llama.cpp, without torch: gguf-py and numpy only (Debian's python3-numpy),
where convert_hf_to_gguf.py cannot run. q/k rows permuted as the converter does;
a placeholder SentencePiece vocabulary of the config's size (speed runs only).

    PYTHONPATH=KIT/py/gguf-py python3 write_gguf.py MODEL_DIR OUT.gguf
"""
import json, struct, sys
import numpy as np
import gguf
from gguf import GGUFWriter, GGMLQuantizationType, TokenType, LlamaFileType

SRC, OUT = sys.argv[1], sys.argv[2]
cfg = json.load(open(f"{SRC}/config.json"))
assert cfg.get("rope_scaling") is None

path = f"{SRC}/model.safetensors"
with open(path, "rb") as f:
    hlen = struct.unpack("<Q", f.read(8))[0]
    hdr = json.loads(f.read(hlen))
base = 8 + hlen
mm = np.memmap(path, dtype=np.uint8, mode="r")

def get(name):
    info = hdr[name]
    assert info["dtype"] == "BF16", (name, info["dtype"])
    s, e = info["data_offsets"]
    return mm[base + s: base + e].view(np.uint16).reshape(info["shape"])

def bf16_to_f32(a):
    return (a.astype(np.uint32) << 16).view(np.float32)

def permute(w, n_head, n_head_kv):  # LlamaModel.permute from convert_hf_to_gguf
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))

n_head = cfg["num_attention_heads"]; n_kv = cfg["num_key_value_heads"]
hd = cfg.get("head_dim", cfg["hidden_size"] // n_head)
L = cfg["num_hidden_layers"]; V = cfg["vocab_size"]

w = GGUFWriter(OUT, "llama")
w.add_name("m1-random")
w.add_context_length(cfg["max_position_embeddings"])
w.add_embedding_length(cfg["hidden_size"])
w.add_block_count(L)
w.add_feed_forward_length(cfg["intermediate_size"])
w.add_head_count(n_head)
w.add_head_count_kv(n_kv)
w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
w.add_rope_freq_base(cfg["rope_theta"])
w.add_rope_dimension_count(hd)
w.add_key_length(hd); w.add_value_length(hd)
w.add_vocab_size(V)
w.add_file_type(LlamaFileType.MOSTLY_BF16)

# SentencePiece-style tokenizer
toks, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
for b in range(256):
    toks.append(f"<0x{b:02X}>"); scores.append(0.0); types.append(TokenType.BYTE)
i = 0
while len(toks) < V:
    toks.append(f"t{i}"); scores.append(-float(i)); types.append(TokenType.NORMAL); i += 1
w.add_tokenizer_model("llama")
w.add_token_list(toks); w.add_token_scores(scores); w.add_token_types(types)
w.add_bos_token_id(1); w.add_eos_token_id(2); w.add_unk_token_id(0)
w.add_add_bos_token(True)

def mat(dst, src, perm=None):
    a = get(src)
    if perm is not None:
        a = permute(a, n_head, perm)
    w.add_tensor(dst, np.ascontiguousarray(a), raw_dtype=GGMLQuantizationType.BF16)

def norm(dst, src):
    w.add_tensor(dst, bf16_to_f32(np.asarray(get(src))))

mat("token_embd.weight", "model.embed_tokens.weight")
norm("output_norm.weight", "model.norm.weight")
mat("output.weight", "lm_head.weight")
for l in range(L):
    p = f"model.layers.{l}."
    b = f"blk.{l}."
    norm(b + "attn_norm.weight", p + "input_layernorm.weight")
    mat(b + "attn_q.weight", p + "self_attn.q_proj.weight", perm=n_head)
    mat(b + "attn_k.weight", p + "self_attn.k_proj.weight", perm=n_kv)
    mat(b + "attn_v.weight", p + "self_attn.v_proj.weight")
    mat(b + "attn_output.weight", p + "self_attn.o_proj.weight")
    norm(b + "ffn_norm.weight", p + "post_attention_layernorm.weight")
    mat(b + "ffn_gate.weight", p + "mlp.gate_proj.weight")
    mat(b + "ffn_up.weight", p + "mlp.up_proj.weight")
    mat(b + "ffn_down.weight", p + "mlp.down_proj.weight")

used = {k for k in hdr if k != "__metadata__"}
print("safetensors tensors:", len(used), "written:", len(w.tensors[0]))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
print("ok")
