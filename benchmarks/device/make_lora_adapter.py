#!/usr/bin/env python3
"""A random PEFT LoRA adapter for a model folder, as PEFT saves one: adapter_config.json
and adapter_model.safetensors with F32 lora_A [r, in] and lora_B [out, r] for every
projection of every layer (q, k, v, o, gate, up, down). For speed runs on the GPU
machine (the values are random; only the shapes and the work matter).

    make_lora_adapter.py MODEL_DIR OUT_DIR [--rank 16] [--alpha 32]
"""
import argparse
import json
import os

import numpy as np
from safetensors.numpy import save_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=32)
    a = ap.parse_args()
    c = json.load(open(os.path.join(a.model, "config.json")))
    h, ffn = c["hidden_size"], c["intermediate_size"]
    hd = c.get("head_dim") or h // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    shapes = {"self_attn.q_proj": (q, h), "self_attn.k_proj": (kv, h),
              "self_attn.v_proj": (kv, h), "self_attn.o_proj": (h, q),
              "mlp.gate_proj": (ffn, h), "mlp.up_proj": (ffn, h), "mlp.down_proj": (h, ffn)}
    rng = np.random.default_rng(0)
    tensors = {}
    for il in range(c["num_hidden_layers"]):
        for m, (out, inp) in shapes.items():
            key = f"base_model.model.model.layers.{il}.{m}"
            # float32 throughout (numpy 2 promotes float32 / float64-scalar to float64)
            a_ = rng.standard_normal((a.rank, inp), dtype=np.float32) / np.float32(np.sqrt(inp))
            b_ = rng.standard_normal((out, a.rank), dtype=np.float32) * np.float32(1e-3)
            tensors[key + ".lora_A.weight"] = a_.astype(np.float32)
            tensors[key + ".lora_B.weight"] = b_.astype(np.float32)
    os.makedirs(a.out, exist_ok=True)
    save_file(tensors, os.path.join(a.out, "adapter_model.safetensors"))
    cfg = {"peft_type": "LORA", "r": a.rank, "lora_alpha": a.alpha, "bias": "none",
           "target_modules": [m.split(".")[1] for m in shapes], "use_rslora": False,
           "use_dora": False, "fan_in_fan_out": False, "base_model_name_or_path": a.model}
    json.dump(cfg, open(os.path.join(a.out, "adapter_config.json"), "w"), indent=2)


if __name__ == "__main__":
    main()
