"""Benchmark: ADH synthetic control (nested V) and its placebo-in-space loop vs pysyncon.

    benchmarks/.envs/wsa/bin/python benchmarks/synth/bench_adh.py [--cap 300]

Each contender runs in a fresh interpreter of its own environment (peak memory of its
process tree, sampled; wall time of the fit and of the placebo loop, imports excluded); a
run longer than ``--cap`` seconds is stopped (with its worker processes) and reported as
such. Cases, on the same data for every contender:

* ``prop99_fit``: California Proposition 99, ADH (2010) predictors, nested V.
* ``prop99_placebo``: the same fit plus the full placebo-in-space loop (38 refits, nested V).
* ``sim500_fit`` / ``sim500_placebo``: a simulated factor-model panel, 500 donors x 40
  periods, 32 predictors (the outcome in each pre-period and two covariates), user (equal,
  standardised) V for both packages -- so the weights solve the same quadratic programme
  and the estimates must agree -- and the full loop of 500 placebo refits. The inner
  objective of each package's weights is recorded too.

Contenders: wsa_eval serial (the default), wsa_eval ``placebo(n_jobs=2)`` (placebo cases
only; its placebo table must equal the serial one exactly) and pysyncon, whose placebo test
runs with ``max_workers=2`` (its fastest setting on 2 cores; the fit itself has no parallel
option, and its optimiser settings change the answer, so they are left at the defaults).

The quick mode runs the simulated design with 20 donors x 20 periods instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

P99_CSV = H.SRC / "wsa_eval" / "datasets" / "data" / "prop99_smoking.csv"
PUBLISHED = {"Colorado": 0.164, "Connecticut": 0.069, "Montana": 0.199, "Nevada": 0.234,
             "Utah": 0.334}
P99 = dict(predictors=["lnincome", "age15to24", "retprice", "beer"],
           periods=list(range(1980, 1989)),
           special=[("cigsale", [1988], "mean"), ("cigsale", [1980], "mean"),
                    ("cigsale", [1975], "mean")])


def prop99() -> pd.DataFrame:
    return pd.read_csv(P99_CSV)


#: simulated design by case prefix: (donors, periods, pre-periods)
SIM = {"sim500": (500, 40, 30), "sim20": (20, 20, 15)}
CASES = {"full": ["prop99_fit", "prop99_placebo", "sim500_fit", "sim500_placebo"],
         "quick": ["sim20_fit", "sim20_placebo"]}


def sim(n_donors: int = 500, T: int = 40, T0: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    F = np.cumsum(rng.normal(size=(T, 3)), axis=0)
    lam = rng.uniform(0.3, 1.7, size=(n_donors + 1, 3))
    mu = rng.uniform(20, 60, size=n_donors + 1)
    Y = mu[:, None] + lam @ F.T + 0.5 * rng.normal(size=(n_donors + 1, T))
    w = rng.dirichlet(np.ones(n_donors) * 0.05)
    Y[0] = w @ Y[1:] + 0.5 * rng.normal(size=T)
    Y[0, T0:] -= 5.0
    years = np.arange(1980, 1980 + T)
    units = ["treated"] + [f"d{j:03d}" for j in range(n_donors)]
    df = pd.DataFrame({"unit": np.repeat(units, T), "year": np.tile(years, n_donors + 1),
                       "y": Y.ravel()})
    df["x1"] = df.groupby("unit")["y"].transform("mean") / 10 + rng.normal(size=len(df))
    df["x2"] = rng.normal(size=len(df))
    # the treated unit's x2 lies beyond every donor's: its projection on the donors' hull is
    # on a face, so the weights are unique (with the treated unit inside the hull of 500
    # donors in a few predictors, many weightings fit exactly and no two solvers need agree)
    df.loc[df.unit == "treated", "x2"] += 4.0
    return df


def _sim_setup(case: str):
    """Data, pre-period years, post-period years and special predictors of a sim case."""
    n, T, T0 = SIM[case.split("_")[0]]
    pre = list(range(1980, 1980 + T0))
    post = list(range(1980 + T0, 1980 + T))
    # the outcome in each pre-period, plus the two covariates
    return sim(n, T, T0), pre, post, [("y", [t], "mean") for t in pre]


def _inner_loss(x1: np.ndarray, X0: np.ndarray, w: np.ndarray, v: np.ndarray) -> float:
    """(X1 - X0 W)' V (X1 - X0 W) on predictors standardised as Synth does."""
    sd = np.column_stack([x1, X0]).std(axis=1, ddof=1)
    r = (x1 - X0 @ w) / sd
    return float(r @ (v / v.sum() * r))


# -- contenders (run in the child) -----------------------------------------------------------
def ours(case: str, n_jobs: int = 1) -> dict:
    from wsa_eval.synth.adh import synthetic_control

    if case.startswith("prop99"):
        df = prop99()
        t0 = time.perf_counter()
        res = synthetic_control(df, outcome="cigsale", unit="state", time="year",
                                treated="California", start=1989,
                                predictors=P99["predictors"], predictor_periods=P99["periods"],
                                special_predictors=P99["special"])
    else:
        df, pre, post, special = _sim_setup(case)
        t0 = time.perf_counter()
        res = synthetic_control(df, outcome="y", unit="unit", time="year",
                                treated="treated", start=post[0], predictors=["x1", "x2"],
                                predictor_periods=pre, special_predictors=special,
                                v="inverse_variance")
    t_fit = time.perf_counter() - t0
    out = {"fit_seconds": t_fit, "pre_mspe": res.pre_rmspe ** 2, "estimate": res.estimate,
           "weights": {k: float(v) for k, v in res.weights[res.weights > 1e-3].items()},
           "inner_loss": _inner_loss(res.balance["treated"].to_numpy(),
                                     res.problem.predictor_matrix(
                                         res.problem.predictors, res.problem.donors),
                                     res.weights.to_numpy(), res.v_weights.to_numpy())}
    if case.endswith("placebo"):
        t1 = time.perf_counter()
        p = res.placebo(progress=False, n_jobs=n_jobs)
        out["placebo_seconds"] = time.perf_counter() - t1
        out["p_value"] = p.p_value
        tab = p.placebo_table.set_index("unit")
        out["ratios"] = {str(k): float(v) for k, v in tab["ratio"].items()}
        out["pre_rmspes"] = {str(k): float(v) for k, v in tab["pre_rmspe"].items()}
    out["wall_s"] = time.perf_counter() - t0
    return out


def peer(case: str) -> dict:
    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    if case.startswith("prop99"):
        df = prop99()
        t0 = time.perf_counter()
        donors = sorted(set(df.state) - {"California"})
        dp = Dataprep(foo=df, predictors=P99["predictors"], predictors_op="mean",
                      time_predictors_prior=P99["periods"], special_predictors=P99["special"],
                      dependent="cigsale", unit_variable="state", time_variable="year",
                      treatment_identifier="California", controls_identifier=donors,
                      time_optimize_ssr=range(1970, 1989))
        opts: dict = {}
        post = range(1989, 2001)
    else:
        df, pre, post, special = _sim_setup(case)
        t0 = time.perf_counter()
        donors = sorted(set(df.unit) - {"treated"})
        dp = Dataprep(foo=df, predictors=["x1", "x2"], predictors_op="mean",
                      time_predictors_prior=pre, special_predictors=special,
                      dependent="y", unit_variable="unit", time_variable="year",
                      treatment_identifier="treated", controls_identifier=donors,
                      time_optimize_ssr=pre)
        opts = {"custom_V": np.full(len(special) + 2, 1 / (len(special) + 2))}
    synth = Synth()
    synth.fit(dataprep=dp, **opts)
    t_fit = time.perf_counter() - t0
    Z0, Z1 = dp.make_outcome_mats(time_period=list(post))
    gaps = Z1 - Z0 @ synth.W
    Zp0, Zp1 = dp.make_outcome_mats()
    pre_gap = Zp1 - Zp0 @ synth.W
    w = pd.Series(synth.W, index=synth.W_names if hasattr(synth, "W_names") else donors)
    X0, X1 = dp.make_covariate_mats()
    out = {"fit_seconds": t_fit, "pre_mspe": float(np.mean(pre_gap ** 2)),
           "estimate": float(np.mean(gaps)),
           "inner_loss": _inner_loss(X1.to_numpy(), X0.to_numpy(), np.asarray(synth.W),
                                     np.asarray(synth.V, dtype=float)),
           "weights": {str(k): float(v) for k, v in w[w > 1e-3].items()}}
    if case.endswith("placebo"):
        t1 = time.perf_counter()
        pt = PlaceboTest()
        pt.fit(dataprep=dp, scm=Synth(), scm_options=opts, max_workers=2, verbose=False)
        out["placebo_seconds"] = time.perf_counter() - t1
    out["wall_s"] = time.perf_counter() - t0
    return out


def _child(tool: str, case: str) -> None:
    name, _, n_jobs = tool.partition(":n_jobs=")

    def go(clock):
        out = ours(case, int(n_jobs or 1)) if name == "wsa_eval" else peer(case)
        out["loadavg"] = H.loadavg()
        return out

    H.child_main(go)


TOOLS = {"wsa_eval": ("wsa", "synthetic_control, nested V (default); placebo serial"),
         "wsa_eval:n_jobs=2": ("wsa", "placebo(n_jobs=2)"),
         "pysyncon": ("pysyncon", "Synth defaults; PlaceboTest(max_workers=2)")}


def _line(t: str, r: dict) -> str:
    extra = f" placebo {r['placebo_seconds']:.2f}s" if "placebo_seconds" in r else ""
    top = sorted(r["weights"].items(), key=lambda kv: -kv[1])[:6]
    return (f"fit {r['fit_seconds']:.2f}s{extra}; pre-MSPE {r['pre_mspe']:.4f}, estimate "
            f"{r['estimate']:.4f}, inner loss {r['inner_loss']:.3g}"
            + (f", p {r['p_value']:.4f}" if "p_value" in r else "")
            + "; weights " + ", ".join(f"{k} {v:.3f}" for k, v in top))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cap", type=float, default=300.0)
    ap.add_argument("--child", nargs=2)
    ap.add_argument("--cases", nargs="*", default=CASES[H.mode()])
    ap.add_argument("--tools", nargs="*", default=list(TOOLS))
    a = ap.parse_args()
    if a.child:
        _child(*a.child)
        return
    res = H.Results("synth_adh", "ADH synthetic control: wsa_eval vs pysyncon")
    for key in a.cases:
        if key.startswith("prop99"):
            desc = ("Proposition 99, nested-V fit" if key.endswith("fit") else
                    "Proposition 99, fit + placebo-in-space loop (38 nested-V refits)")
        else:
            desc = (f"simulated panel {SIM[key.split('_')[0]]} (donors, periods, "
                    f"pre-periods), user V, "
                    f"{'fit' if key.endswith('fit') else 'fit + placebo loop'}")
        case = res.case(key, desc)
        tools = [t for t in a.tools if not (t.startswith("wsa_eval:") and key.endswith("fit"))]
        rows = {t: H.run_contender(t, TOOLS[t][0], [__file__, "--child", t, key],
                                   timeout=a.cap, setting=TOOLS[t][1]) for t in tools}
        serial = rows.get("wsa_eval", {})
        if key.startswith("prop99") and serial.get("status") == "ok":
            pub = prop99().pivot(index="year", columns="state", values="cigsale").loc[:1988]
            syn = sum(w * pub[s] for s, w in PUBLISHED.items())
            pm = float(np.mean((pub["California"] - syn) ** 2))
            serial["published_pre_mspe"] = pm
            print(f"  published ADH weights pre-MSPE {pm:.4f}; wsa_eval "
                  f"{'<=' if serial['pre_mspe'] <= pm else '>'} published")
        for t, r in rows.items():
            if r["status"] != "ok":
                res.add(case, r)
                continue
            if t.startswith("wsa_eval:") and serial.get("status") == "ok":
                same = (r["ratios"] == serial["ratios"]
                        and r["pre_rmspes"] == serial["pre_rmspes"])
                r["identical_to_serial"] = same
                print(f"  {t}: placebo table {'identical to' if same else 'DIFFERS from'} "
                      "the serial run")
            if t == "pysyncon" and serial.get("status") == "ok":
                r["agreement"] = {"what": "|mean post-period gap difference| vs wsa_eval",
                                  "value": abs(r["estimate"] - serial["estimate"]),
                                  "pre_mspe": r["pre_mspe"], "wsa_pre_mspe": serial["pre_mspe"]}
            r["note"] = _line(t, r)
            res.add(case, r)
        for t in ("wsa_eval:n_jobs=2", "pysyncon"):
            if t in rows and "wsa_eval" in rows:
                print(f"  {t} / wsa_eval: {H.ratio_note(rows[t], rows['wsa_eval'])}")
        for r in rows.values():
            r.pop("ratios", None)
            r.pop("pre_rmspes", None)
    res.write()


if __name__ == "__main__":
    main()
