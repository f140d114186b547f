#!/usr/bin/env python3
"""Extended tokenizer and chat-template vectors from transformers (5.17 made the
committed ones): random mixtures of scripts, whitespace, emoji and special-token
strings; chats with tools, tool calls, thinking blocks and content parts.

    python3 make_ext_cases.py TOKENIZERS_DIR OUT_DIR   (on a machine with transformers)

ext_cases.jsonl here keeps the first 80 random texts and the hand-written ones;
tests/chat/data/ext_chat.jsonl is ext_chat.jsonl as written."""
import json, os, random, sys
import transformers
from transformers import AutoTokenizer
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
specials = ["<s>", "</s>", "<unk>", "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|im_start|>",
            "<|im_end|>", "<|endoftext|>", "<start_of_turn>", "<end_of_turn>", "<|user|>", "<|assistant|>",
            "<|end|>", "<think>", "</think>", "<tool_call>", "<|fim_pad|>", "<|placeholder1|>"]
pools = [
  ["hello", "World", "the", "ABC", "don't", "I'M", "we'll", "x2y3", "foo_bar", "CamelCase", "naïve", "café"],
  ["0", "7", "42", "123", "2024", "1234567", "3.14159", "1,000,000", "-5", "1e10"],
  ["!", "?", "...", ",", ";", ":", "-", "--", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "'", "\"", "`", "#", "@", "&", "*", "+", "=", "|", "~", "^", "%", "$"],
  [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", "\u00a0", "\u3000", "\u2009", "\u200b", "\u2028", "\x0b", "\x0c", "\u0085"],
  ["日本語", "中文", "한국어", "테스트", "Привет", "مرحبا", "Ελληνικά", "עברית", "हिन्दी", "ไทย", "ℌ", "ﬁ", "Ｆｕｌｌ", "①", "½", "²"],
  ["🙂", "🚀", "👩‍👩‍👧", "👍🏽", "🇰🇷", "🧬", "☃", "\ufffd", "𐍈", "e\u0301", "a\u0308\u0301", "\u0301", "Å", "Å"],
  specials,
  ["▁", "▁▁", "Ġ", "Ċ", "<0x0A>", "<0xFF>", "<|reserved_special_token_5|>", "<|fim_prefix|>"],
]
texts = []
for i in range(260):
  n = rng.randint(1, 12)
  parts = []
  for _ in range(n):
    pool = rng.choice(pools)
    parts.append(rng.choice(pool))
  texts.append("".join(parts) if rng.random() < 0.4 else "".join(p + (rng.choice(["", " ", " "]) ) for p in parts))
texts += ["", " ", "  ", "\n", " \n ", "a", " a", "a ", "<s>", " <s> ", "<|im_start|>user\nhi<|im_end|>\n",
          "</s>hello", "hello</s>", "<s><s>", "x<|eot_id|>y", "   <|user|>  \n  x", "'s", "'S 's'", "12345678901234567890"]
cases = open(os.path.join(out, "ext_cases.jsonl"), "w")
chats = open(os.path.join(out, "ext_chat.jsonl"), "w")
tools = [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
          "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}]
conv = [
  ([{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Bye"}], None, {}),
  ([{"role": "user", "content": "  padded \n"}, {"role": "assistant", "content": "\n ok  "}, {"role": "user", "content": ""}], None, {}),
  ([{"role": "user", "content": "What is the weather in Paris?"}], tools, {}),
  ([{"role": "system", "content": "Use tools."}, {"role": "user", "content": "Weather in Paris?"}], tools, {}),
  ([{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]},
    {"role": "tool", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21C."}], tools, {}),
  ([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\nadd them\n</think>\n\n4"}, {"role": "user", "content": "and 3+3?"}], None, {}),
  ([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\nadd them\n</think>\n\n4"}], None, {}),
  ([{"role": "user", "content": "Think less."}], None, {"enable_thinking": False}),
  ([{"role": "user", "content": "Ünïcödé 🚀 \"quotes\" and \\backslash\\"}], None, {}),
  ([{"role": "assistant", "content": "starts with assistant"}], None, {}),
  ([{"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": " part two"}]}], None, {}),
]
for family in sorted(os.listdir(src)):
  folder = os.path.join(src, family)
  tok = AutoTokenizer.from_pretrained(folder)
  for text in texts:
    for special in (False, True):
      ids = tok.encode(text, add_special_tokens=special)
      rec = {"family": family, "text": text, "add_special_tokens": special, "ids": ids,
             "decoded": tok.decode(ids, skip_special_tokens=False),
             "decoded_skip": tok.decode(ids, skip_special_tokens=True)}
      cases.write(json.dumps(rec, ensure_ascii=False) + "\n")
  if getattr(tok, "chat_template", None):
    for msgs, tl, kw in conv:
      for gen in (True, False):
        rec = {"family": family, "messages": msgs, "tools": tl, "kwargs": kw, "add_generation_prompt": gen}
        try:
          text = tok.apply_chat_template(msgs, tools=tl, tokenize=False, add_generation_prompt=gen, **kw)
          rec["text"] = text
          rec["ids"] = tok.encode(text, add_special_tokens=False)
        except Exception as e:
          rec["error"] = str(e)
          rec["error_type"] = type(e).__name__
        chats.write(json.dumps(rec, ensure_ascii=False) + "\n")
  print(family, "done", flush=True)
print("transformers", transformers.__version__)
