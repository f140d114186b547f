#!/usr/bin/env python3
"""Each tokenizer.json component on small inputs, run through Hugging Face
`tokenizers` (0.23.2 with transformers 5.17 made component_cases.jsonl):

    python3 make_component_cases.py OUT.jsonl   (where `tokenizers` is installed)

A line is one probe: {"kind": "normalizer" | "pre_tokenizer" | "decoder", "spec",
"input", "output"} or {"kind": "tokenizer_json", "name", "tokenizer"} (a whole tokenizer.json) followed by
its probes {"kind": "tokenizer", "name", "input", "add_special_tokens", "ids",
"decoded", "decoded_skip"}."""
import json, sys
import tokenizers
from tokenizers import Tokenizer

out = open(sys.argv[1], "w")


def doc(normalizer=None, pre_tokenizer=None, decoder=None, model=None, added=(), post=None):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": list(added),
            "normalizer": normalizer, "pre_tokenizer": pre_tokenizer, "post_processor": post,
            "decoder": decoder,
            "model": model or {"type": "BPE", "vocab": {"a": 0}, "merges": []}}


def write(rec):
    out.write(json.dumps(rec, ensure_ascii=False) + "\n")


TEXTS = ["", "a", "Hello World", "  two  spaces  ", "don't I'M we'll 'S", "x2y3 1234567 3.14",
         "tab\there\nnew\r\nline", "\u00a0nbsp\u3000ideo\u2009thin\u0085nel\u200bzw",
         "na\u00efve caf\u00e9 e\u0301 \u00c5 A\u030a", "\ufb01 \uff26\uff55\uff4c\uff4c \u2460 \u00bd \u00b2 \u2122",
         "\U0001d53e\U0001d560\U0001d560\U0001d555 \u210c", "\u0130stanbul \u00c0B \u03a3\u0391\u03a3 \u1e9e",
         "\ud55c\uad6d\uc5b4 \u65e5\u672c\u8a9e \u041f\u0440\u0438\u0432\u0435\u0442",
         "emoji \U0001f642\U0001f680 \U0001f469\u200d\U0001f469\u200d\U0001f467",
         "a-b--c", "$5 + 3 = <8> ^_^ `x` | ~ !?", "\u2581lead \u2581\u2581x y\u2581", "a  b   c"]

normalizers = [
    {"type": "NFC"}, {"type": "NFD"}, {"type": "NFKC"}, {"type": "NFKD"}, {"type": "Lowercase"},
    {"type": "Strip", "strip_left": True, "strip_right": True},
    {"type": "Strip", "strip_left": True, "strip_right": False},
    {"type": "Strip", "strip_left": False, "strip_right": True},
    {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
    {"type": "Replace", "pattern": {"String": "aa"}, "content": "b"},
    {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
    {"type": "Replace", "pattern": {"Regex": "[0-9]"}, "content": ""},
    {"type": "Prepend", "prepend": "\u2581"},
    {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                         {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
    {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}, {"type": "Strip", "strip_left": True, "strip_right": True}]},
]
for spec in normalizers:
    n = Tokenizer.from_str(json.dumps(doc(normalizer=spec))).normalizer
    for t in TEXTS + ["aaaab", "  "]:
        write({"kind": "normalizer", "spec": spec, "input": t, "output": n.normalize_str(t)})

llama3_re = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
             "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
pre_tokenizers = [
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": False},
    {"type": "Split", "pattern": {"Regex": llama3_re}, "behavior": "Isolated", "invert": False},
    {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": False},
    {"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Removed", "invert": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False},
    {"type": "Metaspace", "replacement": "_", "prepend_scheme": "first", "split": True},
    {"type": "Digits", "individual_digits": True}, {"type": "Digits", "individual_digits": False},
    {"type": "Whitespace"}, {"type": "WhitespaceSplit"},
    {"type": "Punctuation", "behavior": "Isolated"}, {"type": "Punctuation", "behavior": "Contiguous"},
    {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": llama3_re}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
    {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Digits", "individual_digits": True}]},
]
for behavior in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]:
    for invert in (False, True):
        pre_tokenizers.append({"type": "Split", "pattern": {"String": "-"}, "behavior": behavior, "invert": invert})
        pre_tokenizers.append({"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": behavior, "invert": invert})
for spec in pre_tokenizers:
    p = Tokenizer.from_str(json.dumps(doc(pre_tokenizer=spec))).pre_tokenizer
    for t in TEXTS + ["--a--b-", "-"]:
        write({"kind": "pre_tokenizer", "spec": spec, "input": t,
               "output": [piece for piece, _ in p.pre_tokenize_str(t)]})

TOKEN_LISTS = [[], ["Hi", "\u0120there", "\u010a"], ["\u2581a", "\u2581b", "c"], ["\u2581\u2581x", "\u2581", "y\u2581"],
               ["<0xE2>", "<0x82>", "<0xAC>", "x", "<0xFF>", "<0x41>", "<0xe2>", "<0xZZ>", "<0x 1>"],
               ["<0xE2>", "<0x82>"], ["  a  ", " ", "b "], ["a_b", "__"], ["<s>", "\u2581Hello", "</s>"],
               ["caf\u00c3\u00a9", "\u00f0\u0141\u013b\u0124", "\u00e2\u0124"]]
decoders = [
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": True},
    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
    {"type": "Replace", "pattern": {"String": "_"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0},
    {"type": "Strip", "content": " ", "start": 2, "stop": 1},
    {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                                      {"type": "ByteFallback"}, {"type": "Fuse"},
                                      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
]
for spec in decoders:
    d = Tokenizer.from_str(json.dumps(doc(decoder=spec))).decoder
    for tokens in TOKEN_LISTS:
        try:
            write({"kind": "decoder", "spec": spec, "input": tokens, "output": d.decode(tokens)})
        except BaseException as e:  # Strip can panic on a token made only of its content
            print("decoder", spec["type"], tokens, "raised", type(e).__name__, file=sys.stderr)

# Whole tokenizers: added-token flags, BPE options, post-processors.
sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    sp_vocab["<0x%02X>" % b] = len(sp_vocab)
for t in ["\u2581", "h", "e", "l", "o", "w", "r", "d", "\u2581h", "\u2581he", "ll", "\u2581hell", "\u2581hello",
          "\u2581w", "or", "\u2581wor", "\u2581worl", "\u2581world", "\u2581\u2581", "a", "b", "ab", "\u2581a"]:
    sp_vocab[t] = len(sp_vocab)
sp_merges = ["\u2581 h", "\u2581h e", "l l", "\u2581he ll", "\u2581hell o", "\u2581 w", "o r", "\u2581w or",
             "\u2581wor l", "\u2581worl d", "\u2581 \u2581", "a b", "\u2581 a"]


def added(id_, content, special=True, normalized=False, lstrip=False, rstrip=False, single_word=False):
    return {"id": id_, "content": content, "single_word": single_word, "lstrip": lstrip, "rstrip": rstrip,
            "normalized": normalized, "special": special}


def sp_model(**kw):
    m = {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
         "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "vocab": sp_vocab, "merges": sp_merges}
    m.update(kw)
    return m


sp_norm = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                               {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
sp_dec = decoders[-1]
bos = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
       "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
       "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
bos_eos = {"type": "TemplateProcessing",
           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
base_added = [added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")]
n = len(sp_vocab)
flag_added = base_added + [
    added(n, "<|end|>", lstrip=True, rstrip=True), added(n + 1, "ab", special=False, single_word=True),
    added(n + 2, "<x>", rstrip=True), added(n + 3, "<x><y>", special=False),
    added(n + 4, "[LOW]", special=False, normalized=True), added(n + 5, " sp", special=False, lstrip=True)]
lower_norm = {"type": "Sequence", "normalizers": [{"type": "Lowercase"}, sp_norm]}

tokenizers_ = {
    "sentencepiece": doc(sp_norm, None, sp_dec, sp_model(), base_added, bos),
    "sentencepiece_no_fuse_unk": doc(sp_norm, None, sp_dec, sp_model(fuse_unk=False, byte_fallback=False), base_added, bos_eos),
    "sentencepiece_ignore_merges": doc(sp_norm, None, sp_dec, sp_model(ignore_merges=True), base_added, None),
    "added_flags": doc(sp_norm, None, sp_dec, sp_model(), flag_added, bos),
    "added_flags_lowercase": doc(lower_norm, None, sp_dec, sp_model(), flag_added, bos),
    "metaspace_first": doc(None, {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True},
                           {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True},
                           sp_model(), flag_added, {"type": "Sequence", "processors": [bos]}),
}
gpt_vocab = {}
for t in ["a", "b", "c", "\u0120", "\u0120a", "ab", "abc", "\u0120ab", "!", "<|end|>", "\u010a"]:
    gpt_vocab[t] = len(gpt_vocab)
tokenizers_["byte_level_untyped_model"] = doc(
    None, {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"vocab": gpt_vocab, "merges": [["a", "b"], ["\u0120", "a"], ["ab", "c"], ["\u0120", "ab"]]},
    [added(9, "<|end|>", normalized=True)],
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True})
tokenizers_["byte_level_roberta"] = doc(
    None, {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "BPE", "vocab": gpt_vocab, "merges": ["a b", "\u0120 a", "ab c", "\u0120 ab"]},
    [added(9, "<|end|>"), added(10, "\u010a", special=False)],
    {"type": "RobertaProcessing", "sep": ["<|end|>", 9], "cls": ["!", 8], "trim_offsets": True, "add_prefix_space": True})

INPUTS = ["", "hello world", " hello  world ", "hello\u00e9\u20ac world\U0001f642", "zzz qq hello", "hello<s>world</s>",
          "a<|end|>b", "a  <|end|>  b", "ab cab ab_ abab ab!", "<x>  <x><y> <x><y>z", "x [LOW] [low] y",
          "go sp  sp", "<s> hello", "abc ab!<|end|>", "ab\nab", "\u0130 \u00c0B", "\u2581\u2581a", "a\u00a0ab"]
for name, tj in tokenizers_.items():
    write({"kind": "tokenizer_json", "name": name, "tokenizer": tj})
    tok = Tokenizer.from_str(json.dumps(tj))
    for text in INPUTS:
        for special in (False, True):
            ids = tok.encode(text, add_special_tokens=special).ids
            write({"kind": "tokenizer", "name": name, "input": text, "add_special_tokens": special,
                   "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                   "decoded_skip": tok.decode(ids, skip_special_tokens=True)})
print("tokenizers", tokenizers.__version__, file=sys.stderr)
