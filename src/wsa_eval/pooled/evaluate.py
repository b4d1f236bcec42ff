"""The roll-out as one design: do Whole System Approaches reduce custody where they run?

The ministry's question is not whether one area's claim holds but whether the schemes work
where they run. :func:`pooled_evaluation` estimates the average effect over every area that
started one, with their staggered start years, by

* Callaway & Sant'Anna (2021) group-time effects against the never-treated areas,
  aggregated over cohorts (simple) and by years since the start (event study), and
* staggered synthetic difference-in-differences (Arkhangelsky et al. 2021; Clarke et al.
  2023), :func:`wsa_eval.synth.sdid` with a first-treated column,

on log outcomes (effects read as proportional changes).

Inference is design-based: **randomization inference that reassigns the start years across
areas** (Fisher 1935; for staggered adoption, Athey & Imbens 2022, "Design-based analysis in
difference-in-differences settings with staggered adoption", J. Econometrics 226(1)). The
observed vector of first-treated years (with "never" for areas without a scheme) is
permuted across the areas ``reps`` times, the estimator is recomputed for each permutation,
and the p-value is the share of permutations with an effect at least as large. It is exact
-- whatever the number of treated areas, 1 or 30 -- under these assumptions:

1. the sharp null: no scheme changed any area's outcome in any year;
2. exchangeable assignment: every area was as likely as any other to receive each start
   year (within ``strata`` when given, e.g. country: the Welsh pathfinder was a Wales-wide
   policy); this is what the real roll-out most plausibly violates (areas that chose to run
   schemes may differ), and the reason the size check below also uses a non-random design;
3. no interference: one area's scheme did not change another's outcome.

Confidence intervals invert the test under a constant proportional effect (the callaway
estimator is linear in the outcomes, :mod:`wsa_eval.pooled._cs`, so the inversion is exact on
a grid); synthetic DiD gets the randomization p-value and the permutation spread as its
standard error.

Start dates are uncertain (pilots, launches, funding years; the table grades each): every
area has a set of plausible first treated years (:func:`start_year_options`), and the pooled
estimate and its p-value are recomputed over the combinations of those sets (all of them
when there are at most ``max_combinations``, else a random sample plus the all-earliest and
all-latest choices): the report gives their range -- bounds, not one guess -- and, per area,
how far the estimate moves when only that area's date changes.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import (
    check_alpha,
    hash_frame,
    progress_iter,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import DataWarning, PanelError, SpecificationError, format_examples
from ..results import make_spec
from . import _cs
from ._dates import start_year_options
from .result import PooledResult

__all__ = ["pooled_evaluation"]


# ------------------------------------------------------------------------------ data
def _wide(data, outcome, unit, time, end, exclude) -> pd.DataFrame:
    require_frame(data)
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    df = data[[unit, time, outcome]]
    if not pd.api.types.is_numeric_dtype(df[time]):
        raise PanelError(f"The time column {time!r} must be numeric (e.g. the year).")
    if end is not None:
        df = df[df[time] <= end]
    if exclude:
        unknown = [a for a in exclude if a not in set(df[unit])]
        if unknown:
            raise PanelError(f"Area(s) to exclude {format_examples(unknown)} do not appear in "
                             f"the {unit!r} column.")
        df = df[~df[unit].isin(list(exclude))]
    y = pd.to_numeric(df[outcome], errors="coerce")
    bad = df[~(y > 0)]
    if len(bad):
        raise PanelError(f"The outcome {outcome!r} is zero, negative or missing at (unit, period) "
                         f"{format_examples(list(zip(bad[unit], bad[time])), quote=False)}; "
                         "effects are estimated on log outcomes (see wsa_eval.did.ppml for "
                         "counts with zeros).")
    if df.duplicated([unit, time]).any():
        dup = df[df.duplicated([unit, time], keep=False)]
        raise PanelError("Several rows for the same (unit, period): "
                         f"{format_examples(list(zip(dup[unit], dup[time])), quote=False)}.")
    wide = df.assign(_y=np.log(y)).pivot(index=unit, columns=time, values="_y")
    miss = wide.isna().stack()
    if miss.any():
        raise PanelError("The panel is not balanced: no value at (unit, period) "
                         f"{format_examples(list(miss[miss].index), quote=False)}.")
    return wide


def _options(start_dates, min_strength, unit, areas, times) -> tuple[pd.DataFrame, list, list]:
    """Plausible first treated years within the data window, per area in the data."""
    if isinstance(start_dates, pd.DataFrame):
        col = unit if unit in start_dates.columns else "pfa"
        opts = start_year_options(start_dates, min_strength=min_strength, unit=col)
    else:
        opts = start_year_options(start_dates, min_strength=min_strength)
    unknown = [a for a in opts["unit"] if a not in set(areas)]
    if unknown:
        warnings.warn(f"Area(s) {format_examples(unknown)} of the start-date table are not in "
                      "the data (or were excluded) and are ignored.", DataWarning, stacklevel=3)
    opts = opts[opts["unit"].isin(list(areas))].reset_index(drop=True)
    first, last = float(times[0]), float(times[-1])
    dropped, later = [], []
    years_in = []
    for a, ys in zip(opts["unit"], opts["years"]):
        inside = tuple(sorted({float(y) if y <= last else math.inf for y in ys if y > first}))
        if not inside:
            dropped.append(a)
        elif all(math.isinf(y) for y in inside):
            later.append(a)
        years_in.append(inside)
    opts["window_years"] = years_in
    return opts, dropped, later


# ------------------------------------------------------------------------------ pieces
def _codes(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cohorts = np.unique(starts[np.isfinite(starts)])
    codes = np.where(np.isfinite(starts), np.searchsorted(cohorts, starts), len(cohorts))
    return codes.astype(int), cohorts


def _cs_with_ri(Y, times, starts, perm_idx, alpha, invert=True) -> pd.DataFrame:
    """CS estimates of every term with randomization p-values and inverted intervals."""
    codes, cohorts = _codes(starts)
    lin = _cs.linear_cs(times, codes, cohorts)
    est = _cs.estimates(lin, Y, codes)
    perm_codes = codes[perm_idx]
    a = _cs.estimates(lin, Y, perm_codes)
    p = _cs.p_values(est, a)
    z = stats.norm.ppf(1 - alpha / 2)
    sd = a.std(axis=1)
    lo, hi = est - z * sd, est + z * sd
    if invert:
        D = np.zeros_like(Y)
        for i, s in enumerate(starts):
            D[i] = times >= s
        b = _cs.estimates(lin, D, perm_codes)
        b_obs = _cs.estimates(lin, D, codes)
        for k in range(len(lin.terms)):
            if lin.post[k] and abs(b_obs[k]) > 0.5:
                lo[k], hi[k] = _cs.invert(est[k], b_obs[k], a[k], b[k], alpha,
                                          width=max(8 * sd[k], 0.5))
    return pd.DataFrame({"term": [t if t == "overall" else f"e = {t}" for t in lin.terms],
                         "estimate": est, "std_error": sd,
                         "statistic": np.where(sd > 0, est / np.where(sd > 0, sd, 1), np.nan),
                         "p_value": p, "ci_low": lo, "ci_high": hi,
                         "event_time": [np.nan if t == "overall" else t for t in lin.terms]})


def _sdid(data_log: pd.DataFrame, unit, time, starts_by_unit, perm_starts, progress):
    """Staggered SDID estimate, its event-time gaps, and permutation estimates."""
    from ..synth import sdid

    def fit(sb):
        d = data_log.assign(_g=data_log[unit].map(sb).replace(math.inf, 0).fillna(0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sdid(d, outcome="_y", unit=unit, time=time, first_treated="_g",
                        inference=None, progress=False)

    r = fit(starts_by_unit)
    eff = r.to_frame()
    eff = eff.assign(event_time=eff["time"].astype(float) - eff["cohort"].astype(float))
    n_by = pd.Series(starts_by_unit)
    size = {c: int((n_by == c).sum()) for c in pd.unique(eff["cohort"])}
    eff["w"] = eff["cohort"].map(size).astype(float)
    ev = eff.groupby("event_time").apply(
        lambda f: float(np.average(f["estimate"], weights=f["w"])), include_groups=False)
    perm = np.array([fit(sb).estimate for sb in progress_iter(
        perm_starts, desc="synthetic DiD permutations", progress=progress)])
    return float(r.estimate), ev, perm


def _combinations(opts: pd.DataFrame, max_combinations: int, rng) -> list[dict]:
    """Start-year choices to evaluate: all, or a sample plus the extremes."""
    areas = list(opts["unit"])
    sets = [list(ys) for ys in opts["window_years"]]
    total = math.prod(len(s) for s in sets)
    if total <= max_combinations:
        combos = [dict(zip(areas, c)) for c in itertools.product(*sets)]
    else:
        combos = [dict(zip(areas, [s[0] for s in sets])), dict(zip(areas, [s[-1] for s in sets]))]
        seen = set()
        while len(combos) < max_combinations:
            c = tuple(s[rng.integers(len(s))] for s in sets)
            if c not in seen:
                seen.add(c)
                combos.append(dict(zip(areas, c)))
    return combos


# ------------------------------------------------------------------------------ user function
def pooled_evaluation(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start_dates: pd.DataFrame | Mapping[Any, Any],
    min_strength: str = "medium",
    end: Any = None,
    exclude: Sequence[Any] | None = None,
    methods: Sequence[str] = ("cs", "sdid"),
    strata: str | None = None,
    reps: int = 999,
    sdid_reps: int = 99,
    bounds_reps: int = 199,
    max_combinations: int = 2000,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
) -> PooledResult:
    """The average effect of the schemes across every area that started one.

    Parameters
    ----------
    data : DataFrame
        Long panel of areas by period (balanced, positive outcome; never modified).
    outcome, unit, time : str
        Column names.
    start_dates : DataFrame or mapping
        A table like :func:`wsa_eval.datasets.load_wsa_start_dates` (areas in ``unit`` or a
        ``pfa`` column) or ``{area: year or [plausible years]}``. Areas not in it are the
        never-treated comparisons.
    min_strength : {"low", "medium", "high"}
        Start events with weaker evidence are ignored.
    end : period, optional
        Last period used (e.g. 2020, before the pandemic's disruption of the courts).
    exclude : list, optional
        Areas to leave out altogether.
    methods : subset of ("cs", "sdid")
        Callaway & Sant'Anna (primary: the verdict is read from it) and staggered SDID.
    strata : str, optional
        Column (constant within an area) within which start years are reassigned.
    reps, sdid_reps, bounds_reps : int
        Reassignments for the Callaway-Sant'Anna test, for synthetic DiD (each is a refit)
        and for each start-date combination.
    max_combinations : int
        Start-date combinations evaluated at most (all of them when there are fewer).
    alpha, random_state, progress : as everywhere.

    Returns
    -------
    PooledResult
    """
    alpha = check_alpha(alpha)
    methods = tuple(methods)
    if not methods or any(m not in ("cs", "sdid") for m in methods) or methods[0] != "cs":
        raise SpecificationError("methods must start with 'cs' (the primary) and may add "
                                 "'sdid', e.g. ('cs', 'sdid').")
    for name, v, low in (("reps", reps, 19), ("sdid_reps", sdid_reps, 0),
                         ("bounds_reps", bounds_reps, 19), ("max_combinations",
                                                           max_combinations, 1)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
            raise SpecificationError(f"{name} must be a whole number of at least {low}, not "
                                     f"{v!r}.")
    excl = [] if exclude is None else ([exclude] if isinstance(exclude, str) else list(exclude))
    wide = _wide(data, outcome, unit, time, end, excl)
    times = wide.columns.to_numpy(float)
    opts, dropped, later = _options(start_dates, min_strength, unit, list(wide.index), times)
    if dropped:
        wide = wide.drop(index=dropped)
        opts = opts[~opts["unit"].isin(dropped)].reset_index(drop=True)
    areas = list(wide.index)
    if strata is not None:
        require_columns(data, {"strata": strata})
        st = data.groupby(unit)[strata].agg(["nunique", "first"]).reindex(areas)
        if (st["nunique"] > 1).any():
            raise PanelError(f"strata column {strata!r} changes within area(s) "
                             f"{format_examples(list(st.index[st['nunique'] > 1]))}.")
        strata_v = st["first"].to_numpy()
    else:
        strata_v = None
    primary = {a: ys[0] for a, ys in zip(opts["unit"], opts["window_years"])}
    starts = np.array([primary.get(a, math.inf) for a in areas], dtype=float)
    n_tr = int(np.isfinite(starts).sum())
    if n_tr == 0:
        raise SpecificationError("No area of the start-date table has a start inside the data "
                                 "window: there is nothing to pool.")
    if n_tr == len(areas):
        raise SpecificationError("Every area has a scheme: there is no never-treated area to "
                                 "compare with.")
    rng, seed = resolve_random_state(random_state)
    Y = wide.to_numpy(float)
    perm_idx = _cs.permuted_codes(np.arange(len(areas)), reps, rng, strata_v)
    effects = _cs_with_ri(Y, times, starts, perm_idx, alpha)
    head = effects.iloc[0]
    from ..did import callaway_santanna

    long = wide.stack().rename("_y").reset_index()
    long.columns = [unit, time, "_y"]
    long["_g"] = long[unit].map(dict(zip(areas, starts))).replace(math.inf, 0)
    cs_an = callaway_santanna(long, outcome="_y", unit=unit, time=time, first_treated="_g")
    rows = [dict(method="cs", label="Callaway-Sant'Anna, randomization inference",
                 estimate=head["estimate"], std_error=head["std_error"],
                 p_value=head["p_value"], ci_low=head["ci_low"], ci_high=head["ci_high"],
                 reps=reps),
            dict(method="cs_analytic", label="Callaway-Sant'Anna, analytic standard error",
                 estimate=cs_an.estimate, std_error=cs_an.se, p_value=cs_an.p_value,
                 ci_low=cs_an.ci_low, ci_high=cs_an.ci_high, reps=0)]
    sdid_ev = pd.Series(dtype=float)
    if "sdid" in methods:
        perm_sb = [dict(zip(areas, starts[perm_idx[r]])) for r in range(min(sdid_reps, reps))]
        est, sdid_ev, perm = _sdid(long, unit, time, dict(zip(areas, starts)), perm_sb,
                                   progress)
        sd = float(np.std(perm)) if len(perm) > 1 else math.nan
        z = stats.norm.ppf(1 - alpha / 2)
        p = (1 + np.sum(np.abs(perm) >= abs(est) * (1 - 1e-12))) / (len(perm) + 1) \
            if len(perm) else math.nan
        rows.append(dict(method="sdid", label="Synthetic DiD (staggered), randomization "
                         "inference", estimate=est, std_error=sd, p_value=p,
                         ci_low=est - z * sd, ci_high=est + z * sd, reps=len(perm)))
    methods_tab = pd.DataFrame(rows)
    for c in ("estimate", "ci_low", "ci_high"):
        methods_tab[f"{c}_percent"] = np.expm1(methods_tab[c])
    from ._sensitivity import leave_one_out, start_date_bounds

    loo = leave_one_out(Y, times, areas, starts, perm_idx, long, unit, time, methods,
                        progress)
    combos = _combinations(opts, max_combinations, rng)
    bounds, combo_tab, sens = start_date_bounds(Y, times, areas, opts, combos,
                                                perm_idx[:bounds_reps], alpha, primary)
    spec = make_spec("pooled_evaluation", dict(
        outcome=outcome, unit=unit, time=time, min_strength=min_strength, end=end,
        exclude=excl, methods=list(methods), strata=strata, reps=reps, sdid_reps=sdid_reps,
        bounds_reps=bounds_reps, max_combinations=max_combinations, alpha=alpha),
        data_hash=hash_frame(data), seed=seed)
    warns = []
    if later:
        warns.append(f"Area(s) {', '.join(map(str, later))} started after the data end and "
                     "are used as comparisons.")
    if dropped:
        warns.append(f"Area(s) {', '.join(map(str, dropped))} had schemes only before the data "
                     "begin and are left out (neither treated nor clean comparisons).")
    return PooledResult(
        method="Pooled evaluation of the roll-out (Callaway-Sant'Anna, randomization "
               "inference)", spec=spec, warnings=tuple(warns),
        diagnostics={"n_treated": n_tr, "n_comparison_units": len(areas) - n_tr,
                     "n_combinations": len(combos), "min_p_value": 1 / (reps + 1)},
        estimate=float(head["estimate"]), se=float(head["std_error"]),
        ci_low=float(head["ci_low"]), ci_high=float(head["ci_high"]),
        p_value=float(head["p_value"]), alpha=alpha,
        inference=f"randomization inference: start years reassigned across the {len(areas)} "
                  f"areas{' within strata' if strata else ''} {reps} times; interval by "
                  "inverting the test under a constant proportional effect",
        estimand="average effect on the log outcome over treated area-years (simple "
                 "aggregation of group-time effects)",
        effects=effects.iloc[1:].reset_index(drop=True).assign(
            event_time=lambda f: f["event_time"].astype(int),
            percent_change=lambda f: np.expm1(f["estimate"]),
            percent_ci_low=lambda f: np.expm1(f["ci_low"]),
            percent_ci_high=lambda f: np.expm1(f["ci_high"])),
        n_obs=int(Y.size), n_units=len(areas), n_treated=n_tr,
        methods=methods_tab, leave_one_out=loo, start_years=sens, combinations=combo_tab,
        bounds=bounds, sdid_event=pd.DataFrame({"event_time": sdid_ev.index.astype(int),
                                                "estimate": sdid_ev.to_numpy(float)}),
        treated_areas=tuple(a for a, s in zip(areas, starts) if np.isfinite(s)),
        comparison_areas=tuple(a for a, s in zip(areas, starts) if not np.isfinite(s)),
        dropped_areas=tuple(dropped), percent_change=float(np.expm1(head["estimate"])),
        percent_ci_low=float(np.expm1(head["ci_low"])),
        percent_ci_high=float(np.expm1(head["ci_high"])), outcome=outcome)
