"""Run a snippet in a fresh interpreter; return its JSON output, wall time and peak RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRAP = """
import json, resource, time, sys
t0 = time.perf_counter()
{code}
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("@@RESULT@@" + json.dumps({{"wall": wall, "rss_mb": rss, "out": OUT}}))
"""


def run(code: str, python: str = sys.executable, timeout: float = 3600) -> dict | None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    t0 = time.perf_counter()
    try:
        p = subprocess.run([python, "-c", WRAP.format(code=code)], capture_output=True,
                           text=True, env=env, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None
    for line in p.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            res = json.loads(line[len("@@RESULT@@"):])
            res["total"] = time.perf_counter() - t0
            return res
    sys.stderr.write(p.stderr[-2000:])
    return None


def importable(module: str, python: str = sys.executable) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0
