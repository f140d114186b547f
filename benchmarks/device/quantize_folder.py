#!/usr/bin/env python3
"""Writes a GPTQ or AWQ copy of a Hugging Face folder, for speed runs at full size.

    python3 quantize_folder.py SRC DST --format gptq|awq [--group 128]

Round-to-nearest codes with each format's own rules and bit packing, as
../shared/tools/make_quant_fixtures.py writes them for the fixtures (GPTQ v1:
4-bit symmetric, zero 8 stored as 7, codes packed along the input dimension,
g_idx without act-order; AWQ GEMM: 4-bit with zeros, codes packed along the
output dimension in AWQ's field order), computed with torch on the GPU so that
an 8B folder takes seconds. Every q/k/v/o/gate/up/down projection is quantized;
embeddings, norms and lm_head stay as they are. Needs torch and safetensors
(the GPU machine has them). Quality is not the point: the weights are random.
"""
import argparse, glob, json, os, shutil
import torch
from safetensors.torch import load_file, save_file

LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]  # field i of a word holds column 8w + AWQ_ORDER[i]


def pack_rows(q):
    """q [R, C] in 0..15 -> int32 [R / 8, C]: row r at bits 4 (r % 8) of word r / 8."""
    R, C = q.shape
    q = q.to(torch.int64).reshape(R // 8, 8, C)
    w = torch.zeros(R // 8, C, dtype=torch.int64, device=q.device)
    for i in range(8):
        w |= q[:, i, :] << (4 * i)
    return to_i32(w)


def pack_cols(q, order=None):
    """q [R, C] in 0..15 -> int32 [R, C / 8]: column 8w + order[i] in field i of word w."""
    R, C = q.shape
    q = q.to(torch.int64).reshape(R, C // 8, 8)
    w = torch.zeros(R, C // 8, dtype=torch.int64, device=q.device)
    for i in range(8):
        w |= q[:, :, order[i] if order else i] << (4 * i)
    return to_i32(w)


def to_i32(w):
    """int64 words in 0..2^32-1 -> int32 with the same bits."""
    return torch.where(w >= 2**31, w - 2**32, w).to(torch.int32)


def gptq(W, gs):
    N, K = W.shape
    G = K // gs
    Wg = W.reshape(N, G, gs)
    s = (2 * Wg.abs().amax(2).clamp_min(1e-8) / 15).half().float()  # [N, G]
    q = (torch.round(Wg / s[:, :, None]) + 8).clamp(0, 15).reshape(N, K)
    zeros = torch.full((G, N), 7, dtype=torch.int64, device=W.device)  # v1 stores zero - 1
    return {"qweight": pack_rows(q.T.contiguous()),
            "qzeros": pack_cols(zeros),
            "scales": s.T.contiguous().half(),
            "g_idx": (torch.arange(K, device=W.device) // gs).to(torch.int32)}


def awq(W, gs):
    N, K = W.shape
    G = K // gs
    Wg = W.T.reshape(G, gs, N)
    lo, hi = Wg.amin(1), Wg.amax(1)  # [G, N]
    s = ((hi - lo).clamp_min(1e-8) / 15).half().float()
    z = (-torch.round(lo / s)).clamp(0, 15)
    q = (torch.round(Wg / s[:, None, :]) + z[:, None, :]).clamp(0, 15).reshape(K, N)
    return {"qweight": pack_cols(q, AWQ_ORDER), "qzeros": pack_cols(z, AWQ_ORDER),
            "scales": s.half()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--format", choices=["gptq", "awq"], required=True)
    ap.add_argument("--group", type=int, default=128)
    a = ap.parse_args()
    os.makedirs(a.dst, exist_ok=True)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    weight_map = {}
    for shard in sorted(glob.glob(os.path.join(a.src, "*.safetensors"))):
        out = {}
        for k, v in load_file(shard).items():
            if k.endswith(".weight") and any(p in k for p in LINEARS):
                W = v.to(dev, torch.float32)
                t = gptq(W, a.group) if a.format == "gptq" else awq(W, a.group)
                for suffix, tensor in t.items():
                    out[k[: -len("weight")] + suffix] = tensor.cpu().contiguous()
            else:
                out[k] = v.contiguous()
        name = os.path.basename(shard)
        save_file(out, os.path.join(a.dst, name), metadata={"format": "pt"})
        weight_map.update({k: name for k in out})
        print(f"{name}: {len(out)} tensors", flush=True)
    json.dump({"metadata": {}, "weight_map": weight_map},
              open(os.path.join(a.dst, "model.safetensors.index.json"), "w"), indent=2)
    for f in os.listdir(a.src):
        if f.endswith(".json") and f != "model.safetensors.index.json" and f != "config.json":
            shutil.copy(os.path.join(a.src, f), a.dst)
    cfg = json.load(open(os.path.join(a.src, "config.json")))
    if a.format == "gptq":
        q = {"quant_method": "gptq", "bits": 4, "group_size": a.group, "desc_act": False, "sym": True,
             "damp_percent": 0.01, "true_sequential": True, "static_groups": False,
             "checkpoint_format": "gptq"}
    else:
        q = {"quant_method": "awq", "bits": 4, "group_size": a.group, "zero_point": True,
             "version": "gemm", "modules_to_not_convert": None}
    cfg["quantization_config"] = q
    json.dump(cfg, open(os.path.join(a.dst, "config.json"), "w"), indent=2)


if __name__ == "__main__":
    main()
