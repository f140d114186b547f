#!/usr/bin/env python3
"""transformers with part of the model offloaded to the CPU, as users run a model
larger than their GPU: from_pretrained(device_map="auto", max_memory=...), which
keeps CPU-placed layers in host memory and copies them to the GPU for every
forward (accelerate's hooks). Prints one JSON line: prefill and decode tok/s.

    python3 hf_offload.py MODEL_DIR --gpu 8GiB [--prompt 128] [--gen 16]
    python3 hf_offload.py MODEL_DIR --map MAP.json ...   (an explicit device_map)
"""
import argparse, json, time
import torch
from transformers import AutoModelForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument("model"); ap.add_argument("--gpu", default="8GiB"); ap.add_argument("--map")
ap.add_argument("--prompt", type=int, default=128); ap.add_argument("--gen", type=int, default=16)
a = ap.parse_args()
if a.map:
    placement = dict(device_map=json.load(open(a.map)))
else:
    placement = dict(device_map="auto", max_memory={0: a.gpu, "cpu": "100GiB"})
model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.bfloat16, **placement)
placed = {}
for v in getattr(model, "hf_device_map", {"": 0}).values():  # unset when all on one device
    placed[str(v)] = placed.get(str(v), 0) + 1
vocab = model.config.vocab_size
ids = torch.randint(100, vocab - 1, (1, a.prompt), device="cuda")
kw = dict(do_sample=False, eos_token_id=None, pad_token_id=0)
with torch.no_grad():
    model.generate(ids, max_new_tokens=2, min_new_tokens=2, **kw)  # warm-up
    torch.cuda.synchronize(); t = time.time()
    model(ids)
    torch.cuda.synchronize(); pp = a.prompt / (time.time() - t)
    t = time.time()
    model.generate(ids, max_new_tokens=1, min_new_tokens=1, **kw)
    torch.cuda.synchronize(); t1 = time.time() - t
    t = time.time()
    model.generate(ids, max_new_tokens=a.gen + 1, min_new_tokens=a.gen + 1, **kw)
    torch.cuda.synchronize(); tg = a.gen / (time.time() - t - t1)
print(json.dumps({"engine": "hf-transformers offload", "gpu": a.map or a.gpu, "modules_per_device": placed,
                  "pp_tok_s": round(pp, 2), "tg_tok_s": round(tg, 2), "prompt": a.prompt,
                  "gen": a.gen}))
