"""Benchmark: ADH synthetic control (nested V) and its placebo-in-space loop vs pysyncon.

Run from the repository root (heavy: wrap in ``flock /work/bench.lock``):

    PYTHONPATH=src /work/venv-bench/bin/python benchmarks/synth/bench_adh.py [--cap 300] \
        [--n-jobs 1 2] [--tools wsa_eval] [--cases prop99_placebo]

Each contender runs in its own subprocess (fair memory figures: peak RSS from
``resource.getrusage``); a peer run longer than ``--cap`` seconds is stopped and reported as
such. Cases, on the same data for every contender:

* ``prop99_fit``: California Proposition 99, ADH (2010) predictors, nested V.
* ``prop99_placebo``: the same fit plus the full placebo-in-space loop (38 refits, nested V).
* ``sim500_fit`` / ``sim500_placebo``: a simulated factor-model panel, 500 donors x 40
  periods, 32 predictors (the outcome in each pre-period and two covariates), user (equal,
  standardised) V for both packages -- so the weights solve the same quadratic programme
  and the estimates must agree -- and the full loop of 500 placebo refits. The inner
  objective of each package's weights is printed too.

``--n-jobs 1 2`` adds a wsa_eval contender whose placebo loop runs in 2 worker processes
(``placebo(n_jobs=2)``; its placebo table must equal the serial one exactly). pysyncon is
skipped cleanly when it is not importable.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "reference"
PUBLISHED = {"Colorado": 0.164, "Connecticut": 0.069, "Montana": 0.199, "Nevada": 0.234,
             "Utah": 0.334}
P99 = dict(predictors=["lnincome", "age15to24", "retprice", "beer"],
           periods=list(range(1980, 1989)),
           special=[("cigsale", [1988], "mean"), ("cigsale", [1980], "mean"),
                    ("cigsale", [1975], "mean")])


def prop99() -> pd.DataFrame:
    return pd.read_csv(REF / "prop99_smoking.csv")


def sim500(n_donors: int = 500, T: int = 40, T0: int = 30, seed: int = 0) -> pd.DataFrame:
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


#: the outcome in each of the 30 pre-periods, plus the two covariates: 32 predictors
SIM_SPECIAL = [("y", [t], "mean") for t in range(1980, 2010)]


def _inner_loss(x1: np.ndarray, X0: np.ndarray, w: np.ndarray, v: np.ndarray) -> float:
    """(X1 - X0 W)' V (X1 - X0 W) on predictors standardised as Synth does."""
    sd = np.column_stack([x1, X0]).std(axis=1, ddof=1)
    r = (x1 - X0 @ w) / sd
    return float(r @ (v / v.sum() * r))


# -- contenders -------------------------------------------------------------------------------
def ours(case: str, n_jobs: int = 1) -> dict:
    import warnings

    from wsa_eval.synth.adh import synthetic_control

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    if case.startswith("prop99"):
        res = synthetic_control(prop99(), outcome="cigsale", unit="state", time="year",
                                treated="California", start=1989,
                                predictors=P99["predictors"], predictor_periods=P99["periods"],
                                special_predictors=P99["special"])
    else:
        res = synthetic_control(sim500(), outcome="y", unit="unit", time="year",
                                treated="treated", start=2010, predictors=["x1", "x2"],
                                predictor_periods=range(1980, 2010),
                                special_predictors=SIM_SPECIAL, v="inverse_variance")
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
    out["seconds"] = time.perf_counter() - t0
    return out


def peer(case: str) -> dict:
    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    t0 = time.perf_counter()
    if case.startswith("prop99"):
        df = prop99()
        donors = sorted(set(df.state) - {"California"})
        dp = Dataprep(foo=df, predictors=P99["predictors"], predictors_op="mean",
                      time_predictors_prior=P99["periods"], special_predictors=P99["special"],
                      dependent="cigsale", unit_variable="state", time_variable="year",
                      treatment_identifier="California", controls_identifier=donors,
                      time_optimize_ssr=range(1970, 1989))
        opts: dict = {}
        post = range(1989, 2001)
    else:
        df = sim500()
        donors = sorted(set(df.unit) - {"treated"})
        dp = Dataprep(foo=df, predictors=["x1", "x2"], predictors_op="mean",
                      time_predictors_prior=range(1980, 2010), special_predictors=SIM_SPECIAL,
                      dependent="y", unit_variable="unit", time_variable="year",
                      treatment_identifier="treated", controls_identifier=donors,
                      time_optimize_ssr=range(1980, 2010))
        opts = {"custom_V": np.full(32, 1 / 32)}
        post = range(2010, 2020)
    synth = Synth()
    synth.fit(dataprep=dp, **opts)
    t_fit = time.perf_counter() - t0
    Z0, Z1 = dp.make_outcome_mats(time_period=list(post))
    gaps = Z1 - Z0 @ synth.W
    Zp0, Zp1 = dp.make_outcome_mats()
    pre = Zp1 - Zp0 @ synth.W
    w = pd.Series(synth.W, index=synth.W_names if hasattr(synth, "W_names") else donors)
    X0, X1 = dp.make_covariate_mats()
    out = {"fit_seconds": t_fit, "pre_mspe": float(np.mean(pre ** 2)),
           "estimate": float(np.mean(gaps)),
           "inner_loss": _inner_loss(X1.to_numpy(), X0.to_numpy(), np.asarray(synth.W),
                                     np.asarray(synth.V, dtype=float)),
           "weights": {str(k): float(v) for k, v in w[w > 1e-3].items()}}
    if case.endswith("placebo"):
        t1 = time.perf_counter()
        pt = PlaceboTest()
        pt.fit(dataprep=dp, scm=Synth(), scm_options=opts, max_workers=1, verbose=False)
        out["placebo_seconds"] = time.perf_counter() - t1
    out["seconds"] = time.perf_counter() - t0
    return out


def _child(tool: str, case: str) -> None:
    name, _, n_jobs = tool.partition(":n_jobs=")
    out = ours(case, int(n_jobs or 1)) if name == "wsa_eval" else peer(case)
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if ":n_jobs=" in tool:  # the largest worker process (reaped when the pool shut down)
        out["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def run(tool: str, case: str, cap: float) -> dict:
    cmd = [sys.executable, __file__, "--child", tool, case]
    t0 = time.perf_counter()
    # own process group, so a peer's worker processes die with it at the cap
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"timeout": True, "seconds": time.perf_counter() - t0}
    cp = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    line = [ln for ln in cp.stdout.splitlines() if ln.startswith("RESULT ")]
    if not line:
        return {"error": (cp.stderr or cp.stdout)[-400:]}
    return json.loads(line[-1][7:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cap", type=float, default=300.0)
    ap.add_argument("--child", nargs=2)
    ap.add_argument("--cases", nargs="*",
                    default=["prop99_fit", "prop99_placebo", "sim500_fit", "sim500_placebo"])
    ap.add_argument("--n-jobs", nargs="*", type=int, default=[1],
                    help="placebo-loop worker counts for wsa_eval (1: serial)")
    ap.add_argument("--tools", nargs="*", default=["wsa_eval", "pysyncon"],
                    help="contenders to run (e.g. only wsa_eval when a peer's figures for an "
                         "unchanged case are already known)")
    a = ap.parse_args()
    if a.child:
        _child(*a.child)
        return
    tools = list(a.tools)
    if "wsa_eval" in tools:
        i = tools.index("wsa_eval")
        tools[i:i + 1] = [t for t in ("wsa_eval" if nj == 1 else f"wsa_eval:n_jobs={nj}"
                                      for nj in a.n_jobs)]
    try:
        import pysyncon  # noqa: F401
    except ImportError:
        print("pysyncon not importable: running wsa_eval only")
        tools = [t for t in tools if t != "pysyncon"]
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  cpus={os.cpu_count()}  cap={a.cap:.0f}s")
    for case in a.cases:
        res = {t: run(t, case, a.cap) for t in tools}
        print(f"\n== {case}")
        for t, r in res.items():
            if r.get("timeout"):
                print(f"  {t} stopped at the {a.cap:.0f} s cap (did not finish)")
                continue
            if "error" in r:
                print(f"  {t} error: {r['error']}")
                continue
            extra = f" placebo {r['placebo_seconds']:.2f}s" if "placebo_seconds" in r else ""
            print(f"  {t} total {r['seconds']:.2f}s (fit {r['fit_seconds']:.2f}s{extra}) "
                  f"peak RSS {r['max_rss_mb']:.0f} MB  pre-MSPE {r['pre_mspe']:.4f}  "
                  f"estimate {r['estimate']:.4f}  inner loss {r['inner_loss']:.3g}" +
                  (f"  p {r['p_value']:.4f}" if "p_value" in r else "") +
                  (f"  largest worker RSS {r['worker_rss_mb']:.0f} MB"
                   if "worker_rss_mb" in r else ""))
            top = sorted(r["weights"].items(), key=lambda kv: -kv[1])[:6]
            print("            weights " + ", ".join(f"{k} {v:.3f}" for k, v in top))
        if case.startswith("prop99") and "wsa_eval" in res and "pre_mspe" in res["wsa_eval"]:
            pub = prop99().pivot(index="year", columns="state", values="cigsale")
            pre = pub.loc[:1988]
            syn = sum(w * pre[s] for s, w in PUBLISHED.items())
            pm = float(np.mean((pre["California"] - syn) ** 2))
            print(f"  published ADH weights pre-MSPE {pm:.4f}; wsa_eval "
                  f"{'<=' if res['wsa_eval']['pre_mspe'] <= pm else '>'} published")
        serial = res.get("wsa_eval", {})
        for t, r in res.items():
            if t.startswith("wsa_eval:") and "ratios" in r and "ratios" in serial:
                same = r["ratios"] == serial["ratios"] and \
                    r["pre_rmspes"] == serial["pre_rmspes"]
                print(f"  {t}: placebo table {'identical to' if same else 'DIFFERS from'} "
                      f"the serial run; placebo loop serial/parallel "
                      f"{serial['placebo_seconds'] / r['placebo_seconds']:.2f}x")
        res = {t: r for t, r in res.items() if t in ("wsa_eval", "pysyncon")}
        ok = [r for r in res.values() if "seconds" in r and "estimate" in r]
        if len(ok) == 2:
            o, p = res["wsa_eval"], res["pysyncon"]
            print(f"  estimate difference {abs(o['estimate'] - p['estimate']):.2e}; "
                  f"time ratio pysyncon/wsa_eval {p['seconds'] / o['seconds']:.1f}x")
        elif "wsa_eval" in res and res.get("pysyncon", {}).get("timeout"):
            o = res["wsa_eval"]
            if "seconds" in o:
                print(f"  time ratio pysyncon/wsa_eval > {a.cap / o['seconds']:.1f}x "
                      "(peer stopped at the cap)")


if __name__ == "__main__":
    main()
