"""Nested-V synthetic control on hard problems (issue 14): does the default search reach the
best fit, and how long does it take?

For each problem: the pre-period MSPE of the default search (``n_starts=None``, adaptive),
of a 200-start run, and of an independent brute force (scipy NNLS inner solver, 4,000
random V, Nelder-Mead polish; tests/reference/synth_adh/hard_problems.py), with the default
run repeated over several seeds (the worst seed is the one that counts). Problems: the six
seeded hard problems of tests/reference/synth_adh/hard_problems.py, California Proposition 99
(ADH 2010) and the Basque Country (Abadie & Gardeazabal 2003), the last two from the shared
reference data when present (``--data DIR``, default ../shared/data/reference), and any
extra problem given as ``--extra module:function`` returning ``(data, spec)``.

Timing: wall and CPU seconds of the Proposition 99 fit (target: under 1 s wall), repeated;
the machine is shared, so the load average is printed with the numbers.

    PYTHONPATH=src python benchmarks/synth/bench_adh_hard.py [--seeds 5] [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from wsa_eval.synth import synthetic_control  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "hard_problems", ROOT / "tests" / "reference" / "synth_adh" / "hard_problems.py")
hard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hard)

PROP99 = dict(outcome="cigsale", unit="state", time="year", treated="California", start=1989,
              predictors=["lnincome", "age15to24", "retprice", "beer"],
              predictor_periods=range(1980, 1989),
              special_predictors=[("cigsale", [1988]), ("cigsale", [1980]),
                                  ("cigsale", [1975])])
BASQUE = dict(outcome="gdpcap", unit="regionname", time="year",
              treated="Basque Country (Pais Vasco)", start=1970, exclude=["Spain (Espana)"],
              pre_period=range(1960, 1970),
              predictors=["school.illit", "school.prim", "school.med", "school.high",
                          "school.post.high", "invest"], predictor_periods=range(1964, 1970),
              special_predictors=[("gdpcap", range(1960, 1970))]
              + [(f"sec.{s}", range(1961, 1970, 2)) for s in
                 ("agriculture", "energy", "industry", "construction", "services.venta",
                  "services.nonventa")] + [("popdens", [1969])])


def problems(data_dir: Path, extra: list[str]) -> dict:
    out = {name: make for name, make in hard.PROBLEMS.items()}
    if (data_dir / "prop99_smoking.csv").exists():
        out["prop99"] = lambda: (pd.read_csv(data_dir / "prop99_smoking.csv"), PROP99)
        out["basque"] = lambda: (pd.read_csv(data_dir / "basque.csv"), BASQUE)
    for e in extra:
        mod, fn = e.split(":")
        out[fn] = getattr(importlib.import_module(mod), fn)
    return out


def fit(data, spec, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0, c0 = time.perf_counter(), time.process_time()
        r = synthetic_control(data, **spec, **kw)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    conv = [str(w.message)[:60] for w in caught if w.category.__name__ == "ConvergenceWarning"]
    return r, wall, cpu, conv


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="default-search repeats (seeds)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "reference"))
    ap.add_argument("--extra", nargs="*", default=[], help="module:function problems")
    ap.add_argument("--quick", action="store_true", help="skip the brute force")
    a = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}")
    rows = []
    for name, make in problems(Path(a.data), a.extra).items():
        data, spec = make()
        runs = [fit(data, spec, random_state=s) for s in range(a.seeds)]
        r200, w200, _, _ = fit(data, spec, n_starts=200, random_state=12345)
        bf = np.nan
        if not a.quick:
            bf = hard.brute_force(*hard.design(data, spec))
        mspes = [r.diagnostics["fit_mspe"] for r, *_ in runs]
        best = np.nanmin([r200.diagnostics["fit_mspe"], bf, *mspes])
        rows.append({
            "problem": name, "K": len(runs[0][0].v_weights), "J": runs[0][0].n_donors,
            "default (worst seed)": max(mspes), "default (best seed)": min(mspes),
            "200 starts": r200.diagnostics["fit_mspe"], "brute force": bf,
            "worst default vs best known %": 100 * (max(mspes) / best - 1),
            "default wall s (median)": float(np.median([w for _, w, _, _ in runs])),
            "default cpu s (median)": float(np.median([c for _, _, c, _ in runs])),
            "200 starts wall s": w200,
            "certified": bool(runs[0][0].diagnostics["certified_optimal"]),
            "convergence warnings": sum(len(c) for *_, c in runs),
        })
        print(rows[-1], flush=True)
    tab = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", lambda x: f"{x:.6g}"):
        print(tab.to_string(index=False))
    if (Path(a.data) / "prop99_smoking.csv").exists():
        data, spec = problems(Path(a.data), [])["prop99"]()
        times = [fit(data, spec, random_state=s)[1:3] for s in range(10)]
        wall = [t[0] for t in times]
        cpu = [t[1] for t in times]
        print(f"Proposition 99 default fit, 10 runs: wall median {np.median(wall):.3f} s "
              f"(min {min(wall):.3f}, max {max(wall):.3f}); cpu median {np.median(cpu):.3f} s;"
              f" load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
