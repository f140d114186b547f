#!/usr/bin/env python3
"""Makes vkllm's bundled demo model: a small Llama trained from scratch.

Run on a machine with a GPU and torch + transformers + tokenizers:

    python3 tools/make_demo_model.py OUT_DIR [--steps 4000] [--seed 1]

Everything it learns from is generated here: short templated stories about
animals, places and things, and chat turns that ask for such a story. The
folder it writes is a normal Hugging Face model folder (config.json,
generation_config.json, model.safetensors in bf16, tokenizer.json,
tokenizer_config.json with a chat template) plus reference.json: the greedy
continuations transformers computes from the saved folder in float32, which
vkllm's tests reproduce token for token.
"""
import argparse
import json
import math
import os
import random
import time

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (AutoTokenizer, GenerationConfig, LlamaConfig, LlamaForCausalLM,
                          PreTrainedTokenizerFast)

BOS, EOS, END = "<|begin|>", "<|endoftext|>", "<|end|>"
ROLES = ["<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] | trim + '<|end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}")

NAMES = ["Tom", "Lily", "Max", "Mia", "Ben", "Sara", "Leo", "Anna", "Sam", "Lucy", "Tim", "Zoe",
         "Jack", "Emma", "Noah", "Ella", "Finn", "Ruby", "Oscar", "Ivy"]
ANIMALS = ["cat", "dog", "rabbit", "fox", "bird", "mouse", "bear", "duck", "frog", "owl",
           "horse", "turtle", "lion", "pig", "goat", "deer"]
TRAITS = ["little", "brave", "shy", "curious", "happy", "sleepy", "clever", "kind", "tiny", "old"]
# (place, "in the place", where exactly)
PLACES = [("forest", "in the forest", "under a tall tree"),
          ("village", "in the village", "in a small red house"),
          ("farm", "on the farm", "next to the big barn"),
          ("garden", "in the garden", "behind the roses"),
          ("city", "in the city", "on a busy street"),
          ("meadow", "in the meadow", "near a quiet pond"),
          ("mountain", "on the mountain", "in a warm cave"),
          ("beach", "on the beach", "by the blue sea")]
THINGS = [("ball", "red"), ("kite", "yellow"), ("box", "wooden"), ("hat", "green"),
          ("key", "shiny"), ("book", "old"), ("shell", "pink"), ("drum", "small"),
          ("map", "torn"), ("lamp", "bright"), ("bell", "silver"), ("boat", "paper")]
FRIENDS = ANIMALS
FEELINGS = ["happy", "excited", "surprised", "proud", "glad"]
WEATHER = ["sunny", "rainy", "windy", "cold", "warm", "quiet"]
TIMES = ["morning", "afternoon", "evening"]


def story(rng, name=None, animal=None, place=None):
    name = name or rng.choice(NAMES)
    animal = animal or rng.choice(ANIMALS)
    place, at_place, home = place or rng.choice(PLACES)
    trait = rng.choice(TRAITS)
    thing, color = rng.choice(THINGS)
    friend = rng.choice([a for a in FRIENDS if a != animal])
    fname = rng.choice([n for n in NAMES if n != name])
    weather, when = rng.choice(WEATHER), rng.choice(TIMES)
    feeling = rng.choice(FEELINGS)
    article = "an" if trait[0] in "aeiou" else "a"
    color_article = "an" if color[0] in "aeiou" else "a"
    s = [f"Once upon a time, there was {article} {trait} {animal} named {name}.",
         f"{name} lived {at_place}, {home}."]
    s.append(rng.choice([
        f"One {weather} {when}, {name} found {color_article} {color} {thing}.",
        f"One {when}, {name} saw {color_article} {color} {thing} on the ground.",
        f"It was a {weather} day, and {name} wanted to play with {color_article} {color} {thing}."]))
    s.append(rng.choice([
        f"{name} did not know whose {thing} it was.",
        f"The {thing} was very pretty, but it was lost.",
        f"{name} wanted to share the {thing} with a friend."]))
    s.append(rng.choice([
        f"Then {name} met a {friend} named {fname}.",
        f"Soon a {friend} named {fname} came by.",
        f"A friendly {friend} named {fname} walked up to {name}."]))
    s.append(rng.choice([
        f"\"Is this your {thing}?\" asked {name}. \"Yes!\" said {fname}.",
        f"\"Let's play together,\" said {fname}. {name} smiled.",
        f"{fname} helped {name} look for the owner of the {thing}."]))
    s.append(rng.choice([
        f"They played with the {thing} until the sun went down.",
        f"They became good friends and played {at_place} every day.",
        f"At the end of the day, {name} felt {feeling}."]))
    s.append(rng.choice(["The end.", f"{name} and {fname} were {feeling}.",
                         f"And {name} never forgot that day {at_place}."]))
    return " ".join(s)


def chat(rng):
    name, animal = rng.choice(NAMES), rng.choice(ANIMALS)
    place = rng.choice(PLACES)
    ask = rng.choice([
        f"Tell me a story about a {animal} named {name}.",
        f"Can you write a short story about a {animal} called {name}?",
        f"Please tell me a story about {name} the {animal} {place[1]}.",
        f"Write a story about a {animal}."])
    if "called" in ask or "named" in ask or " the " in ask:
        body = story(rng, name, animal, place if place[1] in ask else None)
    else:
        body = story(rng, None, animal)
    turns = []
    if rng.random() < 0.3:
        turns.append({"role": "system", "content": "You are a helpful assistant who tells short stories."})
    if rng.random() < 0.2:
        turns.append({"role": "user", "content": rng.choice(["Hello!", "Hi there.", "Good morning!"])})
        turns.append({"role": "assistant",
                      "content": rng.choice(["Hello! Would you like to hear a story?",
                                             "Hi! I can tell you a story about animals."])})
    turns.append({"role": "user", "content": ask})
    turns.append({"role": "assistant", "content": body})
    return turns


def render(turns):
    return BOS + "".join(f"<|{t['role']}|>\n{t['content'].strip()}{END}\n" for t in turns)


def corpus(rng, n):
    docs = []
    for _ in range(n):
        docs.append(render(chat(rng)) if rng.random() < 0.4 else BOS + story(rng) + EOS)
    return docs


def train_tokenizer(docs, vocab):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=[BOS, EOS, END] + ROLES,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    # Training text without the special tokens: they are added tokens, never merged.
    plain = [d.replace(BOS, "").replace(EOS, "").replace(END, "") for d in docs[:50000]]
    tok.train_from_iterator(plain, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, tok.token_to_id(BOS))])
    # END and the role markers are special already (the trainer's special_tokens).
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS,
                                   chat_template=CHAT_TEMPLATE, model_max_length=1024,
                                   clean_up_tokenization_spaces=False)


def batches(ids, seq, batch, rng):
    n = (len(ids) - 1) // seq
    data = torch.tensor(ids[: n * seq + 1], dtype=torch.long)
    while True:
        starts = torch.randint(0, len(data) - seq - 1, (batch,), generator=rng)
        x = torch.stack([data[s: s + seq] for s in starts.tolist()])
        y = torch.stack([data[s + 1: s + seq + 1] for s in starts.tolist()])
        yield x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--docs", type=int, default=120000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    t0 = time.time()
    rng = random.Random(a.seed)
    torch.manual_seed(a.seed)
    docs = corpus(rng, a.docs)
    tokenizer = train_tokenizer(docs, 2048)
    ids = []
    for d in docs:
        ids += tokenizer(d, add_special_tokens=False)["input_ids"]
    print(f"corpus: {len(docs)} documents, {len(ids)} tokens ({time.time() - t0:.0f} s)", flush=True)

    cfg = LlamaConfig(vocab_size=len(tokenizer), hidden_size=256, intermediate_size=768,
                      num_hidden_layers=6, num_attention_heads=4, num_key_value_heads=2,
                      head_dim=64, max_position_embeddings=1024, rope_theta=10000.0,
                      rms_norm_eps=1e-5, tie_word_embeddings=True, hidden_act="silu",
                      bos_token_id=tokenizer.convert_tokens_to_ids(BOS),
                      eos_token_id=tokenizer.convert_tokens_to_ids(EOS))
    dev = "cuda"
    model = LlamaForCausalLM(cfg).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, betas=(0.9, 0.95), weight_decay=0.1)
    seq, batch = 256, 96
    gen = torch.Generator().manual_seed(a.seed)
    it = batches(ids, seq, batch, gen)
    model.train()
    for step in range(a.steps):
        lr = 2e-3 * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = next(it)
        x, y = x.to(dev), y.to(dev)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(input_ids=x).logits
        loss = torch.nn.functional.cross_entropy(logits.float().view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 250 == 0 or step == a.steps - 1:
            print(f"step {step} loss {loss.item():.3f} lr {lr:.2e} ({time.time() - t0:.0f} s)", flush=True)

    os.makedirs(a.out, exist_ok=True)
    model = model.to(torch.bfloat16)
    model.generation_config = GenerationConfig(
        bos_token_id=cfg.bos_token_id,
        eos_token_id=[tokenizer.convert_tokens_to_ids(EOS), tokenizer.convert_tokens_to_ids(END)],
        do_sample=True, temperature=0.7, top_p=0.9, top_k=40, max_new_tokens=256)
    model.save_pretrained(a.out)
    tokenizer.save_pretrained(a.out)

    # The reference: the saved folder, reloaded, in float32, greedy.
    tok = AutoTokenizer.from_pretrained(a.out)
    ref = LlamaForCausalLM.from_pretrained(a.out, dtype=torch.float32).to(dev).eval()
    cases = []
    prompts = [("text", "Once upon a time, there was a little"),
               ("text", "Once upon a time, there was a brave dog named Tom. Tom lived"),
               ("chat", [{"role": "user", "content": "Tell me a story about a fox named Max."}])]
    for kind, prompt in prompts:
        text = tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True) \
            if kind == "chat" else prompt
        # The rendered chat already starts with the BOS token.
        pids = tok(text, add_special_tokens=kind == "text")["input_ids"]
        x = torch.tensor([pids], device=dev)
        with torch.no_grad():
            out = ref.generate(x, max_new_tokens=48, do_sample=False, top_k=None, top_p=None,
                               temperature=None, output_scores=True, return_dict_in_generate=True)
        new = out.sequences[0, len(pids):].tolist()
        margins = []
        for s in out.scores:
            top = torch.topk(s[0].float(), 2).values
            margins.append(float(top[0] - top[1]))
        cases.append({"kind": kind, "prompt": prompt, "rendered": text, "prompt_ids": pids,
                      "ids": new, "text": tok.decode(new, skip_special_tokens=False),
                      "top2_margin": margins})
        print(f"{kind}: {text!r} -> {tok.decode(new)!r} (min margin {min(margins):.3f})")
    with open(os.path.join(a.out, "reference.json"), "w") as f:
        json.dump({"made_by": "tools/make_demo_model.py", "seed": a.seed, "steps": a.steps,
                   "dtype_of_reference": "float32 from the saved bf16 weights", "cases": cases},
                  f, indent=1, ensure_ascii=False)
    print(f"done in {time.time() - t0:.0f} s; files: {sorted(os.listdir(a.out))}")


if __name__ == "__main__":
    main()
