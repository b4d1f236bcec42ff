"""Benchmark: Kaplan-Meier and Cox on simulated cohorts, wsa_eval vs lifelines, statsmodels, R.

Simulated cohort (seeded): n people, eight covariates (one 0/1 "treatment", seven normal),
exponential event times and administrative censoring uniform on 1..730 days, about 43%
events. Two kinds of time: ``ties`` (times rounded up to whole days: 730 distinct times,
almost every event tied) and ``continuous`` (no ties).

Each contender runs in a fresh process of its own environment (lifelines in its own, since
it needs pandas < 3; statsmodels in wsa_eval's; R's ``survival`` through Rscript) and
reports the wall time of the fit alone (imports and data loading excluded), its peak memory
and its coefficients / standard errors, compared with wsa_eval's (max absolute difference).
Settings: lifelines' ``CoxPHFitter`` chooses between its batch and single-row code by
itself (``batch_mode=None``), which is its fastest path; statsmodels' ``PHReg`` fits by
Newton's method (its default); R ``coxph`` defaults. wsa_eval runs with
``concordance=False`` as the peers compute none; ``wsa_cox_efron_default`` (small sizes)
is the call with every default, the concordance included.

Cases (full mode): ties at 100,000 (robust peers too) and 1,000,000 rows, continuous times at
1,000,000 rows, and wsa_eval alone at 20,000,000 rows (continuous) beside ``one_pass``: the
time of one pass over the data that any Newton step needs (``X @ beta``, ``exp`` and the
cumulative sums of ``w`` and ``w X`` in time order), as the floor of a Cox fit.

    benchmarks/.envs/wsa/bin/python benchmarks/survival/bench_cox_km.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

COVS = [f"x{i}" for i in range(8)]
BETA = np.array([-0.36, 0.2, -0.1, 0.05, 0.0, 0.3, -0.2, 0.1])

#: contender -> (environment, setting)
CONTENDERS = {
    "wsa_cox_efron": ("wsa", "cox(ties='efron', concordance=False)"),
    "wsa_cox_efron_robust": ("wsa", "cox(ties='efron', robust=True, concordance=False)"),
    "wsa_cox_breslow": ("wsa", "cox(ties='breslow', concordance=False)"),
    "wsa_cox_efron_default": ("wsa", "cox(ties='efron') with every default (concordance)"),
    "lifelines_cox_efron": ("lifelines", "CoxPHFitter().fit() (Efron; batch_mode=None)"),
    "lifelines_cox_efron_robust": ("lifelines", "CoxPHFitter().fit(robust=True)"),
    "statsmodels_cox_efron": ("wsa", "PHReg(ties='efron').fit() (Newton)"),
    "statsmodels_cox_breslow": ("wsa", "PHReg(ties='breslow').fit() (Newton)"),
    "R_coxph_efron": ("system:Rscript", "survival::coxph(ties='efron')"),
    "R_coxph_efron_robust": ("system:Rscript", "survival::coxph(ties='efron', robust=TRUE)"),
    "wsa_km": ("wsa", "kaplan_meier(group='x0')"),
    "lifelines_km": ("lifelines", "KaplanMeierFitter x2 (with its confidence intervals)"),
    "statsmodels_km": ("wsa", "SurvfuncRight x2"),
    "R_survfit_km": ("system:Rscript", "survival::survfit(Surv(time, event) ~ x0)"),
    "one_pass": ("wsa", "numpy: one pass over the data (X @ b, exp, cumulative sums)"),
}
PLAIN = ["wsa_cox_efron", "wsa_cox_efron_robust", "wsa_cox_breslow", "lifelines_cox_efron",
         "statsmodels_cox_efron", "statsmodels_cox_breslow", "R_coxph_efron", "wsa_km",
         "lifelines_km", "statsmodels_km", "R_survfit_km"]
ROBUST_PEERS = ["lifelines_cox_efron_robust", "R_coxph_efron_robust"]
COX_ONLY = ["wsa_cox_efron", "lifelines_cox_efron", "statsmodels_cox_efron", "R_coxph_efron"]
#: (key, n, times, contenders)
CASES = {
    "full": [("ties_100000", 100_000, "ties", PLAIN + ROBUST_PEERS + ["wsa_cox_efron_default"]),
             ("ties_1000000", 1_000_000, "ties", PLAIN),
             ("continuous_1000000", 1_000_000, "continuous", COX_ONLY),
             ("continuous_20000000", 20_000_000, "continuous", ["wsa_cox_efron", "one_pass"])],
    "quick": [("ties_2000", 2000, "ties", PLAIN + ROBUST_PEERS + ["wsa_cox_efron_default"]),
              ("continuous_2000", 2000, "continuous", COX_ONLY),
              ("continuous_20000", 20_000, "continuous", ["wsa_cox_efron", "one_pass"])],
}


def simulate(n: int, times: str = "ties", seed: int = 20240601) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8))
    X[:, 0] = rng.integers(0, 2, n)
    t = rng.exponential(1 / (0.002 * np.exp(X @ BETA)))
    if times == "ties":
        t = np.ceil(t)
        c = rng.integers(1, 731, n).astype(float)
    else:
        c = rng.uniform(0.5, 730.5, n)
    return {"X": X, "time": np.minimum(t, c), "event": (t <= c).astype(float)}


# -- Python contenders (run in the child) ----------------------------------------------------
def fit(clock, name: str, folder: str) -> dict:
    import pandas as pd

    X = np.load(folder + "/X.npy")
    T = np.load(folder + "/time.npy")
    E = np.load(folder + "/event.npy")
    df = pd.DataFrame(X, columns=COVS)
    df["time"], df["event"] = T, E
    out: dict = {}
    if name.startswith("wsa"):  # imports before the clock starts
        from wsa_eval.survival.cox import cox
        from wsa_eval.survival.km import kaplan_meier
    elif name.startswith("lifelines"):
        from lifelines import CoxPHFitter, KaplanMeierFitter
    elif name.startswith("statsmodels"):
        from statsmodels.duration.hazard_regression import PHReg
        from statsmodels.duration.survfunc import SurvfuncRight
    if name.startswith("wsa_cox"):
        kw = {} if name.endswith("default") else {"concordance": False}
        with clock:
            r = cox(df, duration="time", event="event", covariates=COVS,
                    ties="breslow" if "breslow" in name else "efron",
                    robust="robust" in name, **kw)
        out["coef"] = np.asarray(r.coef, float).tolist()
        out["se"] = r.to_frame()["std_error"].tolist()
        if isinstance(getattr(r, "iterations", None), int):
            out["iterations"] = r.iterations  # Newton steps: each needs one data pass
    elif name.startswith("lifelines_cox"):
        with clock:
            f = CoxPHFitter().fit(df, duration_col="time", event_col="event",
                                  robust="robust" in name)
        out["coef"] = f.params_[COVS].tolist()
        out["se"] = f.standard_errors_[COVS].tolist()
    elif name.startswith("statsmodels_cox"):
        with clock:
            m = PHReg(T, X, status=E, ties="breslow" if "breslow" in name else "efron").fit()
        out["coef"], out["se"] = m.params.tolist(), m.bse.tolist()
    elif name == "wsa_km":
        with clock:
            k = kaplan_meier(df, duration="time", event="event", group="x0")
            tab = k.to_frame()
        out["surv_last"] = tab.groupby("group")["estimate"].last().tolist()
    elif name == "statsmodels_km":
        res = []
        with clock:
            for g in (0.0, 1.0):
                m = X[:, 0] == g
                res.append(float(SurvfuncRight(T[m], E[m]).surv_prob[-1]))
        out["surv_last"] = res
    elif name == "lifelines_km":
        res = []
        with clock:
            for g in (0.0, 1.0):
                m = df["x0"] == g
                kmf = KaplanMeierFitter().fit(df.loc[m, "time"], df.loc[m, "event"])
                kmf.confidence_interval_  # noqa: B018 - computed as part of the fit
                res.append(float(kmf.survival_function_.iloc[-1, 0]))
        out["surv_last"] = res
    elif name == "one_pass":
        order = np.argsort(-T, kind="stable")
        Xs = np.ascontiguousarray(X[order])
        with clock:
            w = np.exp(Xs @ BETA)
            np.cumsum(w)
            np.cumsum(w[:, None] * Xs, axis=0)
    else:
        raise SystemExit("unknown contender " + name)
    return out


R_SCRIPT = textwrap.dedent(
    r'''
    suppressPackageStartupMessages(library(survival))
    args <- commandArgs(trailingOnly = TRUE)
    d <- read.csv(args[1]); mode <- args[2]
    t0 <- proc.time()[["elapsed"]]
    if (mode == "km") {
      f <- survfit(Surv(time, event) ~ x0, data = d)  # log CIs by default
      el <- proc.time()[["elapsed"]] - t0
      last <- cumsum(f$strata)
      res <- sprintf('"surv_last": [%s]', paste(sprintf("%.15g", f$surv[last]), collapse = ","))
    } else {
      f <- coxph(Surv(time, event) ~ x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7, data = d,
                 ties = "efron", robust = (mode == "robust"))
      el <- proc.time()[["elapsed"]] - t0
      res <- sprintf('"coef": [%s], "se": [%s]',
                     paste(sprintf("%.12g", coef(f)), collapse = ","),
                     paste(sprintf("%.12g", sqrt(diag(f$var))), collapse = ","))
    }
    load <- paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " ")
    hwm <- grep("^VmHWM:", readLines("/proc/self/status"), value = TRUE)
    peak <- as.numeric(strsplit(trimws(sub("VmHWM:", "", hwm)), " +")[[1]][1]) / 1024
    cat(sprintf('@@RESULT@@{"wall_s": %.6f, "loadavg": "%s", "peak_mb": %.1f, %s}\n',
                el, load, peak, res))
    '''
)


# -- parent ----------------------------------------------------------------------------------
def _ref(name: str, rows: dict) -> dict | None:
    if "km" in name:
        return rows.get("wsa_km")
    if "breslow" in name:
        return rows.get("wsa_cox_breslow")
    return rows.get("wsa_cox_efron_robust" if "robust" in name else "wsa_cox_efron")


def run_case(res, key: str, n: int, times: str, names: list[str], tmp: str,
             timeout: float) -> None:
    data = simulate(n, times)
    folder = str(Path(tmp) / key)
    Path(folder).mkdir()
    for k, v in data.items():
        np.save(f"{folder}/{k}.npy", v)
    if any(c.startswith("R_") for c in names):
        import pandas as pd

        frame = pd.DataFrame(data["X"], columns=COVS)
        frame["time"], frame["event"] = data["time"], data["event"]
        frame.to_csv(f"{folder}/data.csv", index=False)
        (Path(folder) / "fit.R").write_text(R_SCRIPT)
    n_ev, n_t = int(data["event"].sum()), len(np.unique(data["time"]))
    del data
    case = res.case(key, f"n = {n:,} ({times} times): {n_ev:,} events, {n_t:,} distinct times",
                    n=n, times=times)
    rows = {}
    for name in names:
        env, setting = CONTENDERS[name]
        if env.startswith("system:"):
            mode = "km" if "km" in name else ("robust" if "robust" in name else "plain")
            args = [f"{folder}/fit.R", f"{folder}/data.csv", mode]
        else:
            args = [__file__, "--child", name, folder]
        rows[name] = H.run_contender(name, env, args, timeout=timeout, setting=setting)
    for name, r in rows.items():
        ref = _ref(name, rows)
        if r["status"] == "ok" and ref and ref is not r and ref["status"] == "ok":
            agree = {}
            for k in ("coef", "se", "surv_last"):
                if k in r and k in ref:
                    agree[k] = float(np.max(np.abs(np.subtract(r[k], ref[k]))))
            if agree:
                r["agreement"] = {"what": "max abs difference vs wsa_eval", **agree,
                                  "value": max(agree.values())}
                r["note"] = " ".join(f"{k} {v:.1e}" for k, v in agree.items())
            r["note"] = f"x{r['wall_s'] / ref['wall_s']:.2f} of wsa_eval; " + r.get("note", "")
        if name == "one_pass" and r["status"] == "ok" and rows["wsa_cox_efron"]["status"] == "ok":
            ratio = rows["wsa_cox_efron"]["wall_s"] / r["wall_s"]
            it = rows["wsa_cox_efron"].get("iterations")
            r["note"] = (f"wsa_eval cox = {ratio:.1f} data passes"
                         + (f" for {it} Newton iterations" if it else ""))
            r["cox_passes"] = ratio
            r["newton_iterations"] = it
    for r in rows.values():
        for k in ("coef", "se", "surv_last"):
            r.pop(k, None)
        res.add(case, r)


def main() -> None:
    mode = H.mode()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=None, help="case keys to run")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--child", nargs=2)
    a = ap.parse_args()
    if a.child:
        H.child_main(fit, *a.child)
        return
    res = H.Results("survival_cox_km", "Cox and Kaplan-Meier: wsa_eval vs lifelines, "
                    "statsmodels, R")
    with tempfile.TemporaryDirectory() as tmp:
        for key, n, times, names in CASES[mode]:
            if a.cases and key not in a.cases:
                continue
            run_case(res, key, n, times, names, tmp, a.timeout)
    res.write()


if __name__ == "__main__":
    main()
