"""How the pooled estimate moves: leave one area out, and every plausible start date."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .._utils import progress_iter
from . import _cs

__all__ = ["leave_one_out", "start_date_bounds", "drop_from_permutations"]


def drop_from_permutations(perm_idx: np.ndarray, a: int) -> np.ndarray:
    """Permutations of the units without unit ``a``: in each row the unit that would have
    taken ``a``'s start takes the one ``a`` would have taken (so each row stays a uniform
    random permutation, within strata), then ``a`` is removed and indices renumbered."""
    q = perm_idx.copy()
    rows, cols = np.nonzero(q == a)
    q[rows, cols] = q[rows, a]
    q = np.delete(q, a, axis=1)
    return q - (q > a)


def _overall(Y, times, starts, perm_idx):
    fin = np.isfinite(starts)
    cohorts = np.unique(starts[fin])
    codes = np.where(fin, np.searchsorted(cohorts, starts), len(cohorts)).astype(int)
    lin = _cs.linear_cs(times, codes, cohorts, overall_only=True)
    est = _cs.estimates(lin, Y, codes)
    perm = _cs.estimates(lin, Y, codes[perm_idx])
    return float(est[0]), float(_cs.p_values(est, perm)[0])


def leave_one_out(Y, times, areas, starts, perm_idx, long, unit, time, methods, progress
                  ) -> pd.DataFrame:
    """The pooled effect with each treated area left out in turn (Callaway-Sant'Anna with
    its randomization p-value; synthetic DiD estimate when it is among the methods)."""
    from ..synth import sdid

    rows = []
    treated = [k for k in range(len(areas)) if np.isfinite(starts[k])]
    for k in progress_iter(treated, desc="leave one area out", progress=progress):
        keep = np.arange(len(areas)) != k
        est, p = _overall(Y[keep], times, starts[keep], drop_from_permutations(perm_idx, k))
        row = {"area": areas[k], "start": starts[k], "estimate": est,
               "percent_change": math.expm1(est), "p_value": p}
        if "sdid" in methods:
            d = long[long[unit] != areas[k]]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row["sdid_estimate"] = float(sdid(d, outcome="_y", unit=unit, time=time,
                                                  first_treated="_g",
                                                  inference=None).estimate)
        rows.append(row)
    return pd.DataFrame(rows)


def start_date_bounds(Y, times, areas, opts, combos, perm_idx, alpha, primary
                      ) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The pooled effect and its p-value over start-date combinations, and per area."""
    pos = {a: i for i, a in enumerate(areas)}
    base = np.full(len(areas), math.inf)
    for a, y in primary.items():
        base[pos[a]] = y

    def run(choice: dict) -> tuple[float, float]:
        s = base.copy()
        for a, y in choice.items():
            s[pos[a]] = y
        return _overall(Y, times, s, perm_idx)

    res = [run(c) for c in combos]
    est = np.array([r[0] for r in res])
    p = np.array([r[1] for r in res])
    tab = pd.DataFrame([{**{str(a): c[a] for a in c}, "estimate": e,
                         "percent_change": math.expm1(e), "p_value": q}
                        for c, e, q in zip(combos, est, p)])
    total = math.prod(len(ys) for ys in opts["window_years"])
    bounds = {"estimate_min": float(est.min()), "estimate_max": float(est.max()),
              "percent_min": math.expm1(float(est.min())),
              "percent_max": math.expm1(float(est.max())),
              "p_value_min": float(p.min()), "p_value_max": float(p.max()),
              "share_significant": float(np.mean(p <= alpha * (1 + 1e-9))),
              "n_evaluated": len(combos), "n_combinations": int(total),
              "all_enumerated": len(combos) >= total, "reps": int(perm_idx.shape[0])}
    sens = []
    for a, ys, ev, n in zip(opts["unit"], opts["window_years"], opts["events"],
                            opts["n_events"]):
        r = [run({a: y}) for y in ys]
        e = [x[0] for x in r]
        sens.append({"area": a, "plausible_years": ", ".join(
            "after the data" if math.isinf(y) else f"{y:g}" for y in ys),
            "primary": primary[a], "n_events": n, "events": ev,
            "percent_min": math.expm1(min(e)), "percent_max": math.expm1(max(e)),
            "p_value_min": min(x[1] for x in r), "p_value_max": max(x[1] for x in r)})
    return bounds, tab, pd.DataFrame(sens)
