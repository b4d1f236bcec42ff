"""Benchmark: wsa_eval's regression DiD estimators against pyfixest on one simulated panel.

Pairs (each contender in a fresh interpreter of its own environment; wall time of the
estimation call only, imports and a small warm-up call excluded, so that neither
pyfixest's compiled demeaner nor linearmodels' first import is counted):

* static TWFE: ``wsa_eval.did.twfe.twfe`` vs ``pyfixest.feols("y ~ d | id + t")``, CRV1 by id
* Sun-Abraham: ``wsa_eval.did.sun_abraham.sun_abraham(share_variance=False)`` vs
  ``pyfixest.event_study(estimator="saturated").aggregate()`` (event time 0 compared)
* imputation: ``wsa_eval.did.imputation.imputation`` vs ``pyfixest.did2s`` (same point
  estimate; the variances differ by design: BJS vs Gardner's GMM)

pyfixest runs with its default demeaner, the compiled one (its fastest on a CPU).

    benchmarks/.envs/wsa/bin/python benchmarks/did/bench_reg.py [--units 2000 --periods 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

PAIRS = [("twfe", "wsa_eval twfe", "pyfixest feols"),
         ("sun_abraham", "wsa_eval sun_abraham", "pyfixest saturated"),
         ("imputation", "wsa_eval imputation", "pyfixest did2s")]
SIZES = {"full": dict(units=2000, periods=20, timeout=900.0),
         "quick": dict(units=200, periods=20, timeout=300.0)}


def make_data(n_units: int, n_periods: int, seed: int = 0) -> dict[str, np.ndarray]:
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
    return {"id": ids, "t": t, "g": gg, "d": ((gg > 0) & (e >= 0)).astype(int), "y": y}


def _fit(name: str, df):
    if name == "wsa_eval twfe":
        from wsa_eval.did.twfe import twfe

        return twfe(df, outcome="y", unit="id", time="t", first_treated="g").estimate
    if name == "wsa_eval sun_abraham":
        from wsa_eval.did.sun_abraham import sun_abraham

        r = sun_abraham(df, outcome="y", unit="id", time="t", first_treated="g",
                        share_variance=False)
        return r.effects.loc[r.effects.event_time == 0, "estimate"].iloc[0]
    if name == "wsa_eval imputation":
        from wsa_eval.did.imputation import imputation

        return imputation(df, outcome="y", unit="id", time="t", first_treated="g").estimate
    import pyfixest as pf

    if name == "pyfixest feols":
        return pf.feols("y ~ d | id + t", df, vcov={"CRV1": "id"}).coef().iloc[0]
    if name == "pyfixest saturated":
        m = pf.event_study(df, yname="y", idname="id", tname="t", gname="g",
                           estimator="saturated", cluster="id")
        return m.aggregate().loc[0.0, "Estimate"]
    if name == "pyfixest did2s":
        m = pf.did2s(df, yname="y", first_stage="~0|id+t", second_stage="~d", treatment="d",
                     cluster="id")
        return m.coef().iloc[0]
    raise SystemExit(f"unknown contender {name}")


def child(name: str, path: str) -> None:
    import pandas as pd

    def go(clock, df):
        _fit(name, pd.DataFrame(make_data(60, 20, seed=3)))  # imports + warm-up
        with clock:
            est = _fit(name, df)
        return {"estimate": float(est)}

    with np.load(path) as z:
        df = pd.DataFrame({k: z[k] for k in z.files})
    H.child_main(go, df)


def main() -> None:
    cfg = SIZES[H.mode()]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=cfg["units"])
    ap.add_argument("--periods", type=int, default=cfg["periods"])
    ap.add_argument("--timeout", type=float, default=cfg["timeout"])
    ap.add_argument("--child", nargs=2)
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    res = H.Results("did_reg", "Regression DiD: wsa_eval vs pyfixest")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "panel.npz")
        np.savez(path, **make_data(a.units, a.periods))
        for key, ours, peer in PAIRS:
            case = res.case(key, f"{key}: {a.units:,} units x {a.periods} periods "
                            f"({a.units * a.periods:,} rows)", units=a.units,
                            periods=a.periods)
            rows = [H.run_contender(n, env, [__file__, "--child", n, path], timeout=a.timeout,
                                    setting=n.split(" ", 1)[1])
                    for n, env in ((ours, "wsa"), (peer, "pyfixest"))]
            if all(r["status"] == "ok" for r in rows):
                d = abs(rows[1]["estimate"] - rows[0]["estimate"])
                rows[1]["agreement"] = {"what": "|estimate difference| vs wsa_eval",
                                        "value": d}
                rows[1]["note"] = f"|d estimate| {d:.1e}"
            for r in rows:
                res.add(case, r)
            print(f"  {peer} / {ours}: {H.ratio_note(rows[1], rows[0])}")
    res.write()


if __name__ == "__main__":
    main()
