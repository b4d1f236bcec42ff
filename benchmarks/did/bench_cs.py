"""Benchmark: wsa_eval's Callaway & Sant'Anna against csdid, differences and pyfixest.

Same simulated staggered panel for every contender (units x 10 periods, cohorts first
treated in periods 4, 6 and 8 plus never-treated units, dynamic heterogeneous effects),
never-treated comparison group, no covariates. Each contender runs in a fresh interpreter
of its own environment (benchmarks/.envs/<env>); wall time is the estimation call only
(ATT(g,t), the simple and the dynamic aggregation), imports and data loading excluded.

Peers at their fastest equivalent setting:

* csdid: ``est_method="reg"``. Without covariates outcome regression, doubly robust and
  IPW give the same ATT(g,t) and standard errors, and "reg" is the cheapest (about half
  the time of "dr"); the quick mode also runs "dr" to show that the numbers are the same.
  Bootstrap: csdid's parallel multiplier bootstrap (``pl=True, cores=2``).
* differences: ``est_method="reg"``, with ``n_jobs=2`` and with ``n_jobs=1`` (its process
  pool costs more than it saves on small panels); the faster of the two is its time.
* pyfixest: ``event_study(estimator="saturated")`` with its default (compiled) demeaner;
  a different estimator (Sun & Abraham), whose post-treatment event-time effects equal the
  Callaway-Sant'Anna dynamic aggregation with never-treated controls on a balanced panel,
  which is what it is compared on.

Cases: ``units`` (every contender at each size) and ``scaling`` (wsa_eval's 1,000-draw
multiplier bootstrap at growing sizes, for time and memory per million units).

    BENCH_MODE=quick benchmarks/.envs/wsa/bin/python benchmarks/did/bench_cs.py
    benchmarks/.envs/wsa/bin/python benchmarks/did/bench_cs.py [--units 5000 500000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

REPS = 1000
#: contender -> (environment, setting shown in the results)
CONTENDERS = {
    "wsa_eval": ("wsa", "analytic SEs (default method)"),
    "csdid": ("csdid", 'est_method="reg", analytic SEs'),
    "csdid_dr": ("csdid", 'est_method="dr" (the setting of earlier runs), analytic SEs'),
    "differences": ("differences", 'est_method="reg", n_jobs=2'),
    "differences_1job": ("differences", 'est_method="reg", n_jobs=1'),
    "pyfixest_es": ("pyfixest", 'event_study(estimator="saturated").aggregate()'),
    "wsa_eval_boot": ("wsa", f"multiplier bootstrap, {REPS} draws"),
    "csdid_boot": ("csdid", f'est_method="reg", bootstrap {REPS} draws, pl=True, cores=2'),
    "differences_boot": ("differences", f'est_method="reg", bootstrap {REPS}, n_jobs=2, '
                         'progress_bar=True'),
    "differences_1job_boot": ("differences", f'est_method="reg", bootstrap {REPS}, n_jobs=1'),
}
SIZES = {"full": dict(units=[5000, 500_000], scaling=[500_000, 2_000_000, 5_000_000],
                      timeout=1200.0),
         "quick": dict(units=[2000], scaling=[2000, 8000], timeout=300.0)}


def make_data(n_units: int, T: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 4, 6, 8], size=n_units, p=[0.4, 0.2, 0.2, 0.2])
    a = rng.normal(size=n_units) + 0.3 * (g > 0)
    t = np.tile(np.arange(1, T + 1), n_units)
    gg = np.repeat(g, T)
    e = t - gg
    eff = np.where((gg > 0) & (e >= 0), (1 + 0.1 * gg) * (e + 1) * 0.1, 0.0)
    y = np.repeat(a, T) + 0.05 * t + eff + rng.normal(size=n_units * T)
    return {"id": np.repeat(np.arange(n_units), T), "t": t, "g": gg, "y": y}


# -- contenders (run in the child) -----------------------------------------------------------
def run_wsa(clock, df, boot: bool) -> dict:
    import inspect

    from wsa_eval.did.staggered import callaway_santanna

    params = inspect.signature(callaway_santanna).parameters
    if boot:  # the glossary's names where the function has them already
        kw = ({"inference": "bootstrap", "reps": REPS} if "reps" in params
              else {"bootstrap": REPS})
    else:
        kw = {} if "reps" in params else {"bootstrap": False}
    with clock:
        res = callaway_santanna(df, outcome="y", unit="id", time="t", first_treated="g",
                                random_state=1, progress=False, **kw)
        dyn = res.aggregate("dynamic").effects
    tab = res.att_gt.sort_values(["cohort", "time"])
    post = dyn.loc[dyn["event_time"] >= 0].sort_values("event_time")["estimate"]
    return {"att_gt": tab["estimate"].tolist(), "se_gt": tab["std_error"].tolist(),
            "simple": float(res.estimate), "dyn_post": post.tolist()}


def run_csdid(clock, df, boot: bool, method: str = "reg") -> dict:
    import contextlib
    import io

    from csdid.att_gt import ATTgt

    with contextlib.redirect_stdout(io.StringIO()), clock:
        att = ATTgt(yname="y", tname="t", idname="id", gname="g", data=df,
                    control_group="nevertreated", biters=REPS, cband=boot,
                    pl=boot, cores=2 if boot else 1).fit(est_method=method, bstrap=boot)
        att.aggte(typec="simple")
        simple = float(att.atte["overall_att"])
        att.aggte(typec="dynamic")
    r = att.results
    order = np.lexsort((np.asarray(r["year"]), np.asarray(r["group"])))
    return {"att_gt": np.asarray(r["att"], float)[order].tolist(),
            "se_gt": np.asarray(r["se"], float)[order].tolist(), "simple": simple}


def run_differences(clock, df, boot: bool, n_jobs: int = 2) -> dict:
    from differences import ATTgt

    d = df.assign(g=df["g"].where(df["g"] > 0)).set_index(["id", "t"])
    # differences 0.3.0's parallel bootstrap fails with progress_bar=False (mboot.py builds
    # its per-job tqdm flags with np.ones(np.arange(jobs) + 1)); the bar costs nothing
    with clock:
        att = ATTgt(data=d, cohort_column="g")
        res = att.fit(formula="y", est_method="reg", control_group="never_treated",
                      boot_iterations=REPS if boot else 0, random_state=1, n_jobs=n_jobs,
                      progress_bar=boot and n_jobs > 1)
        simple = att.aggregate("simple")
        att.aggregate("event")
    tab = res.to_pandas()  # sorted by cohort, then time
    se = [c for c in tab.columns if "std_error" in str(c).lower()]
    return {"att_gt": np.asarray(tab.iloc[:, 0], float).tolist(),
            "se_gt": np.asarray(tab[se[0]], float).tolist() if se else [],
            "simple": float(np.asarray(simple.iloc[0, 0]))}


def _pyfixest_es(df):
    import pyfixest as pf

    m = pf.event_study(df, yname="y", idname="id", tname="t", gname="g",
                       estimator="saturated", cluster="id")
    return m.aggregate()


def run_pyfixest(clock, df, boot: bool) -> dict:
    import pandas as pd

    small = make_data(200, seed=5)  # compile / warm up before the clock starts
    _pyfixest_es(pd.DataFrame(small))
    with clock:
        agg = _pyfixest_es(df)
    e = np.asarray(agg.index, dtype=float)
    est = np.asarray(agg["Estimate"], dtype=float)
    return {"dyn_post": est[e >= 0][np.argsort(e[e >= 0])].tolist()}


def child(name: str, path: str) -> None:
    import pandas as pd

    with np.load(path) as z:  # plain arrays: independent of the pandas version
        df = pd.DataFrame({k: z[k] for k in ("id", "t", "g", "y")})
    base = name.replace("_boot", "")
    boot = name.endswith("_boot")
    fn = {"wsa_eval": run_wsa, "csdid": run_csdid, "csdid_dr": run_csdid,
          "differences": run_differences, "differences_1job": run_differences,
          "pyfixest_es": run_pyfixest}[base]
    extra = {"csdid_dr": ("dr",), "differences_1job": (1,)}.get(base, ())

    def go(clock, df):
        out = fn(clock, df, boot, *extra)
        out["data_mb"] = data_mb  # the process with the panel loaded, before the call
        return out

    data_mb = H.current_rss_mb()
    H.child_main(go, df)


# -- parent ----------------------------------------------------------------------------------
def _agreement(row: dict, ref: dict | None, with_se: bool) -> dict | None:
    """Max abs differences from wsa_eval's ATT(g,t) (and SEs), or event-time effects."""
    if (row.get("status") != "ok" or ref is None or ref.get("status") != "ok"
            or row is ref):
        return None
    if row.get("att_gt") and len(row["att_gt"]) == len(ref["att_gt"]):
        a = {"what": "max |ATT(g,t) difference| vs wsa_eval",
             "value": float(np.max(np.abs(np.subtract(row["att_gt"], ref["att_gt"]))))}
        if with_se and row.get("se_gt") and len(row["se_gt"]) == len(ref["se_gt"]):
            a["se_value"] = float(np.max(np.abs(np.subtract(row["se_gt"], ref["se_gt"]))))
        return a
    if row.get("dyn_post") and len(row["dyn_post"]) == len(ref.get("dyn_post") or []):
        return {"what": "max |event-time effect difference, e >= 0| vs wsa_eval's dynamic "
                        "aggregation",
                "value": float(np.max(np.abs(np.subtract(row["dyn_post"],
                                                         ref["dyn_post"]))))}
    return None


def run_case(results, case, names, path, timeout) -> dict:
    rows = {}
    for name in names:
        env, setting = CONTENDERS[name]
        rows[name] = H.run_contender(name, env, [__file__, "--child", name, path],
                                     timeout=timeout, setting=setting)
    for name, row in rows.items():
        boot = name.endswith("_boot")
        # bootstrap SEs are Monte Carlo draws (different weights): compare estimates only
        a = _agreement(row, rows.get("wsa_eval_boot" if boot else "wsa_eval"), not boot)
        if a is not None:
            row["agreement"] = a
            row["note"] = f"{a['value']:.1e}" + (f" (SE {a['se_value']:.1e})"
                                                  if "se_value" in a else "")
    for row in rows.values():
        for k in ("att_gt", "se_gt", "dyn_post"):  # keep the results file small
            row.pop(k, None)
        results.add(case, row)
    for mine, peers in (("wsa_eval", ("csdid", "csdid_dr", "differences", "differences_1job",
                                      "pyfixest_es")),
                        ("wsa_eval_boot", ("csdid_boot", "differences_boot",
                                           "differences_1job_boot"))):
        for p in peers:
            if mine in rows and p in rows:
                print(f"  {p} / {mine}: {H.ratio_note(rows[p], rows[mine])}")
    return rows


def main() -> None:
    mode = H.mode()
    cfg = SIZES[mode]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, nargs="+", default=cfg["units"])
    ap.add_argument("--scaling", type=int, nargs="*", default=cfg["scaling"],
                    help="sizes for the wsa_eval-only bootstrap scaling case")
    ap.add_argument("--only", default=None, help="comma-separated contenders")
    ap.add_argument("--timeout", type=float, default=cfg["timeout"])
    ap.add_argument("--child", nargs=2, metavar=("NAME", "DATA"))
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    names = [n for n in CONTENDERS if n != "csdid_dr" or mode == "quick"]
    if a.only:
        names = [n for n in a.only.split(",") if n in CONTENDERS]
    res = H.Results("did_cs", "Callaway & Sant'Anna: wsa_eval vs csdid, differences, pyfixest")
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.units:
            path = str(Path(tmp) / f"panel_{n}.npz")
            np.savez(path, **make_data(n))
            case = res.case(f"units_{n}", f"{n:,} units x 10 periods ({10 * n:,} rows); "
                            f"bootstrap {REPS} draws", units=n, periods=10)
            run_case(res, case, names, path, a.timeout)
            Path(path).unlink()
        if a.scaling and "wsa_eval_boot" in names:
            case = res.case("scaling", f"wsa_eval multiplier bootstrap ({REPS} draws) at "
                            "growing sizes: time and memory per million units")
            for n in a.scaling:
                path = str(Path(tmp) / f"panel_{n}.npz")
                np.savez(path, **make_data(n))
                row = H.run_contender(f"wsa_eval_boot@{n}", "wsa",
                                      [__file__, "--child", "wsa_eval_boot", path],
                                      timeout=a.timeout, setting=CONTENDERS["wsa_eval_boot"][1])
                Path(path).unlink()
                row["units"] = n
                for k in ("att_gt", "se_gt", "dyn_post"):
                    row.pop(k, None)
                if row.get("status") == "ok":
                    mem = max(row["peak_mb"], row.get("peak_tree_mb", 0))
                    row["gb_per_million"] = mem / 1024 / n * 1e6
                    row["gb_per_million_above_data"] = (mem - row["data_mb"]) / 1024 / n * 1e6
                    row["note"] = (f"{n:,} units: {row['wall_s'] / n * 1e6:.2f} s, peak "
                                   f"{row['gb_per_million']:.2f} GB "
                                   f"({row['gb_per_million_above_data']:.2f} GB above the "
                                   "loaded panel) per million units")
                res.add(case, row)
    res.write()


if __name__ == "__main__":
    main()
