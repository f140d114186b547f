#!/usr/bin/env python3
"""Renders jinja_cases.json with transformers 5 (run where transformers is installed):
    python3 render_jinja.py jinja_cases.json OUT.json"""
import json, sys
from datetime import datetime
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
import transformers
from transformers.utils import chat_template_utils as ctu
cases = json.load(open(sys.argv[1]))
out = []
compile_fn = getattr(ctu, "_compile_jinja_template", None)
print("compile fn", compile_fn, transformers.__version__, jinja2.__version__)
for c in cases:
    rec = dict(c)
    try:
        tmpl = compile_fn(c["template"])
        rec["text"] = tmpl.render(**c["vars"])
    except Exception as e:
        rec["error"] = str(e)
        rec["error_type"] = type(e).__name__
    out.append(rec)
json.dump(out, open(sys.argv[2], "w"), ensure_ascii=False, indent=0)
print(sum("error" in r for r in out), "errors of", len(out))
