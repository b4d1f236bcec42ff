"""Wild cluster bootstrap: wsa_eval vs the PyPI package wildboottest.

Same data for both: a simulated panel of 42 areas x 13 years (the Greater Manchester shape),
TWFE regression y ~ d + area dummies + year dummies, clustered by area, treated areas 0-5
from year 8; WCR, Rademacher weights, 9999 random draws (p-values agree up to Monte Carlo
error). Each contender runs in its own interpreter (wall time of the test itself, peak RSS).

    flock /work/bench.lock env PYTHONPATH=src /work/venv-bench/bin/python \
        benchmarks/did_inf/bench_wild.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runner import importable, run  # noqa: E402

SETUP = """
import numpy as np, pandas as pd
rng = np.random.default_rng(0)
N, T = 42, 13
u = np.repeat(np.arange(N), T); t = np.tile(np.arange(T), N)
d = ((u < 6) & (t >= 8)).astype(float)
y = 0.2 * d + rng.normal(size=N)[u] + rng.normal(size=T)[t] + rng.normal(size=N * T)
X = pd.get_dummies(pd.DataFrame({"u": u.astype(str), "t": t.astype(str)}), drop_first=True)
X = X.astype(float); X.insert(0, "const", 1.0); X.insert(0, "d", d)
X = X.to_numpy()
"""

OURS = SETUP + """
from wsa_eval.inference.wild import wild_cluster_bootstrap
t0 = time.perf_counter()
r = wild_cluster_bootstrap(X, y, u, 0, reps=9999, random_state=1, ci=False)
OUT = {"p": r.p_value, "t": r.t_stat, "fit": time.perf_counter() - t0}
"""

PEER = SETUP + """
from wildboottest.wildboottest import WildboottestCL
t0 = time.perf_counter()
R = np.zeros(X.shape[1]); R[0] = 1
wb = WildboottestCL(X=X, Y=y, cluster=u, R=R, B=9999, seed=1)
wb.get_scores(bootstrap_type="11", impose_null=True)
wb.get_weights(weights_type="rademacher")
wb.get_numer(); wb.get_denom(); wb.get_tboot(); wb.get_vcov(); wb.get_tstat()
wb.get_pvalue(pval_type="two-tailed")
OUT = {"p": float(wb.pvalue), "t": float(np.ravel(wb.t_stat)[0]),
       "fit": time.perf_counter() - t0}
"""

OURS_CI = SETUP + """
from wsa_eval.inference.wild import wild_cluster_bootstrap
t0 = time.perf_counter()
r = wild_cluster_bootstrap(X, y, u, 0, reps=9999, random_state=1, ci=True)
OUT = {"p": r.p_value, "t": r.t_stat, "ci": [r.ci_low, r.ci_high],
       "fit": time.perf_counter() - t0}
"""


def main() -> None:
    rows = [("wsa_eval (p-value)", run(OURS)), ("wsa_eval (p-value + CI)", run(OURS_CI))]
    if importable("wildboottest"):
        rows.append(("wildboottest 0.3.2", run(PEER)))
    else:
        print("wildboottest not importable: skipped")
    ours = rows[0][1]["out"]["fit"]
    print(f"{'contender':28s} {'fit s':>8s} {'peak MB':>8s} {'p':>8s} {'t':>8s} {'ratio':>7s}")
    for name, r in rows:
        if r is None:
            print(f"{name:28s} failed")
            continue
        o = r["out"]
        print(f"{name:28s} {o['fit']:8.3f} {r['rss_mb']:8.0f} {o['p']:8.4f} {o['t']:8.4f} "
              f"{o['fit'] / ours:7.1f}")


if __name__ == "__main__":
    main()
