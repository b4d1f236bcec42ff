"""Benchmark: wsa_eval's Callaway & Sant'Anna against csdid and differences.

Same simulated staggered panel for every contender (units x 10 periods, cohorts first
treated in periods 4, 6 and 8 plus never-treated units, dynamic heterogeneous effects),
never-treated comparison group, no covariates. Each contender runs in its own subprocess
(peak memory = that process's ru_maxrss, which includes the data it loads); wall time is
the estimation call only (ATT(g,t), the simple and the dynamic aggregation), data loading
and imports excluded.

pyfixest's saturated event study (``event_study(estimator="saturated")``, Sun & Abraham's
cohort x event-time interactions, then ``aggregate()``) is a different estimator, but with
never-treated controls on a balanced panel its post-treatment event-time effects equal the
Callaway-Sant'Anna dynamic aggregation for e >= 0, which is what is compared for it. Its
numba functions are compiled on a small panel before the clock starts.

    flock /work/bench.lock env PYTHONPATH=src /work/venv-bench/bin/python \
        benchmarks/did/bench_cs.py --units 5000 500000

Options: --only NAME[,NAME] to run some contenders; --timeout seconds per contender.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPS = 1000
CONTENDERS = ["wsa_eval", "wsa_eval_boot", "csdid", "csdid_boot", "differences",
              "differences_boot", "pyfixest_es"]


def make_data(n_units: int, T: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 4, 6, 8], size=n_units, p=[0.4, 0.2, 0.2, 0.2])
    a = rng.normal(size=n_units) + 0.3 * (g > 0)
    t = np.tile(np.arange(1, T + 1), n_units)
    gg = np.repeat(g, T)
    e = t - gg
    eff = np.where((gg > 0) & (e >= 0), (1 + 0.1 * gg) * (e + 1) * 0.1, 0.0)
    y = np.repeat(a, T) + 0.05 * t + eff + rng.normal(size=n_units * T)
    return pd.DataFrame({"id": np.repeat(np.arange(n_units), T), "t": t, "g": gg, "y": y})


# --------------------------------------------------------------------------------------
def run_wsa(df: pd.DataFrame, boot: bool) -> tuple[np.ndarray, float, np.ndarray]:
    from wsa_eval.did.staggered import callaway_santanna  # imported before timing

    res = callaway_santanna(df, outcome="y", unit="id", time="t", first_treated="g",
                            bootstrap=REPS if boot else False, random_state=1, progress=False)
    dyn = res.aggregate("dynamic").effects
    tab = res.att_gt.sort_values(["cohort", "time"])
    post = dyn.loc[dyn["event_time"] >= 0].sort_values("event_time")["estimate"]
    return tab["estimate"].to_numpy(), res.estimate, post.to_numpy()


def run_csdid(df: pd.DataFrame, boot: bool) -> tuple[np.ndarray, float]:
    import contextlib
    import io

    from csdid.att_gt import ATTgt

    with contextlib.redirect_stdout(io.StringIO()):
        att = ATTgt(yname="y", tname="t", idname="id", gname="g", data=df,
                    control_group="nevertreated", biters=REPS, cband=boot).fit(
            est_method="dr", bstrap=boot)
        att.aggte(typec="simple")
        simple = float(att.atte["overall_att"])
        att.aggte(typec="dynamic")
    r = att.results
    order = np.lexsort((np.asarray(r["year"]), np.asarray(r["group"])))
    return np.asarray(r["att"])[order], simple, None


def run_differences(df: pd.DataFrame, boot: bool) -> tuple[np.ndarray, float]:
    from differences import ATTgt

    d = df.assign(g=df["g"].where(df["g"] > 0)).set_index(["id", "t"])
    att = ATTgt(data=d, cohort_column="g")
    res = att.fit(formula="y", est_method="reg", control_group="never_treated",
                  boot_iterations=REPS if boot else 0, random_state=1, n_jobs=1,
                  progress_bar=False)
    simple = att.aggregate("simple")
    att.aggregate("event")
    est = res.to_pandas().iloc[:, 0].to_numpy()  # ATT column, sorted by cohort then time
    return np.asarray(est, float), float(np.asarray(simple.iloc[0, 0])), None


def _pyfixest_es(df: pd.DataFrame) -> pd.DataFrame:
    import pyfixest as pf

    m = pf.event_study(df, yname="y", idname="id", tname="t", gname="g",
                       estimator="saturated", cluster="id")
    return m.aggregate()


def warm_pyfixest() -> None:  # compile pyfixest's numba functions before the clock
    _pyfixest_es(make_data(200, seed=5))


def run_pyfixest(df: pd.DataFrame, boot: bool) -> tuple[np.ndarray, float, np.ndarray]:
    agg = _pyfixest_es(df)
    e = np.asarray(agg.index, dtype=float)
    est = np.asarray(agg["Estimate"], dtype=float)
    post = est[e >= 0][np.argsort(e[e >= 0])]
    return np.array([]), float("nan"), post


def child(name: str, path: str) -> None:
    warnings.filterwarnings("ignore")
    with np.load(path) as z:  # plain arrays: independent of the pandas version
        df = pd.DataFrame({k: z[k] for k in ("id", "t", "g", "y")})
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = name.replace("_boot", "")
    fn = {"wsa_eval": run_wsa, "csdid": run_csdid, "differences": run_differences,
          "pyfixest_es": run_pyfixest}[base]
    # import every package (and scipy, statsmodels, ...) before the clock starts
    __import__({"wsa_eval": "wsa_eval.did.staggered", "csdid": "csdid.att_gt",
                "differences": "differences", "pyfixest_es": "pyfixest"}[base])
    if base == "pyfixest_es":
        warm_pyfixest()
    t0 = time.perf_counter()
    att_gt, simple, post = fn(df, name.endswith("_boot"))
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"name": name, "wall": wall, "peak_mb": rss, "data_mb": rss0,
                      "att_gt": list(map(float, att_gt)), "simple": simple,
                      "dyn_post": None if post is None else list(map(float, post)),
                      "loadavg": _loadavg()}))


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, nargs="+", default=[5000])
    ap.add_argument("--only", default=",".join(CONTENDERS))
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--child", nargs=2, metavar=("NAME", "DATA"))
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    names = a.only.split(",")
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    for n in a.units:
        df = make_data(n)
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "panel.npz")
            np.savez(path, **{k: df[k].to_numpy() for k in df.columns})
            print(f"\n=== {n:,} units x 10 periods ({len(df):,} rows); "
                  f"bootstrap draws: {REPS}; load average {_loadavg()} ===")
            out = {}
            for name in names:
                try:
                    p = subprocess.run([sys.executable, __file__, "--child", name, path],
                                       capture_output=True, text=True, timeout=a.timeout,
                                       env=env)
                except subprocess.TimeoutExpired:
                    print(f"{name:18s} capped: did not finish in {a.timeout:.0f} s")
                    continue
                if p.returncode != 0:
                    msg = (p.stderr.strip().splitlines() or ["?"])[-1]
                    print(f"{name:18s} failed or not installed: {msg[:100]}")
                    continue
                out[name] = json.loads(p.stdout.strip().splitlines()[-1])
            ref = out.get("wsa_eval") or out.get("wsa_eval_boot")
            for name, r in out.items():
                agree = ""
                if ref is not None and r["att_gt"] and len(r["att_gt"]) == len(ref["att_gt"]):
                    diff = np.max(np.abs(np.subtract(r["att_gt"], ref["att_gt"])))
                    agree = f"max|dATT(g,t)|={diff:.1e} simple={r['simple']:.5f}"
                elif (ref is not None and r.get("dyn_post") and not r["att_gt"]
                      and len(r["dyn_post"]) == len(ref["dyn_post"])):
                    diff = np.max(np.abs(np.subtract(r["dyn_post"], ref["dyn_post"])))
                    agree = (f"max|d event-time effect, e>=0|={diff:.1e} "
                             f"({len(r['dyn_post'])} event times)")
                else:
                    agree = f"simple={r['simple']:.5f} ({len(r['att_gt'])} cells)"
                print(f"{name:18s} {r['wall']:8.2f} s  peak {r['peak_mb']:8.0f} MB "
                      f"(data loaded: {r['data_mb']:.0f} MB; load {r['loadavg']})  {agree}")
            for mine, peers in (("wsa_eval", ("csdid", "differences", "pyfixest_es")),
                                ("wsa_eval_boot", ("csdid_boot", "differences_boot"))):
                if mine not in out:
                    continue
                for p in peers:
                    if p in out:
                        print(f"  {p} / {mine}: {out[p]['wall'] / out[mine]['wall']:.1f}x time, "
                              f"{out[p]['peak_mb'] / out[mine]['peak_mb']:.1f}x memory")


if __name__ == "__main__":
    main()
