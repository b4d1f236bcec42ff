"""Benchmark: wild cluster bootstrap, wsa_eval vs the PyPI package wildboottest.

Same data for both: a simulated panel of 42 areas x 13 years (the Greater Manchester shape),
TWFE regression y ~ d + area dummies + year dummies, clustered by area, treated areas 0-5
from year 8; WCR ("11"), Rademacher weights, 9,999 draws, seed 1 for both (they draw the
same weights, so the p-values agree exactly). Each contender runs in a fresh interpreter of
its own environment; the clock covers the test only. A small warm-up call runs first in
each process. wildboottest defines its numba kernels inside the call, so it compiles them
on every call; both of its settings are run (``parallel=True``, its default, and
``parallel=False``) and the faster one is its fastest setting.

    benchmarks/.envs/wsa/bin/python benchmarks/did_inf/bench_wild.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

CONTENDERS = {
    "wsa_eval (p-value)": ("wsa", "wild_cluster_bootstrap(ci=False)"),
    "wsa_eval (p-value + CI)": ("wsa", "wild_cluster_bootstrap(ci=True), CI by test inversion"),
    "wildboottest parallel=True": ("wildboottest", "WildboottestCL, parallel=True (default)"),
    "wildboottest parallel=False": ("wildboottest", "WildboottestCL, parallel=False"),
}
REPS = {"full": 9999, "quick": 999}


def make_data(N: int = 42, T: int = 13) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    u = np.repeat(np.arange(N), T)
    t = np.tile(np.arange(T), N)
    d = ((u < 6) & (t >= 8)).astype(float)
    y = 0.2 * d + rng.normal(size=N)[u] + rng.normal(size=T)[t] + rng.normal(size=N * T)
    X = np.column_stack([d, np.ones(N * T), np.eye(N)[u][:, 1:], np.eye(T)[t][:, 1:]])
    return {"X": X, "y": y, "u": u}


def _test(name: str, X, y, u, reps: int) -> dict:
    if name.startswith("wsa_eval"):
        from wsa_eval.inference.wild import wild_cluster_bootstrap

        r = wild_cluster_bootstrap(X, y, u, 0, reps=reps, random_state=1,
                                   ci="CI" in name)
        return {"p": float(r.p_value), "t": float(r.t_stat)}
    from wildboottest.wildboottest import WildboottestCL

    R = np.zeros(X.shape[1])
    R[0] = 1
    wb = WildboottestCL(X=X, Y=y, cluster=u, R=R, B=reps, seed=1,
                        parallel=name.endswith("True"))
    wb.get_scores(bootstrap_type="11", impose_null=True)
    wb.get_weights(weights_type="rademacher")
    wb.get_numer()
    wb.get_denom()
    wb.get_tboot()
    wb.get_vcov()
    wb.get_tstat()
    wb.get_pvalue(pval_type="two-tailed")
    return {"p": float(wb.pvalue), "t": float(np.ravel(wb.t_stat)[0])}


def child(name: str, path: str, reps: str) -> None:
    def go(clock, X, y, u):
        small = make_data(12, 13)
        _test(name, small["X"], small["y"], small["u"], 99)  # imports, warm-up
        with clock:
            return _test(name, X, y, u, int(reps))

    with np.load(path) as z:
        H.child_main(go, z["X"], z["y"], z["u"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=REPS[H.mode()])
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    res = H.Results("did_inf_wild", "Wild cluster bootstrap: wsa_eval vs wildboottest")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "wild.npz")
        np.savez(path, **make_data())
        case = res.case("wild", f"42 areas x 13 years, WCR, Rademacher, {a.reps:,} draws",
                        reps=a.reps)
        rows = {n: H.run_contender(n, env, [__file__, "--child", n, path, str(a.reps)],
                                   timeout=a.timeout, setting=s)
                for n, (env, s) in CONTENDERS.items()}
    ref = rows["wsa_eval (p-value)"]
    for r in rows.values():
        if r["status"] == "ok" and ref["status"] == "ok" and r is not ref:
            r["agreement"] = {"what": "|p-value difference| vs wsa_eval (same draws)",
                              "value": abs(r["p"] - ref["p"]),
                              "t_value": abs(r["t"] - ref["t"])}
        if r["status"] == "ok":
            r["note"] = f"p {r['p']:.4f}  t {r['t']:.4f}"
        res.add(case, r)
    for n in ("wildboottest parallel=True", "wildboottest parallel=False"):
        print(f"  {n} / wsa_eval (p-value): {H.ratio_note(rows[n], ref)}")
    res.write()


if __name__ == "__main__":
    main()
