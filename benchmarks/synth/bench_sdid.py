"""Benchmark: SDID with 200 placebo replications, wsa_eval against the Python ports of synthdid.

Contenders (each in its own subprocess, so timings and peak memory are separate):

* wsa_eval.synth.sdid (batched Gram-form Frank-Wolfe);
* PyPI ``synthdid`` 0.10.0 (D2CML port; needs pandas < 2.2, so it runs in its own
  environment: ``SYNTHDID_PYTHON`` / ``SYNTHDID_PATH``);
* PyPI ``synthdid-py`` 0.1.0 (an R-faithful port; ``SYNTHDID_PY_PATH``; its module is also
  called ``synthdid``, hence the separate folder).

Data: California Proposition 99 (39 states x 31 years) and a simulated factor-model panel of
500 comparison units + 1 treated unit x 40 periods (30 before treatment). A contender that is
not installed is skipped; each run is capped (``--timeout``, default 300 s). On the large
panel the peers run ``--peer-reps`` placebo replications (default 5) and the time for 200 is
extrapolated linearly (flagged in the output).

    flock /work/bench.lock python benchmarks/synth/bench_sdid.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
PROP99 = Path(os.environ.get(
    "PROP99_CSV", "/work/shared/data/reference/prop99_california_synthdid.csv"))
PEERS = Path(os.environ.get("PEERS_DIR", "/work/venv-bench/peers"))
WSA_PYTHON = os.environ.get("WSA_PYTHON", sys.executable)
SYNTHDID_PYTHON = os.environ.get("SYNTHDID_PYTHON", str(PEERS / "port-env/bin/python"))
SYNTHDID_PATH = os.environ.get("SYNTHDID_PATH", str(PEERS / "synthdid"))
SYNTHDID_PY_PYTHON = os.environ.get("SYNTHDID_PY_PYTHON", "/work/venv-bench/bin/python")
SYNTHDID_PY_PATH = os.environ.get("SYNTHDID_PY_PATH", str(PEERS / "synthdid_py"))

PRELUDE = """
import json, resource, time, sys
import numpy as np, pandas as pd
df = pd.read_csv({csv!r}, sep={sep!r})
reps = {reps}
"""
EPILOGUE = """
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT" + json.dumps(dict(estimate=float(est), se=float(se), fit_s=t1 - t0,
                                 total_s=t2 - t0, maxrss_mb=rss, reps=reps)))
"""

CODE = {
    "wsa_eval": """
from wsa_eval.synth.sdid import sdid
kw = dict(outcome="y", unit="unit", time="time", treated=TREATED, start=START)
ta = time.perf_counter()
sdid(df, **kw, se=None)
fit = time.perf_counter() - ta
t0 = time.perf_counter()  # one call: point estimate + placebo replications
r = sdid(df, **kw, se="placebo", reps=reps, random_state=1)
t2 = time.perf_counter()
t1 = t0 + fit
est, se = r.estimate, r.se
""",
    "synthdid (PyPI 0.10.0)": """
from synthdid.synthdid import Synthdid
d = df.assign(treated=((df.unit == TREATED) & (df.time >= START)).astype(int))
np.random.seed(1)
t0 = time.perf_counter()
m = Synthdid(d, unit="unit", time="time", treatment="treated", outcome="y").fit()
t1 = time.perf_counter()
m.vcov(method="placebo", n_reps=reps)
t2 = time.perf_counter()
est, se = m.att, m.se
""",
    "synthdid-py 0.1.0": """
from synthdid import panel_matrices, synthdid_estimate, vcov
d = df.assign(treated=((df.unit == TREATED) & (df.time >= START)).astype(int))
t0 = time.perf_counter()
p = panel_matrices(d, unit="unit", time="time", outcome="y", treatment="treated")
e = synthdid_estimate(p.Y, p.N0, p.T0)
t1 = time.perf_counter()
v = vcov(e, method="placebo", replications=reps, random_state=1)
t2 = time.perf_counter()
est, se = float(e), float(np.sqrt(v[0, 0]))
""",
}


def simulate(n_co: int = 500, T: int = 40, T0: int = 30, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    N = n_co + 1
    load = rng.normal(size=(N, 3))
    load[-1] += 0.5
    fac = np.cumsum(rng.normal(size=(T, 3)), axis=0)
    y = rng.normal(size=N)[:, None] + load @ fac.T + rng.normal(size=(N, T))
    y[-1, T0:] -= 2.0
    return pd.DataFrame({"unit": np.repeat([f"u{i:03d}" for i in range(N)], T),
                         "time": np.tile(np.arange(1, T + 1), N), "y": y.ravel()})


def run(name: str, python: str, path: str | None, csv: str, sep: str, treated: str,
        start: int, reps: int, timeout: float) -> dict:
    code = (PRELUDE.format(csv=csv, sep=sep, reps=reps)
            + f"TREATED, START = {treated!r}, {start}\n"
            + textwrap.dedent(CODE[name]) + EPILOGUE)
    env = dict(os.environ)
    env["PYTHONPATH"] = path or ""
    env["PYTHONWARNINGS"] = "ignore"
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True,
                             timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s"}
    except FileNotFoundError:
        return {"status": "interpreter not found"}
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT")]
    if not line:
        err = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"failed: {err[:120]}"}
    res = json.loads(line[0][6:])
    res["status"] = "ok"
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--peer-reps", type=int, default=5,
                    help="placebo replications for the peers on the 500-donor panel")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--only", choices=["prop99", "sim500"], default=None)
    args = ap.parse_args()
    contenders = {
        "wsa_eval": (WSA_PYTHON, str(ROOT / "src")),
        "synthdid (PyPI 0.10.0)": (SYNTHDID_PYTHON, SYNTHDID_PATH),
        "synthdid-py 0.1.0": (SYNTHDID_PY_PYTHON, SYNTHDID_PY_PATH),
    }
    with tempfile.TemporaryDirectory() as tmp:
        prop = pd.read_csv(PROP99, sep=";").rename(
            columns={"State": "unit", "Year": "time", "PacksPerCapita": "y"})
        p_csv = str(Path(tmp) / "prop99.csv")
        prop[["unit", "time", "y"]].to_csv(p_csv, index=False)
        s_csv = str(Path(tmp) / "sim500.csv")
        simulate().to_csv(s_csv, index=False)
        cases = [("prop99", p_csv, "California", 1989, args.reps, args.reps),
                 ("sim500", s_csv, "u500", 31, args.reps, args.peer_reps)]
        for case, csv, treated, start, reps, peer_reps in cases:
            if args.only and case != args.only:
                continue
            print(f"\n== {case}: SDID point estimate + placebo SE ({reps} replications) ==")
            results = {}
            for name, (py, path) in contenders.items():
                if not Path(py).exists():
                    print(f"{name:24s} skipped (no interpreter {py})")
                    continue
                if path and not Path(path).exists():
                    print(f"{name:24s} skipped (not installed at {path})")
                    continue
                n = reps if name == "wsa_eval" else peer_reps
                res = run(name, py, path, csv, ",", treated, start, n, args.timeout)
                if res["status"] == "ok" and n != reps:
                    placebo = res["total_s"] - res["fit_s"]
                    res["total_s_200"] = res["fit_s"] + placebo * reps / n
                    res["extrapolated"] = True
                elif res["status"] == "ok":
                    res["total_s_200"] = res["total_s"]
                    res["extrapolated"] = False
                results[name] = res
                if res["status"] != "ok":
                    print(f"{name:24s} {res['status']}")
                    continue
                print(f"{name:24s} estimate {res['estimate']:+.6f}  se {res['se']:.4f} "
                      f"({n} reps)  fit {res['fit_s']:.2f} s  total {res['total_s']:.2f} s  "
                      f"200-rep time {res['total_s_200']:.2f} s"
                      f"{' (extrapolated)' if res['extrapolated'] else ''}  "
                      f"peak RSS {res['maxrss_mb']:.0f} MB")
            ours = results.get("wsa_eval", {})
            if ours.get("status") == "ok":
                for name, res in results.items():
                    if name == "wsa_eval" or res.get("status") != "ok":
                        continue
                    print(f"  vs {name}: |estimate diff| "
                          f"{abs(res['estimate'] - ours['estimate']):.2e}; "
                          f"speed ratio (200 reps) {res['total_s_200'] / ours['total_s']:.1f}x")


if __name__ == "__main__":
    main()
