#!/usr/bin/env python3
"""Held-out text for the bundled demo model: stories from the generator that made its
training corpus (tools/make_demo_model.py's story()), with another seed, so the text
is in the model's domain but (almost all of it) never seen in training. Reads the
generator's source without importing it (its imports need torch).

    python3 benchmarks/quality/make_heldout.py [--seed 20261207] [--stories 40] > heldout.txt
"""
import argparse
import ast
import pathlib
import random

SRC = pathlib.Path(__file__).resolve().parents[2] / "tools" / "make_demo_model.py"


def load_story():
    tree = ast.parse(SRC.read_text())
    keep = [n for n in tree.body
            if isinstance(n, ast.Assign) or (isinstance(n, ast.FunctionDef) and n.name == "story")]
    env = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(SRC), "exec"), env)
    return env["story"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--stories", type=int, default=40)
    a = ap.parse_args()
    story, rng = load_story(), random.Random(a.seed)
    print("\n".join(story(rng) for _ in range(a.stories)))


if __name__ == "__main__":
    main()
