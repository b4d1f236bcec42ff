"""Plan an evaluation before running it: what effect could the claim check detect?

With one treated area among about 40, ``validation/RESULTS.md`` shows that a true 30%
reduction is detected about a third of the time, so "inconclusive" is the expected answer
for most single-area claims. :func:`plan_evaluation` tells a funded area, from its own panel,
how large an effect its evaluation could detect *before* it collects a year of data.

Design (placebo injection on the real series, as ``validation/size_power.py``): the treated
area is set aside; each comparison area in turn is given the scheme on paper from the
planned start, a known effect is added to its outcomes from then on, and the claim check's
statistic and verdict rule are applied with the other comparison areas as its comparisons
and its placebos. By default that is **the synthetic difference-in-differences effect in the
end year with check_claim's verdict rule** (the placebo-standard-error interval excludes
zero and the exact permutation p-value is at most ``alpha``; ``statistic="average"`` plans
for the average effect over the post-period instead). The answer respects the data's own
noise, serial correlation and differences between areas. Because an added effect moves the
estimate by exactly its size (the weights do not depend on the post-period of the treated
area), power is computed exactly over the areas, for any effect, from one set of placebo
fits per design (:mod:`wsa_eval.planning._design`).

Assumptions and limits: the comparison areas' noise is like the treated area's would be;
the effect is a constant proportional change from the start on; each fake treated area has
one comparison area fewer than the real check will (its reference distribution has ``J-1``
placebos, so the planner is slightly conservative). When the data do not yet reach the
planned end (planning ahead), the design is moved back so that its post-period is the last
years of data (the same number of years after the start), and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import (
    check_alpha,
    check_choice,
    hash_frame,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import PanelError, SpecificationError, format_examples
from ..results import make_spec
from ._design import detection_thresholds, mde_from_thresholds, placebo_effects, power_at
from .result import PlanResult

__all__ = ["plan_evaluation", "EFFECTS"]

#: the reductions the power table reports
EFFECTS: tuple[float, ...] = (-0.1, -0.2, -0.3, -0.4, -0.5, -0.6)
_CURVE = np.round(np.arange(0.0, -0.801, -0.01), 2)


def _panel(data, outcome, unit, time, treated) -> pd.DataFrame:
    """Areas x periods matrix of log outcomes (balanced, positive)."""
    require_frame(data)
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    df = data[[unit, time, outcome]]
    if not pd.api.types.is_numeric_dtype(df[time]):
        raise PanelError(f"The time column {time!r} must be numeric (e.g. the year).")
    if df.duplicated([unit, time]).any():
        dup = df[df.duplicated([unit, time], keep=False)]
        raise PanelError("Several rows for the same (unit, period): "
                         f"{format_examples(list(zip(dup[unit], dup[time])), quote=False)}.")
    units = set(pd.unique(df[unit]))
    if treated not in units:
        some = format_examples(sorted(map(str, units)), 8)
        raise PanelError(f"The treated area {treated!r} does not appear in the {unit!r} column. "
                         f"Areas in the data include {some}.")
    y = pd.to_numeric(df[outcome], errors="coerce")
    bad = df[~(y > 0)]
    if len(bad):
        raise PanelError(f"The outcome {outcome!r} is zero, negative or missing at (unit, period) "
                         f"{format_examples(list(zip(bad[unit], bad[time])), quote=False)}; the "
                         "planner works with proportional changes (log outcomes). Drop those "
                         "areas or use a count model (wsa_eval.did.ppml).")
    wide = df.assign(**{outcome: np.log(y)}).pivot(index=unit, columns=time, values=outcome)
    gaps = wide.isna().stack()
    if gaps.any():
        miss = list(gaps[gaps].index)
        raise PanelError(f"The panel is not balanced: no {outcome!r} value at (unit, period) "
                         f"{format_examples(miss, quote=False)}.")
    return wide


def _window(times: np.ndarray, start: Any, end: Any) -> tuple[int, Any, Any, bool, int]:
    """Years after the start, the design's start and end period, whether it was moved back
    (planning ahead), and the number of periods before the design's start."""
    last = times[-1]
    if end is None:
        if start > last:
            raise SpecificationError(
                f"The data end in {last:g}, before the planned start {start:g}: give end= (the "
                "last year the evaluation will use).")
        end = last
    if not end >= start:
        raise SpecificationError(f"end ({end}) must not come before start ({start}).")
    if end <= last:
        n_post = int(np.sum((times >= start) & (times <= end)))
        if n_post == 0:
            raise PanelError(f"No period of the data falls between start {start} and end {end}.")
        d_start, d_end, shifted = start, end, False
    else:
        steps = np.diff(times)
        if not (len(steps) and np.allclose(steps, steps[0])):
            raise SpecificationError("Planning beyond the data needs equally spaced periods.")
        n_post = int(round((end - start) / steps[0])) + 1
        if n_post > len(times) - 2:
            raise SpecificationError(
                f"{n_post} periods after the start need at least {n_post + 2} periods of data "
                f"to plan with; the data have {len(times)}.")
        d_start, d_end, shifted = times[-n_post], last, True
    n_pre = int(np.sum(times < d_start))
    if n_pre < 2:
        raise PanelError(f"Only {n_pre} period(s) before {d_start:g}: at least two are needed.")
    return n_post, d_start, d_end, shifted, n_pre


def _scenario(method, wide, pool, times_all, d_start, d_end, statistic, alpha, power, reps,
              rng, nested=False) -> dict:
    """Placebo fits of one design (pool x window) and its power and MDE."""
    keep = times_all <= d_end
    Y = wide.loc[list(pool)].to_numpy(float)[:, keep]
    times = times_all[keep]
    J = len(pool)
    rows = np.arange(J) if J <= reps else np.sort(rng.choice(J, size=reps, replace=False))
    g_end, g_avg = placebo_effects(method, Y, times, d_start, rows)
    pick = 0 if statistic == "end" else 1
    g = (g_end, g_avg)[pick]
    refs = None
    if nested:  # the claim check's own placebos: fitted with the fake treated area left out
        refs = [placebo_effects(method, np.delete(Y, j, axis=0), times, d_start)[pick]
                for j in rows]
    thr = detection_thresholds(g, alpha, references=refs)
    curve = [power_at(math.log1p(e), thr) for e in _CURVE]
    return {"n_comparison": J, "areas": [pool[i] for i in rows], "g": g, "thresholds": thr,
            "mde": math.expm1(mde_from_thresholds(thr, power)),
            "mde_half": math.expm1(mde_from_thresholds(thr, 0.5)),
            "curve": curve, "n_fake": len(rows)}


def plan_evaluation(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    end: Any = None,
    method: str = "sdid",
    alpha: float = 0.05,
    power: float = 0.8,
    reps: int = 200,
    random_state: int | np.random.Generator | None = None,
    exclude: Sequence[Any] | None = None,
    statistic: str = "end",
    nested: bool = False,
) -> PlanResult:
    """How large an effect could a claim check of ``treated`` from ``start`` detect?

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per area and period (a balanced panel of positive outcomes;
        never modified). Only the comparison areas' series are used.
    outcome, unit, time : str
        Column names.
    treated : label
        The area to be evaluated (set aside: its own series is not used).
    start : period
        The first period the scheme could affect.
    end : period, optional
        The last period the evaluation will use (default: the last period of the data). It
        may lie beyond the data when planning ahead: the design is then moved back so that
        its post-period is the data's last ``end - start + 1`` periods.
    method : {"sdid", "sc", "did"}
        The claim check's estimator to plan for (its primary is ``"sdid"``).
    alpha, power : float
        The test level and the power at which the minimum detectable effect is read.
    reps : int
        Largest number of comparison areas given the scheme in turn (placebo assignments);
        with more areas a random sample of this many is used (``random_state``). With 200
        (default) every area of a police-force-area panel is used: the answer is exact and
        needs no seed.
    random_state : int, Generator or None
        Seed for that sample.
    exclude : list, optional
        Areas to leave out of the comparison pool (e.g. areas with schemes of their own,
        ``wsa_eval.datasets.treated_areas``). The answer is then also given for the larger
        pool of all areas.
    statistic : {"end", "average"}
        Plan for the effect in the end year (check_claim's verdict, default) or for the
        average effect over the post-period.
    nested : bool
        Compare each fake treated area with placebos fitted without it, exactly as the
        claim check does (about ``J`` times slower). The default reuses one set of placebo
        fits, in which the fake treated area is one of the others' comparisons; on the
        Greater Manchester panel the two give minimum detectable effects of -68.8% and
        -69.0% and powers that differ by at most one area of 26.

    Returns
    -------
    PlanResult
        ``mde`` (a proportional change, e.g. ``-0.45``), ``power`` (effect and power),
        ``horizons`` (how the MDE changes with more years after the start), ``pools``
        (with all areas as comparisons), ``sentence``, ``plot()``, ``report_content()``.
    """
    alpha = check_alpha(alpha)
    check_choice("method", method, ("sdid", "sc", "did"))
    check_choice("statistic", statistic, ("end", "average"))
    if not (isinstance(power, (int, float)) and 0 < power < 1):
        raise SpecificationError(f"power must be between 0 and 1 (e.g. 0.8), not {power!r}.")
    if not isinstance(reps, (int, np.integer)) or isinstance(reps, bool) or reps < 10:
        raise SpecificationError(f"reps must be a whole number of at least 10, not {reps!r}.")
    wide = _panel(data, outcome, unit, time, treated)
    times = wide.columns.to_numpy()
    n_post, d_start, d_end, shifted, n_pre = _window(times, start, end)
    end = d_end if end is None else end
    excl = [] if exclude is None else ([exclude] if isinstance(exclude, str) else list(exclude))
    unknown = [a for a in excl if a not in wide.index]
    if unknown:
        raise PanelError(f"Area(s) to exclude {format_examples(unknown)} do not appear in the "
                         f"{unit!r} column.")
    everyone = [u for u in wide.index if u != treated]
    pool = [u for u in everyone if u not in set(excl)]
    if len(pool) < 3:
        raise PanelError(f"Only {len(pool)} comparison area(s) are left: the planner needs at "
                         "least three.")
    rng, seed = resolve_random_state(random_state)
    main = _scenario(method, wide, pool, times, d_start, d_end, statistic, alpha, power, reps,
                     rng, nested)
    post_times = times[(times >= d_start) & (times <= d_end)]
    horizons, curves = [], []
    for h, t_end in enumerate(post_times, start=1):
        sc = main if h == len(post_times) else _scenario(
            method, wide, pool, times, d_start, t_end, statistic, alpha, power, reps, rng,
            nested)
        horizons.append({"years_after_start": h, "end": t_end if not shifted else
                         start + (t_end - d_start), "n_comparison": sc["n_comparison"],
                         "mde": sc["mde"], "mde_half": sc["mde_half"],
                         "power_30": power_at(math.log(0.7), sc["thresholds"])})
        curves.append(pd.DataFrame({"design": f"{h} years after the start", "effect": _CURVE,
                                    "power": sc["curve"], "years_after_start": h,
                                    "n_comparison": sc["n_comparison"]}))
    pools = [{"pool": "without the excluded areas" if excl else "all other areas",
              "n_comparison": main["n_comparison"], "mde": main["mde"],
              "mde_half": main["mde_half"], "power_30": power_at(math.log(0.7),
                                                                 main["thresholds"])}]
    if excl:
        big = _scenario(method, wide, everyone, times, d_start, d_end, statistic, alpha, power,
                        reps, rng, nested)
        pools.append({"pool": "all other areas", "n_comparison": big["n_comparison"],
                      "mde": big["mde"], "mde_half": big["mde_half"],
                      "power_30": power_at(math.log(0.7), big["thresholds"])})
        curves.append(pd.DataFrame({"design": f"all {big['n_comparison']} other areas",
                                    "effect": _CURVE, "power": big["curve"],
                                    "years_after_start": n_post,
                                    "n_comparison": big["n_comparison"]}))
    J = main["n_fake"]
    ptab = pd.DataFrame({"effect": list(EFFECTS),
                         "power": [power_at(math.log1p(e), main["thresholds"]) for e in EFFECTS]})
    ptab["n_detected"] = np.round(ptab["power"] * J).astype(int)
    ptab["n_areas"] = J
    areas = pd.DataFrame({"area": main["areas"], "placebo_effect": np.expm1(main["g"]),
                          "detected_below": np.expm1(main["thresholds"])})
    spec = make_spec("plan_evaluation", dict(
        outcome=outcome, unit=unit, time=time, treated=treated, start=start, end=end,
        method=method, alpha=alpha, power=power, reps=reps, exclude=list(excl),
        statistic=statistic, nested=nested), data_hash=hash_frame(data), seed=seed)
    warns = []
    if 1 / J > alpha:
        warns.append(f"With {J} comparison areas the permutation test cannot reach the "
                     f"{100 * alpha:g}% level (smallest p-value 1/{J}): no effect can be "
                     "detected. Add comparison areas or pool areas that started schemes.")
    return PlanResult(
        method="Evaluation plan (placebo injection)", spec=spec, warnings=tuple(warns),
        diagnostics={"n_fake_treated": J, "min_p_value": 1 / J},
        treated=treated, start=start, end=end, estimator=method, statistic=statistic,
        alpha=alpha, target_power=float(power), mde=main["mde"], mde_half=main["mde_half"],
        power=ptab, horizons=pd.DataFrame(horizons), pools=pd.DataFrame(pools),
        power_curve=pd.concat(curves, ignore_index=True), areas=areas,
        n_comparison=main["n_comparison"], n_post=n_post, n_pre=n_pre,
        design_start=d_start, design_end=d_end, shifted=shifted, excluded=tuple(excl),
        comparison=tuple(pool))
