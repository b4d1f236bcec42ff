"""Rambachan-Roth sensitivity: wsa_eval vs the PyPI port ``honestdid`` 0.1.1.

Same inputs for both: the Medicaid event study of the HonestDiD README (5 pre, 2 post
coefficients; tests/reference/did_inf/medicaid_betahat_sigma.json). Relative magnitudes
(Mbar = 0.5, 1, 1.5, 2; C-LF) and smoothness (M = 0, 0.01, ..., 0.05; FLCI). honestdid runs
from the patched temporary copy made by tests/reference/did_inf/honest_reference.py
(a NumPy 2 compatibility fix only).

    flock /work/bench.lock env PYTHONPATH=src /work/venv-bench/bin/python \
        benchmarks/did_inf/bench_honest.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runner import importable, run  # noqa: E402

SETUP = """
import json, numpy as np
d = json.load(open("tests/reference/did_inf/medicaid_betahat_sigma.json"))
b, S = np.array(d["betahat"]), np.array(d["sigma"])
"""

OURS = SETUP + """
from wsa_eval.did.honest import honest_did
t0 = time.perf_counter()
rm = honest_did((b, S, 5, 2), M=[0.5, 1, 1.5, 2]).to_frame()
t1 = time.perf_counter()
sd = honest_did((b, S, 5, 2), method="smoothness", M=[0, .01, .02, .03, .04, .05]).to_frame()
t2 = time.perf_counter()
OUT = {"rm": [rm.ci_low.tolist(), rm.ci_high.tolist()], "sd": [sd.ci_low.tolist(),
       sd.ci_high.tolist()], "t_rm": t1 - t0, "t_sd": t2 - t1}
"""

PEER = SETUP + """
sys.path.insert(0, "tests/reference/did_inf")
from honest_reference import load_patched_honestdid
h = load_patched_honestdid()
import warnings; warnings.simplefilter("ignore")
t0 = time.perf_counter()
rm = h.createSensitivityResults_relativeMagnitudes(betahat=b, sigma=S, numPrePeriods=5,
    numPostPeriods=2, Mbarvec=[0.5, 1, 1.5, 2])
t1 = time.perf_counter()
sd = h.createSensitivityResults(betahat=b, sigma=S, numPrePeriods=5, numPostPeriods=2,
    Mvec=[0, .01, .02, .03, .04, .05])
t2 = time.perf_counter()
OUT = {"rm": [rm.lb.tolist(), rm.ub.tolist()], "sd": [sd.lb.tolist(), sd.ub.tolist()],
       "t_rm": t1 - t0, "t_sd": t2 - t1}
"""


def main() -> None:
    import numpy as np

    ours = run(OURS)
    peer = run(PEER) if importable("honestdid") else None
    if peer is None:
        print("honestdid not importable (or failed): peer skipped")
    print(f"{'contender':22s} {'RM s':>8s} {'SD s':>8s} {'peak MB':>8s}")
    for name, r in (("wsa_eval", ours), ("honestdid 0.1.1", peer)):
        if r is None:
            continue
        o = r["out"]
        print(f"{name:22s} {o['t_rm']:8.2f} {o['t_sd']:8.2f} {r['rss_mb']:8.0f}")
    if peer is not None:
        o, p = ours["out"], peer["out"]
        print(f"time ratio honestdid / wsa_eval: RM {p['t_rm'] / o['t_rm']:.1f}x, "
              f"SD {p['t_sd'] / o['t_sd']:.1f}x; memory {peer['rss_mb'] / ours['rss_mb']:.1f}x")
        for k in ("rm", "sd"):
            diff = np.max(np.abs(np.array(o[k]) - np.array(p[k])))
            print(f"max |endpoint difference| {k}: {diff:.2e}")


if __name__ == "__main__":
    main()
