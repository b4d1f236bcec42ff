"""The national question: do Whole System Approaches reduce women's custody where they run?

Reproduces the README's national finding (issue 13): the pooled evaluation of every police
force area that started a scheme (``load_wsa_start_dates``), with its robustness rows, the
planner's answer for Greater Manchester and the count-model (Poisson) check of GM's claim.

    MPLBACKEND=Agg .venv/bin/python examples/national_rollout.py [--quick] [--out DIR]

``--quick`` uses fewer reassignments (for a smoke test); ``--out`` writes the report.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np

import wsa_eval as we
from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates, treated_areas


def pct(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{100 * x:+.1f}%"


def pooled_rows(quick: bool) -> tuple[list[dict], we.PooledResult]:
    a, b = load_pfa_custody("A"), load_pfa_custody("B")
    sd = load_wsa_start_dates()
    wales = {"Dyfed-Powys", "Gwent", "North Wales", "South Wales"}
    a["country"] = np.where(a["pfa"].isin(wales), "Wales", "England")
    reps = 199 if quick else 999
    kw = dict(outcome="immediate_custody", unit="pfa", time="year", start_dates=sd,
              reps=reps, sdid_reps=19 if quick else 199, bounds_reps=99 if quick else 199,
              max_combinations=200 if quick else 10000, random_state=2026, progress=False)
    specs = [("Edition A, 2010-2020 (main)", a, dict(end=2020)),
             ("Edition A, 2010-2019 (before the pandemic)", a, dict(end=2019)),
             ("Edition A, 2010-2022", a, dict(end=2022)),
             ("Edition A, 2010-2020, start years reassigned within England / Wales", a,
              dict(end=2020, strata="country")),
             ("Edition A, 2010-2020, only high-evidence start dates", a,
              dict(end=2020, min_strength="high")),
             ("Edition B (Dec 2024 data), 2010-2020 without the suspect 2017", b[b["year"] != 2017],
              dict(end=2020))]
    rows, main = [], None
    for label, data, extra in specs:
        t = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = we.pooled_evaluation(data, **{**kw, **extra})
        m = r.methods.set_index("method")
        b_ = r.bounds
        rows.append({"specification": label, "areas": len(r.treated_areas),
                     "comparisons": len(r.comparison_areas), "cs": pct(r.percent_change),
                     "ci": f"{pct(r.percent_ci_low)} to {pct(r.percent_ci_high)}",
                     "p": f"{r.p_value:.3f}",
                     "sdid": f"{pct(m.loc['sdid', 'estimate_percent'])} "
                             f"(p = {m.loc['sdid', 'p_value']:.3f})",
                     "dates": f"{pct(b_['percent_min'])} to {pct(b_['percent_max'])}; "
                              f"p {b_['p_value_min']:.3f}-{b_['p_value_max']:.3f}; "
                              f"{100 * b_['share_significant']:.1f}% significant "
                              f"({b_['n_evaluated']} combinations)",
                     "seconds": round(time.time() - t)})
        main = main or r
    return rows, main


def markdown(rows: list[dict]) -> str:
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    return "\n".join(out + ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows])


def gm_count_claim() -> str:
    from wsa_eval.did.ppml import claim_gaps

    a = load_pfa_custody("A")
    a = a[a["year"] <= 2020]
    ex = [p for p in treated_areas(load_wsa_start_dates(), before=2021)
          if p != "Greater Manchester"]
    a = a[~a["pfa"].isin(ex)]
    gaps, pg, avg, pav = claim_gaps(a, outcome="immediate_custody", unit="pfa", time="year",
                                    treated="Greater Manchester", start=2014)
    g, ref = gaps.loc[2020], pg.loc[2020].to_numpy()
    n_ge = int(np.sum(np.abs(ref) >= abs(g) * (1 - 1e-12)))
    p = (1 + n_ge) / (len(ref) + 1)
    pa = (1 + int(np.sum(np.abs(pav) >= abs(avg) * (1 - 1e-12)))) / (len(pav) + 1)
    return (f"GM, Poisson event study (count scale), effect in 2020: {pct(math.expm1(g))} "
            f"(permutation p = {p:.3f} over {len(ref)} comparison areas; placebo SE "
            f"{np.std(ref):.3f} log points); average 2014-2020: {pct(math.expm1(avg))} "
            f"(p = {pa:.3f}).")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows, main_result = pooled_rows(args.quick)
    print(markdown(rows))
    print()
    print(main_result.interpret())
    print(main_result.effects[["event_time", "percent_change", "percent_ci_low",
                               "percent_ci_high", "p_value"]].to_string(index=False))
    print(main_result.leave_one_out.to_string(index=False))
    print(main_result.start_years.drop(columns="events").to_string(index=False))
    print(gm_count_claim())
    a = load_pfa_custody("A")
    a = a[a["year"] <= 2020]
    ex = [p for p in treated_areas(load_wsa_start_dates(), before=2021)
          if p != "Greater Manchester"]
    plan = we.plan_evaluation(a, outcome="immediate_custody", unit="pfa", time="year",
                              treated="Greater Manchester", start=2014, end=2020, exclude=ex)
    print(plan.sentence)
    print(plan.power.to_string(index=False))
    print(plan.horizons.to_string(index=False))
    print(plan.pools.to_string(index=False))
    if args.out:
        we.report([main_result, plan], args.out, scheme="Whole System Approaches",
                  title="Do Whole System Approaches reduce women's custody where they run?")
        print(f"Report written to {args.out}")


if __name__ == "__main__":
    main()
