"""Time the evaluation planner on the Greater Manchester panel (issue 13: under 10 s with
the default reps on the 2-core machine).

    MPLBACKEND=Agg .venv/bin/python benchmarks/national/bench_plan.py [--quick] [--repeat N]

Contenders, side by side in the same run: ``plan_evaluation`` with its defaults (one set of
placebo fits per design) and ``nested=True`` (each fake treated area's placebos refitted
without it, exactly as check_claim does; about J times the work). No peer package plans a
synthetic-DiD claim check, so the nested design is the comparison. Each contender runs
``--repeat`` times; the table gives wall and CPU seconds (the process's CPU time is what an
otherwise idle machine would need), the load average before each run, and the ratio.
``--quick`` runs the default design only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "src"))


def run(nested: bool) -> tuple[float, float, object]:
    from wsa_eval import plan_evaluation
    from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates, treated_areas

    a = load_pfa_custody("A")
    a = a[a["year"] <= 2020]
    ex = [p for p in treated_areas(load_wsa_start_dates(), min_strength="medium", before=2021)
          if p != "Greater Manchester"]
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = plan_evaluation(a, outcome="immediate_custody", unit="pfa", time="year",
                            treated="Greater Manchester", start=2014, end=2020, exclude=ex,
                            nested=nested)
    return time.perf_counter() - t, time.process_time() - c, r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    run(False)  # warm-up: imports, data loading
    rows = []
    for nested in ([False] if a.quick else [False, True]):
        for k in range(a.repeat if not nested else 1):
            load = os.getloadavg()[0]
            wall, cpu, r = run(nested)
            rows.append((("nested=True" if nested else "default"), k + 1, wall, cpu, load,
                         r.mde))
    print("| contender | run | wall s | CPU s | load (1 min) | MDE |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, k, wall, cpu, load, mde in rows:
        print(f"| {name} | {k} | {wall:.1f} | {cpu:.1f} | {load:.1f} | {100 * mde:.1f}% |")
    d = [r for r in rows if r[0] == "default"]
    n = [r for r in rows if r[0] != "default"]
    best = min(r[3] for r in d)
    print(f"\ndefault: best CPU {best:.1f} s, best wall {min(r[2] for r in d):.1f} s "
          f"(target: under 10 s)")
    if n:
        print(f"nested / default CPU ratio: {n[0][3] / best:.1f}x")
    print(f"machine: {os.cpu_count()} cores; load average now {os.getloadavg()}")


if __name__ == "__main__":
    main()
