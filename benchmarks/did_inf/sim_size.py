"""Size of tests with ONE treated area among 40 (Greater Manchester shape), by simulation.

Panels: 40 areas x 12 years, area effects, common year shocks, AR(1) errors (rho = 0.6),
area 0 "treated" from year 9, no true effect. Reports the rejection rate at 5% of:
randomization inference on the DiD coefficient (RI-did) and on its cluster-robust t (RI-t),
the cluster-robust t-test with t(G-1) critical values, the wild cluster bootstrap with the
null imposed (WCR) and without (WCU), and the non-coverage of Conley-Taber intervals.

    PYTHONPATH=src .venv/bin/python benchmarks/did_inf/sim_size.py

(A simulation study, not a speed benchmark: not run by ``make bench``.)
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import stats

from wsa_eval.inference.conley_taber import conley_taber_arrays
from wsa_eval.inference.randomization import randomization_test, t_statistic
from wsa_eval.inference.wild import wild_cluster_bootstrap


def panel(rng, N=40, T=12, rho=0.6):
    e = np.empty((N, T))
    e[:, 0] = rng.normal(size=N) / math.sqrt(1 - rho**2)
    for t in range(1, T):
        e[:, t] = rho * e[:, t - 1] + rng.normal(size=N)
    return rng.normal(size=(N, 1)) * 2 + rng.normal(size=(1, T)) + e


def main(n_fast: int = 2000, n_boot: int = 300) -> None:
    rng = np.random.default_rng(20251123)
    N, T = 40, 12
    post = np.arange(T) >= 8
    rej = {"RI-did": 0, "RI-t": 0, "CRVE t(G-1)": 0, "Conley-Taber non-coverage": 0}
    t0 = time.perf_counter()
    for _ in range(n_fast):
        Y = panel(rng)
        rej["RI-did"] += randomization_test(Y, post, [0], ci=False)["p_value"] <= 0.05
        rej["RI-t"] += randomization_test(Y, post, [0], statistic="t",
                                          ci=False)["p_value"] <= 0.05
        t = t_statistic(Y, np.eye(N)[:1], post)[0]
        rej["CRVE t(G-1)"] += 2 * stats.t.sf(abs(t), N - 1) <= 0.05
        o = conley_taber_arrays(Y, post, [0])
        rej["Conley-Taber non-coverage"] += not (o["ci_low"] <= 0 <= o["ci_high"])
    t_fast = time.perf_counter() - t0
    u = np.repeat(np.arange(N), T)
    tt = np.tile(np.arange(T), N)
    d = ((u == 0) & (tt >= 8)).astype(float)
    tdum = np.eye(T)[tt][:, 1:]
    wb = {"WCR (null imposed)": 0, "WCU": 0}
    t0 = time.perf_counter()
    for _ in range(n_boot):
        Y = panel(rng)
        y = Y.ravel()
        X = np.column_stack([d, tdum])
        Xd = X - np.array([X[u == i].mean(0) for i in range(N)])[u]
        yd = y - np.array([y[u == i].mean() for i in range(N)])[u]
        for key, imp in (("WCR (null imposed)", True), ("WCU", False)):
            r = wild_cluster_bootstrap(Xd, yd, u, 0, reps=399, impose_null=imp, ci=False,
                                       random_state=rng)
            wb[key] += r.p_value <= 0.05
    t_boot = time.perf_counter() - t0
    print(f"{n_fast} panels (RI, CRVE, CT; {t_fast:.1f} s), {n_boot} panels (wild bootstrap, "
          f"399 draws; {t_boot:.1f} s)")
    for k, v in rej.items():
        se = math.sqrt(0.05 * 0.95 / n_fast)
        print(f"{k:28s} {v / n_fast:6.3f}  (MC s.e. {se:.3f})")
    for k, v in wb.items():
        se = math.sqrt(0.05 * 0.95 / n_boot)
        print(f"{k:28s} {v / n_boot:6.3f}  (MC s.e. {se:.3f})")


if __name__ == "__main__":
    main()
