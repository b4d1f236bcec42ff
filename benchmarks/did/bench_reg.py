"""Benchmark: wsa_eval regression DiD estimators against pyfixest on one simulated panel.

Run (heavy; serialise with the shared lock):

    flock /work/bench.lock env PYTHONPATH=src /work/venv-bench/bin/python \\
        benchmarks/did/bench_reg.py [n_units] [n_periods]

Each contender runs in its own subprocess (so peak memory, ru_maxrss, is its own); the script
prints wall time, peak resident memory, the estimate, and the ratios to pyfixest. Contenders:

* static TWFE: wsa_eval.did.twfe.twfe vs pyfixest.feols("y ~ d | id + t", CRV1 by id)
* Sun-Abraham: wsa_eval.did.sun_abraham.sun_abraham(share_variance=False) vs
  pyfixest.event_study(estimator="saturated").aggregate()
* imputation: wsa_eval.did.imputation.imputation vs pyfixest.did2s (same point estimate,
  different variance)
A contender whose package is not importable is skipped.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

PATH = "/tmp/wsa_eval_bench_reg.pkl"


def make_data(n_units: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohorts = np.array([0, n_periods // 4, n_periods // 2, 3 * n_periods // 4])
    g = rng.choice(cohorts, size=n_units)
    ids = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    gg = g[ids]
    e = t - gg
    tau = np.where((gg > 0) & (e >= 0), 1.0 + 0.1 * e, 0.0)
    a = rng.normal(size=n_units)[ids]
    y = a + 0.05 * t + tau + rng.normal(size=len(t))
    return pd.DataFrame({"id": ids, "t": t, "g": gg, "d": ((gg > 0) & (e >= 0)).astype(int),
                         "y": y})


CODE = {
    "wsa_eval twfe": """
from wsa_eval.did.twfe import twfe
r = twfe(df, outcome="y", unit="id", time="t", first_treated="g")
est = r.estimate
""",
    "pyfixest feols": """
import pyfixest as pf
m = pf.feols("y ~ d | id + t", df, vcov={"CRV1": "id"})
est = float(m.coef().iloc[0])
""",
    "wsa_eval sun_abraham": """
from wsa_eval.did.sun_abraham import sun_abraham
r = sun_abraham(df, outcome="y", unit="id", time="t", first_treated="g",
                share_variance=False)
est = float(r.effects.loc[r.effects.event_time == 0, "estimate"].iloc[0])
""",
    "pyfixest saturated": """
import pyfixest as pf
m = pf.event_study(df, yname="y", idname="id", tname="t", gname="g", estimator="saturated",
                   cluster="id")
agg = m.aggregate()
est = float(agg.loc[0.0, "Estimate"])
""",
    "wsa_eval imputation": """
from wsa_eval.did.imputation import imputation
r = imputation(df, outcome="y", unit="id", time="t", first_treated="g")
est = r.estimate
""",
    "pyfixest did2s": """
import pyfixest as pf
m = pf.did2s(df, yname="y", first_stage="~0|id+t", second_stage="~d", treatment="d",
             cluster="id")
est = float(m.coef().iloc[0])
""",
}

RUNNER = """
import json, resource, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
df = pd.read_pickle({path!r})
t0 = time.perf_counter()
{code}
wall = time.perf_counter() - t0
print(json.dumps({{"wall": wall, "est": float(est),
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(name: str) -> dict | None:
    src = RUNNER.format(path=PATH, code=CODE[name])
    proc = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True)
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["?"]
        print(f"  {name}: skipped ({last[0]})")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    n_units = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    n_periods = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    df = make_data(n_units, n_periods)
    df.to_pickle(PATH)
    print(f"panel: {n_units} units x {n_periods} periods = {len(df):,} rows; "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB in the parent")
    pairs = [("wsa_eval twfe", "pyfixest feols"),
             ("wsa_eval sun_abraham", "pyfixest saturated"),
             ("wsa_eval imputation", "pyfixest did2s")]
    t_start = time.perf_counter()
    for ours, peer in pairs:
        a, b = run(ours), run(peer)
        for name, r in ((ours, a), (peer, b)):
            if r:
                print(f"  {name:22s} wall {r['wall']:7.2f} s  peak {r['maxrss_mb']:7.0f} MB  "
                      f"estimate {r['est']:.6f}")
        if a and b:
            print(f"  -> time ratio ours/peer {a['wall'] / b['wall']:.2f}, memory ratio "
                  f"{a['maxrss_mb'] / b['maxrss_mb']:.2f}, |diff| {abs(a['est'] - b['est']):.2e}")
    print(f"total {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
