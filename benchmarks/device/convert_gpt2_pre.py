#!/usr/bin/env python3
"""llama.cpp's convert_hf_to_gguf.py for a folder whose byte-level BPE tokenizer it
does not know by hash (the bundled demo model's, trained by tools/make_demo_model.py).
Its pre-tokenizer is GPT-2's (ByteLevel, use_regex), so the converter is told
"gpt-2" instead of refusing; everything else is the converter's own.

    PYTHONPATH=/tmp/kit/py/gguf-py python3 convert_gpt2_pre.py KIT_PY MODEL_DIR --outtype bf16 --outfile OUT
"""
import sys

kit = sys.argv.pop(1)
sys.path.insert(0, kit)
from conversion import base  # noqa: E402

base.TextModel.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"
sys.argv[0] = kit + "/convert_hf_to_gguf.py"
import convert_hf_to_gguf  # noqa: E402

convert_hf_to_gguf.main()
