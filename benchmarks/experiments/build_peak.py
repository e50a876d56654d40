# ruff: noqa: E501  (a throwaway experiment, kept as evidence)
"""Experiment (index issue 5): Full build at scale: wall time and peak PSS of the builder and its writer processes.

python benchmarks/experiments/build_peak.py /tmp/w100k/kb /tmp/idx
"""

import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
import psutil

from index import KnowledgeIndex

kb, idx = Path(sys.argv[1]), Path(sys.argv[2])
shutil.rmtree(idx, ignore_errors=True)
peak = {"parent": 0, "kids": 0, "sum": 0}
stop = False


def watch():
    p = psutil.Process()
    while not stop:
        try:
            a = p.memory_full_info().pss
            k = sum(c.memory_full_info().pss for c in p.children(recursive=True))
        except psutil.Error:
            continue
        peak["parent"] = max(peak["parent"], a)
        peak["kids"] = max(peak["kids"], k)
        peak["sum"] = max(peak["sum"], a + k)
        time.sleep(0.3)


threading.Thread(target=watch, daemon=True).start()
t0 = time.perf_counter()
done = [0]


def prog(d, t):
    if d == t:
        done[0] = time.perf_counter() - t0


ix = KnowledgeIndex.open(kb, idx, progress=prog)
b = time.perf_counter() - t0
stop = True
print(
    "build_s",
    round(b, 1),
    "adding_done",
    round(done[0], 1),
    {k: v // 2**20 for k, v in peak.items()},
    "segments",
    len(ix._ix._segments()),
    "load",
    psutil.getloadavg(),
)
ix.close()
