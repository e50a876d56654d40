# ruff: noqa: SIM115  (a throwaway experiment, kept as evidence)
"""Summarise py-spy raw (collapsed) stacks: top inclusive and self time per function.

py-spy record --rate 100 --format raw -o out.raw -- python ...
python benchmarks/experiments/pyspy_top.py out.raw 40
"""

import re
import sys
from collections import Counter

incl, selft = Counter(), Counter()
total = 0
for line in open(sys.argv[1], encoding="utf-8"):
    stack, _, n = line.rstrip().rpartition(" ")
    n = int(n)
    total += n
    frames = stack.split(";")
    names = []
    for f in frames:
        m = re.match(r"(.+?) \((.+?):\d+\)", f)
        name = (
            f"{m.group(1)} ({m.group(2).split('site-packages/')[-1].replace('/work/main/', '')})" if m else f
        )
        names.append(name)
    for name in set(names):
        incl[name] += n
    selft[names[-1]] += n
print("samples", total)
print("--- inclusive")
for k, v in incl.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
    print(f"{100 * v / total:5.1f}% {k}")
print("--- self")
for k, v in selft.most_common(20):
    print(f"{100 * v / total:5.1f}% {k}")
