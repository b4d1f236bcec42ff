"""Benchmark: Kaplan-Meier and Cox on simulated cohorts, wsa_eval vs lifelines, statsmodels, R.

Simulated cohort (seeded): n people, eight covariates (one 0/1 "treatment", seven normal),
exponential event times rounded up to whole days and administrative censoring uniform on
1..730 days, so about 43% have the event and there are only 730 distinct times (many ties).

Each contender runs in its own subprocess (fresh interpreter, data read from .npy files), and
reports wall time of the fit alone and the process's peak resident memory (ru_maxrss). The
coefficients and standard errors are checked against wsa_eval's (max absolute difference).
The "÷ wsa" column is the contender's time divided by wsa_eval's for the same task (> 1 means
wsa_eval is faster). Imports happen before the clock starts.

Run (from the repository root; heavy, so under the shared lock):

    flock /work/bench.lock env PYTHONPATH=src /work/venv-bench/bin/python \
        benchmarks/survival/bench_cox_km.py --sizes 100000 1000000

Options: ``--robust-peers`` also times lifelines' and R's robust (sandwich) errors at the
smallest size (slow: minutes). Peers that are not installed are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

COVS = [f"x{i}" for i in range(8)]
BETA = np.array([-0.36, 0.2, -0.1, 0.05, 0.0, 0.3, -0.2, 0.1])


def simulate(n: int, seed: int = 20240601) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8))
    X[:, 0] = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(1 / (0.002 * np.exp(X @ BETA))))
    c = rng.integers(1, 731, n)
    return {"X": X, "time": np.minimum(t, c).astype(float), "event": (t <= c).astype(float)}


WORKER = textwrap.dedent(
    r'''
    import json, resource, sys, time, warnings
    import numpy as np, pandas as pd
    name, folder = sys.argv[1], sys.argv[2]
    X = np.load(folder + "/X.npy"); T = np.load(folder + "/time.npy")
    E = np.load(folder + "/event.npy")
    cols = [f"x{i}" for i in range(8)]
    df = pd.DataFrame(X, columns=cols); df["time"] = T; df["event"] = E
    out = {}
    warnings.simplefilter("ignore")
    # imports before the clock starts: only the fit is timed
    if name.startswith("wsa"):
        from wsa_eval._utils import hash_frame
        from wsa_eval.survival.cox import cox
        from wsa_eval.survival.km import kaplan_meier
    elif name.startswith("lifelines"):
        from lifelines import CoxPHFitter, KaplanMeierFitter
    elif name.startswith("statsmodels"):
        from statsmodels.duration.hazard_regression import PHReg
        from statsmodels.duration.survfunc import SurvfuncRight
    t0 = time.perf_counter()
    if name.startswith("wsa_cox"):
        ties = "breslow" if "breslow" in name else "efron"
        r = cox(df, duration="time", event="event", covariates=cols, ties=ties,
                robust="robust" in name, concordance=False)
        out["coef"] = r.coef.tolist(); out["se"] = r.to_frame()["std_error"].tolist()
    elif name.startswith("lifelines_cox"):
        f = CoxPHFitter().fit(df, duration_col="time", event_col="event",
                              robust="robust" in name)
        out["coef"] = f.params_[cols].tolist()
        out["se"] = f.standard_errors_[cols].tolist()
    elif name.startswith("statsmodels_cox"):
        ties = "breslow" if "breslow" in name else "efron"
        m = PHReg(T, X, status=E, ties=ties).fit()
        out["coef"] = m.params.tolist(); out["se"] = m.bse.tolist()
    elif name == "wsa_km":
        k = kaplan_meier(df, duration="time", event="event", group="x0")
        tab = k.to_frame(); out["surv_last"] = tab.groupby("group")["estimate"].last().tolist()
    elif name == "statsmodels_km":
        res = []
        for g in (0.0, 1.0):
            m = (X[:, 0] == g)
            sf = SurvfuncRight(T[m], E[m])  # estimates, Greenwood SEs
            res.append(float(sf.surv_prob[-1]))
        out["surv_last"] = res
    elif name == "lifelines_km":
        res = []
        for g in (0.0, 1.0):
            m = df["x0"] == g
            kmf = KaplanMeierFitter().fit(df.loc[m, "time"], df.loc[m, "event"])
            ci = kmf.confidence_interval_  # computed as part of the fit
            res.append(float(kmf.survival_function_.iloc[-1, 0]))
        out["surv_last"] = res
    else:
        raise SystemExit("unknown contender " + name)
    out["seconds"] = time.perf_counter() - t0
    if name.startswith("wsa"):
        # share of the time spent hashing the used columns for the result's spec
        used = cols + ["time", "event"] if "cox" in name else ["time", "event", "x0"]
        t1 = time.perf_counter()
        hash_frame(df[used])
        out["hash_seconds"] = time.perf_counter() - t1
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    '''
)

R_SCRIPT = textwrap.dedent(
    r'''
    suppressPackageStartupMessages(library(survival))
    args <- commandArgs(trailingOnly = TRUE)
    d <- read.csv(args[1]); robust <- args[2] == "robust"
    if (args[2] == "km") {
      t0 <- proc.time()[["elapsed"]]
      f <- survfit(Surv(time, event) ~ x0, data = d)  # log CIs by default
      el <- proc.time()[["elapsed"]] - t0
      last <- cumsum(f$strata)
      cat(sprintf('{"seconds": %.6f, "surv_last": [%s]}\n', el,
          paste(sprintf("%.15g", f$surv[last]), collapse = ",")))
      quit(save = "no")
    }
    t0 <- proc.time()[["elapsed"]]
    f <- coxph(Surv(time, event) ~ x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7, data = d,
               ties = "efron", robust = robust)
    el <- proc.time()[["elapsed"]] - t0
    cat(sprintf('{"seconds": %.6f, "coef": [%s], "se": [%s]}\n', el,
        paste(sprintf("%.12g", coef(f)), collapse = ","),
        paste(sprintf("%.12g", sqrt(diag(f$var))), collapse = ",")))
    '''
)


def run_worker(name: str, folder: str, python: str, timeout: float) -> dict | None:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    try:
        p = subprocess.run([python, "-c", WORKER, name, folder], capture_output=True, text=True,
                           env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last}
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_r(folder: str, mode: str, timeout: float) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    script = Path(folder) / "fit.R"
    script.write_text(R_SCRIPT)
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", "Rscript", str(script),
                            str(Path(folder) / "data.csv"), mode],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    except FileNotFoundError:
        return None
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["?"])[-1]}
    out = json.loads(p.stdout.strip().splitlines()[-1])
    for line in p.stderr.splitlines():
        if line.startswith("MAXRSS"):
            out["peak_mb"] = float(line.split()[1]) / 1024
    return out


def importable(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--robust-peers", action="store_true")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    py = args.python
    have = {m: importable(py, m) for m in ("lifelines", "statsmodels")}
    print(f"peers importable: {have}; Rscript: {shutil.which('Rscript') is not None}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            data = simulate(n)
            for k, v in data.items():
                np.save(f"{folder}/{k}.npy", v)
            print(f"\n=== n = {n:,}: {int(data['event'].sum()):,} events, "
                  f"{len(np.unique(data['time']))} distinct times ===")
            contenders = ["wsa_cox_efron", "wsa_cox_efron_robust", "wsa_cox_breslow"]
            if have["lifelines"]:
                contenders.append("lifelines_cox_efron")
                if args.robust_peers and n == min(args.sizes):
                    contenders.append("lifelines_cox_efron_robust")
            if have["statsmodels"]:
                contenders += ["statsmodels_cox_efron", "statsmodels_cox_breslow"]
            contenders.append("wsa_km")
            if have["lifelines"]:
                contenders.append("lifelines_km")
            if have["statsmodels"]:
                contenders.append("statsmodels_km")
            res = {c: run_worker(c, folder, py, args.timeout) for c in contenders}
            if shutil.which("Rscript"):
                import pandas as pd

                frame = pd.DataFrame(data["X"], columns=COVS)
                frame["time"], frame["event"] = data["time"], data["event"]
                frame.to_csv(f"{folder}/data.csv", index=False)
                res["R_coxph_efron"] = run_r(folder, "plain", args.timeout)
                if args.robust_peers and n == min(args.sizes):
                    res["R_coxph_efron_robust"] = run_r(folder, "robust", args.timeout)
                res["R_survfit_km"] = run_r(folder, "km", args.timeout)
            report(n, res)


def report(n: int, res: dict) -> None:
    def ref_for(name: str) -> dict | None:
        if "km" in name:
            return res.get("wsa_km")
        if "breslow" in name:
            return res.get("wsa_cox_breslow")
        return res.get("wsa_cox_efron_robust" if "robust" in name else "wsa_cox_efron")

    print(f"{'contender':30s} {'seconds':>9s} {'peak MB':>9s} {'÷ wsa':>7s}  agreement")
    for name, r in res.items():
        if r is None:
            continue
        if "error" in r:
            print(f"{name:30s} failed: {r['error']}")
            continue
        ref = ref_for(name)
        ratio = r["seconds"] / ref["seconds"] if ref and "seconds" in ref else float("nan")
        agree = ""
        if ref and ref is not r:
            for key in ("coef", "se", "surv_last"):
                if key in r and key in ref:
                    diff = np.max(np.abs(np.asarray(r[key]) - np.asarray(ref[key])))
                    agree += f"max|d {key}|={diff:.1e} "
        if "hash_seconds" in r:
            agree += f"(of which spec hash_frame ~{r['hash_seconds']:.2f} s)"
        print(f"{name:30s} {r['seconds']:9.2f} {r.get('peak_mb', float('nan')):9.0f} "
              f"{ratio:7.2f}  {agree}", flush=True)


if __name__ == "__main__":
    main()
