"""Poisson pseudo-maximum-likelihood difference-in-differences for counts.

Wooldridge, J. M. (2023). "Simple approaches to nonlinear difference-in-differences with
panel data". *The Econometrics Journal* 26(3): C31-C66.

Custody of women in one police force area is a count of tens, sometimes of single figures,
with zeros in local data. Log counts fail at zero and are noisy when counts are small; a
Poisson model for the count keeps the zeros and weights each area by its size. The model is

    E[y_it] = exposure_it * exp(alpha_i + gamma_t + sum_c tau_c D_c,it),

with unit effects ``alpha_i`` (or cohort effects), period effects ``gamma_t`` and one
treatment effect ``tau_c`` per adoption cohort and period ``c = (g, t)`` (Wooldridge's
extended two-way fixed effects: every cohort-period cell gets its own effect, so there are no
"forbidden" comparisons of later- with earlier-treated units). ``exp(tau_c)`` is the ratio of
the expected count with the scheme to the count without it; ``exposure`` (e.g. the female
population) makes the model one for rates. Estimated by Poisson QMLE, which is consistent
whenever the conditional mean is right, whatever the distribution of the counts (so
over-dispersion does not matter; Gourieroux, Monfort & Trognon 1984; Santos Silva & Tenreyro
2006). With Poisson, unit and cohort effects give the same ``tau_c`` (Wooldridge 2023).

Effects are reported as percentage changes: over a set of treated unit-periods, the ratio of
the fitted counts to the fitted counts with the scheme switched off, minus one; and as
average differences in counts (Wooldridge's average treatment effects on the treated).

Assumptions: parallel trends in the *ratio* of expected untreated counts (the untreated
count of treated and comparison units would have changed by the same proportion), no
anticipation, staggered adoption, and no spill-overs to comparison units.

Inference (``inference=``): ``"cluster"`` (cluster-robust, by unit unless ``cluster=`` names
a column, with R fixest's small-sample factor; valid with many treated clusters); or
``"randomization"``: with one treated unit, every comparison unit in turn is given the
scheme (placebo-in-space, the treated unit left out: an exact permutation p-value with
smallest value ``1/(J+1)``, and the spread of the placebo effects as the standard error);
with several, the first-treated periods are reassigned across all units ``reps`` times.
``"auto"`` uses randomization with fewer than 10 treated units.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils import (
    check_alpha,
    check_choice,
    hash_frame,
    progress_iter,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import (
    ConvergenceWarning,
    DataWarning,
    EstimationError,
    InferenceWarning,
    PanelError,
    SpecificationError,
    format_examples,
)
from ..results import make_spec
from . import _ppml_core as core
from ._ppml_result import PPMLResult
from ._ppml_tables import build_result, stat_gradients, terms

__all__ = ["ppml", "PPMLResult", "claim_gaps"]

_FEW_TREATED = 10


# ------------------------------------------------------------------------------ the data
def _first_treated(df: pd.DataFrame, unit: str, time: str, treated: Any, start: Any,
                   treatment: str | None, first_treated: str | None) -> pd.Series:
    """First treated period of every unit (``inf`` for never treated)."""
    given = [x is not None for x in (treated, treatment, first_treated)]
    if sum(given) != 1:
        raise SpecificationError(
            "Give the treatment timing one way: treated= (with start=), treatment= (a 0/1 "
            "column) or first_treated= (a column of first treated periods).")
    units = pd.unique(df[unit])
    if first_treated is not None:
        g = df.groupby(unit, sort=False)[first_treated].agg(["min", "max"])
        bad = g.index[(g["min"] != g["max"]) & g["min"].notna()]
        if len(bad):
            raise PanelError(f"first_treated column {first_treated!r} changes over time within "
                             f"unit(s) {format_examples(list(bad))}.")
        v = g["min"].astype(float)
        return v.where(v.notna() & (v > 0), math.inf)
    if treatment is not None:
        d = pd.to_numeric(df[treatment], errors="coerce")
        if not d.isin([0, 1]).all():
            raise PanelError(f"treatment column {treatment!r} must hold only 0 and 1.")
        on = df.loc[d == 1].groupby(unit)[time].min()
        out = pd.Series(math.inf, index=units, dtype=float)
        out.loc[on.index] = on.astype(float)
        later = df[(d == 0).to_numpy() & (df[time].to_numpy(float)
                                          >= out.reindex(df[unit]).to_numpy())]
        if len(later):
            raise PanelError(
                f"treatment column {treatment!r} switches off again in unit(s) "
                f"{format_examples(list(pd.unique(later[unit])))}; ppml assumes that once "
                "treated, a unit stays treated (staggered adoption).")
        return out
    if start is None:
        raise SpecificationError("Give start= (the first treated period) with treated=.")
    tu = [treated] if np.isscalar(treated) else list(treated)
    missing = [u for u in tu if u not in set(units)]
    if missing:
        raise PanelError(f"Treated unit(s) {format_examples(missing)} do not appear in the "
                         f"{unit!r} column.")
    out = pd.Series(math.inf, index=units, dtype=float)
    for u in tu:
        s = start.get(u) if isinstance(start, dict) else start
        if s is None:
            raise SpecificationError(f"start= has no first treated period for {u!r}.")
        out.loc[u] = float(s)
    return out


def _prepare(data, outcome, unit, time, exposure, covariates, cluster, treated, start,
             treatment, first_treated) -> tuple[pd.DataFrame, list[str]]:
    require_frame(data)
    covs = [covariates] if isinstance(covariates, str) else list(covariates or [])
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time,
                           "exposure": exposure, "covariates": covs, "cluster": cluster,
                           "treatment": treatment, "first_treated": first_treated})
    cols = list(dict.fromkeys([unit, time, outcome] + covs + [c for c in (
        exposure, cluster, treatment, first_treated) if c is not None]))
    df = data[cols].copy()
    if not pd.api.types.is_numeric_dtype(df[time]):
        raise PanelError(f"The time column {time!r} must be numeric (e.g. the year).")
    if df.duplicated([unit, time]).any():
        dup = df[df.duplicated([unit, time], keep=False)]
        raise PanelError(f"Several rows for the same (unit, period): "
                         f"{format_examples(list(zip(dup[unit], dup[time])), quote=False)}.")
    for c, what in [(outcome, "outcome")] + [(x, "covariate") for x in covs] + (
            [(exposure, "exposure")] if exposure else []):
        v = pd.to_numeric(df[c], errors="coerce")
        bad = df[~np.isfinite(v.to_numpy(float))]
        if len(bad):
            raise PanelError(f"The {what} {c!r} is missing or not a number at (unit, period) "
                             f"{format_examples(list(zip(bad[unit], bad[time])), quote=False)}.")
        df[c] = v.astype(float)
    neg = df[df[outcome] < 0]
    if len(neg):
        raise PanelError(f"The outcome {outcome!r} is negative at (unit, period) "
                         f"{format_examples(list(zip(neg[unit], neg[time])), quote=False)}; "
                         "a Poisson model needs counts (or other values >= 0).")
    if exposure is not None:
        bad = df[df[exposure] <= 0]
        if len(bad):
            where = format_examples(list(zip(bad[unit], bad[time])), quote=False)
            raise PanelError(f"The exposure {exposure!r} must be positive, but is not at "
                             f"(unit, period) {where}.")
    g = _first_treated(df, unit, time, treated, start, treatment, first_treated)
    out = pd.DataFrame({"u": df[unit].to_numpy(), "t": df[time].to_numpy(float),
                        "y": df[outcome].to_numpy(float),
                        "off": np.log(df[exposure].to_numpy(float)) if exposure else 0.0,
                        "cl": df[cluster].to_numpy() if cluster else df[unit].to_numpy()})
    out["g"] = g.reindex(out["u"]).to_numpy(float)
    for k, x in enumerate(covs):
        out[f"x{k}"] = df[x].to_numpy(float)
    if not np.isfinite(out["g"]).any():
        raise SpecificationError("No unit is ever treated: there is no effect to estimate.")
    first = out["t"].min()
    always = pd.unique(out.loc[out["g"] <= first, "u"])
    if len(always):
        raise PanelError(f"Unit(s) {format_examples(list(always))} are treated from the first "
                         f"period ({first:g}): there is no period before their start to compare "
                         "with. Drop them or give later data.")
    zero = out.groupby("u")["y"].transform("sum") <= 0
    if zero.any():
        gone = list(pd.unique(out.loc[zero, "u"]))
        warnings.warn(f"Unit(s) {format_examples(gone)} have a zero outcome in every period and "
                      "carry no information in a Poisson model with unit effects; they are left "
                      "out.", DataWarning, stacklevel=3)
        out = out[~zero].reset_index(drop=True)
    return out, covs


# ------------------------------------------------------------------------------ the design
@dataclass(frozen=True)
class _Design:
    X: np.ndarray
    X0: np.ndarray  # the same with the scheme switched off
    names: list
    groups: np.ndarray
    clusters: np.ndarray
    cells: list  # (g, t) of the treatment cells kept
    dropped: list
    n_absorbed: int  # number of absorbed effects not nested in clusters (for the ssc)


def _cells(df: pd.DataFrame, all_periods: bool) -> list[tuple[float, float]]:
    """Treatment cells: (cohort, period) with t >= g, or every t != g - 1 (event study)."""
    times = np.sort(pd.unique(df["t"]))
    out = []
    for g in np.sort(pd.unique(df.loc[np.isfinite(df["g"]), "g"])):
        before = times[times < g]
        ref = before[-1] if len(before) else None
        sub = set(pd.unique(df.loc[df["g"] == g, "t"]))
        for t in times:
            if t in sub and (t >= g or (all_periods and t != ref)):
                out.append((float(g), float(t)))
    return out


def _two_way_resid(x: np.ndarray, g_codes: np.ndarray, t_codes: np.ndarray) -> np.ndarray:
    """``x`` net of cohort and period effects (least squares on both sets of dummies)."""
    D = np.column_stack([np.eye(g_codes.max() + 1)[g_codes], np.eye(t_codes.max() + 1)[t_codes]])
    coef, *_ = np.linalg.lstsq(D, x, rcond=None)
    return x - D @ coef


def _design(df: pd.DataFrame, covs: list, cells: list, fixed_effects: str) -> _Design:
    t_vals = np.sort(pd.unique(df["t"]))
    t_codes = np.searchsorted(t_vals, df["t"].to_numpy())
    gk = np.where(np.isfinite(df["g"]), df["g"], np.inf)
    g_vals = np.unique(gk)
    g_codes = np.searchsorted(g_vals, gk)
    cols, names, treat_cols = [], [], []
    for k, t in enumerate(t_vals[1:], start=1):
        cols.append((t_codes == k).astype(float))
        names.append(f"time::{t:g}")
    D = [((gk == g) & (df["t"].to_numpy() == t)).astype(float) for g, t in cells]
    for (g, t), d in zip(cells, D):
        treat_cols.append(len(cols))
        cols.append(d)
        names.append(f"treat::{g:g}:{t:g}")
    for k in range(len(covs)):
        x = df[f"x{k}"].to_numpy(float)
        cols.append(x)
        names.append(covs[k])
        for j, g in enumerate(g_vals):
            if np.isfinite(g):
                cols.append(x * (g_codes == j))
                names.append(f"cohort::{g:g}:{covs[k]}")
        for j, t in enumerate(t_vals[1:], start=1):
            cols.append(x * (t_codes == j))
            names.append(f"time::{t:g}:{covs[k]}")
        xdm = _two_way_resid(x, g_codes, t_codes)
        for (g, t), d in zip(cells, D):
            treat_cols.append(len(cols))
            cols.append(d * xdm)
            names.append(f"treat::{g:g}:{t:g}:{covs[k]}_dm")
    X = np.column_stack(cols) if cols else np.zeros((len(df), 0))
    is_treat = np.zeros(X.shape[1], bool)
    is_treat[treat_cols] = True
    if fixed_effects == "unit":
        groups = pd.factorize(df["u"])[0]
    else:
        groups = g_codes
    clusters = pd.factorize(df["cl"])[0]
    Xk, kept, dropped = core.drop_collinear(X, groups, names)
    keep_idx = [names.index(n) for n in kept]
    X0 = Xk.copy()
    X0[:, is_treat[keep_idx]] = 0.0
    kept_cells = [c for c in cells if f"treat::{c[0]:g}:{c[1]:g}" in kept]
    nested = all(len(set(clusters[groups == k])) == 1 for k in range(groups.max() + 1))
    return _Design(X=Xk, X0=X0, names=kept, groups=groups, clusters=clusters, cells=kept_cells,
                   dropped=dropped, n_absorbed=0 if nested else int(groups.max() + 1))


def _fit(df: pd.DataFrame, covs: list, event_study: bool, control_group: str,
         fixed_effects: str):
    cells = _cells(df, all_periods=event_study or control_group == "never_treated")
    if not cells:
        raise EstimationError("No treated unit has a period at or after its start in the data.")
    des = _design(df, covs, cells, fixed_effects)
    y = df["y"].to_numpy(float)
    fit = core.fit_poisson(y, des.X, des.groups, df["off"].to_numpy(float))
    return des, fit


def _term_estimates(df, des, fit) -> dict[str, float]:
    """Log-ratio estimate of every term (for placebo and permutation refits)."""
    out = {}
    for name, mask in terms(df, des.cells).items():
        if mask.any():
            out[name] = stat_gradients(fit, des.X, des.X0, des.groups, mask)[0]["log"][0]
    return out


# ------------------------------------------------------------------------------ inference
def _placebo_draws(df, covs, event_study, control_group, fixed_effects, rng, reps, progress):
    """Placebo (one treated unit) or permutation (several) estimates of every term."""
    treated_units = pd.unique(df.loc[np.isfinite(df["g"]), "u"])
    if len(treated_units) == 1:
        g = float(df.loc[df["u"] == treated_units[0], "g"].iloc[0])
        rest = df[df["u"] != treated_units[0]]
        controls = list(pd.unique(rest["u"]))
        assignments = [(rest.assign(g=np.where(rest["u"] == c, g, np.inf))) for c in controls]
        exact = True
    else:
        units = pd.unique(df["u"])
        g_by_u = df.groupby("u", sort=False)["g"].first().reindex(units).to_numpy()
        assignments = []
        for _ in range(reps):
            perm = dict(zip(units, rng.permutation(g_by_u)))
            assignments.append(df.assign(g=df["u"].map(perm).astype(float)))
        exact = False
    draws = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for d in progress_iter(assignments, desc="placebo refits", progress=progress):
            try:
                des, fit = _fit(d, covs, event_study, control_group, fixed_effects)
                draws.append(_term_estimates(d, des, fit))
            except (EstimationError, np.linalg.LinAlgError):
                draws.append({})
    return pd.DataFrame(draws), exact


# ------------------------------------------------------------------------------ user function
def ppml(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any = None,
    start: Any = None,
    treatment: str | None = None,
    first_treated: str | None = None,
    exposure: str | None = None,
    event_study: bool = False,
    covariates: str | Sequence[str] | None = None,
    control_group: str | None = None,
    fixed_effects: str = "unit",
    inference: str = "auto",
    cluster: str | None = None,
    reps: int = 999,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
) -> PPMLResult:
    """Poisson difference-in-differences (and event study) for counts, effects as % changes.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (never modified). May be unbalanced; zeros
        are fine.
    outcome, unit, time : str
        Column names; ``outcome`` is a count (any value >= 0 is accepted).
    treated, start : unit label(s) and first treated period (a dict for several starts);
        or ``treatment`` (a 0/1 column), or ``first_treated`` (a column, 0/NaN = never).
    exposure : str, optional
        Column of the population at risk (e.g. women aged 18+): its log is an offset, so
        effects are on the rate per head.
    event_study : bool
        Also estimate effects before the start (every period but the last one before it is
        compared with it, never-treated units as comparisons): leads near zero support
        parallel trends.
    covariates : str or list, optional
        Control variables, entered as Wooldridge (2023) does: the variable, its interactions
        with cohort and period, and each treatment cell times the variable net of cohort and
        period effects.
    control_group : {"not_yet_treated", "never_treated"}
        Comparison units for the treatment cells: not-yet-treated cells are comparisons
        (default; only cells from the start on get effects) or only never-treated units
        (every cell of a treated cohort gets an effect). ``event_study=True`` implies
        ``"never_treated"``.
    fixed_effects : {"unit", "cohort"}
        Unit effects (default) or one effect per adoption cohort (Wooldridge's pooled
        version, as R etwfe with ``family = "poisson"``); without covariates both give the
        same treatment effects.
    inference : {"auto", "cluster", "randomization"}
        See the module notes. ``"auto"``: randomization with fewer than 10 treated units,
        cluster-robust otherwise.
    cluster : str, optional
        Cluster column for ``"cluster"`` inference (default: the unit).
    reps : int
        Permutations for randomization inference with several treated units (with one
        treated unit every comparison unit is used once, exactly).
    alpha, random_state, progress : as everywhere (see ``wsa_eval.glossary``).

    Returns
    -------
    PPMLResult
        ``estimate`` is the log of the ratio of fitted to no-scheme counts over every
        treated unit-period from the start on; ``percent_change`` (with
        ``percent_ci_low``/``percent_ci_high``) is the same as a percentage change;
        ``effects`` gives it by event time, with the average effect in counts
        (``att_count``); ``coefficients`` is the coefficient table (as R fixest's
        ``coeftable``).
    """
    alpha = check_alpha(alpha)
    check_choice("inference", inference, ("auto", "cluster", "randomization"))
    check_choice("fixed_effects", fixed_effects, ("unit", "cohort"))
    if control_group is None:
        control_group = "never_treated" if event_study else "not_yet_treated"
    check_choice("control_group", control_group, ("not_yet_treated", "never_treated"))
    if event_study and control_group != "never_treated":
        raise SpecificationError("event_study=True compares every period with the last one "
                                 "before the start, so it needs control_group='never_treated'.")
    if not isinstance(reps, (int, np.integer)) or isinstance(reps, bool) or reps < 19:
        raise SpecificationError(f"reps must be a whole number of at least 19, not {reps!r}.")
    df, covs = _prepare(data, outcome, unit, time, exposure, covariates, cluster, treated,
                        start, treatment, first_treated)
    des, fit = _fit(df, covs, event_study, control_group, fixed_effects)
    if not fit.converged:
        warnings.warn("The Poisson fit stopped before converging; estimates may be inaccurate.",
                      ConvergenceWarning, stacklevel=2)
    n_tr = int(pd.unique(df.loc[np.isfinite(df["g"]), "u"]).size)
    if inference == "auto":
        inference = "randomization" if n_tr < _FEW_TREATED else "cluster"
    if inference == "cluster" and n_tr < _FEW_TREATED:
        warnings.warn(f"Cluster-robust standard errors with {n_tr} treated unit(s) over-reject "
                      "a true null (validation/RESULTS.md); use inference='randomization'.",
                      InferenceWarning, stacklevel=2)
    rng, seed = resolve_random_state(random_state)
    draws, exact = (None, False)
    if inference == "randomization":
        draws, exact = _placebo_draws(df, covs, event_study, control_group, fixed_effects,
                                      rng, int(reps), progress)
    spec = make_spec("ppml", dict(outcome=outcome, unit=unit, time=time, treated=treated,
                                  start=start, treatment=treatment, first_treated=first_treated,
                                  exposure=exposure, event_study=event_study, covariates=covs,
                                  control_group=control_group, fixed_effects=fixed_effects,
                                  inference=inference, cluster=cluster, reps=reps, alpha=alpha),
                     data_hash=hash_frame(data), seed=seed if inference == "randomization"
                     and not exact else None)
    return build_result(df, des, fit, inference=inference, draws=draws, exact=exact,
                        alpha=alpha, spec=spec, exposure=exposure, outcome=outcome,
                        n_treated=n_tr, event_study=event_study)


def claim_gaps(data: pd.DataFrame, *, outcome: str, unit: str, time: str, treated: Any,
               start: Any, exposure: str | None = None, donors: Sequence[Any] | None = None
               ) -> tuple[pd.Series, pd.DataFrame, float, np.ndarray]:
    """The claim check's inputs on the count scale (``check_claim(scale="count")``).

    A Poisson difference-in-differences of the treated area with one effect per period from
    ``start`` on (so the effect in the claim's end year is its own coefficient) and the
    area's level estimated from all its years before ``start`` (the Poisson analogue of the
    claim check's DiD, whose baseline is the average pre-period), and the same for each
    comparison area in turn with the treated area left out (the claim check's
    placebo-in-space). Returns, like ``wsa_eval.claims._placebo``: the treated area's gap
    path in log points (from ``start`` on the effects; before it the residuals
    ``log(y / fitted)``, NaN where the count is zero), the placebo gap paths (periods x
    comparison areas), the average post-period effect (log of the ratio of fitted to
    no-scheme counts over ``start``..end) and the placebo average effects. Percentages are
    ``expm1`` of these, as on the claim check's log scale.
    """
    df, _ = _prepare(data, outcome, unit, time, exposure, None, None, treated, start, None,
                     None)
    if donors is not None:
        df = df[df["u"].isin(list(donors)) | (df["u"] == treated)].reset_index(drop=True)

    def path(d: pd.DataFrame) -> tuple[pd.Series, float]:
        des, fit = _fit(d, [], False, "not_yet_treated", "unit")
        b = dict(zip(des.names, fit.beta))
        mine = np.isfinite(d["g"].to_numpy(float))
        t_mine = d["t"].to_numpy(float)[mine]
        with np.errstate(divide="ignore"):
            resid = np.log(d["y"].to_numpy(float)[mine]) - np.log(fit.mu[mine])
        resid[~np.isfinite(resid)] = np.nan
        key = [int(t) if float(t).is_integer() else t for t in t_mine]
        gap = pd.Series(resid, index=key)
        for g, t in des.cells:
            gap.loc[int(t) if float(t).is_integer() else t] = b[f"treat::{g:g}:{t:g}"]
        return gap.sort_index(), _term_estimates(d, des, fit)["overall"]

    gaps, avg = path(df)
    rest = df[df["u"] != treated]
    pg, pav = {}, []
    st = float(start)
    for c in pd.unique(rest["u"]):
        gp, a = path(rest.assign(g=np.where(rest["u"] == c, st, np.inf)))
        pg[c] = gp
        pav.append(a)
    return gaps, pd.DataFrame(pg), avg, np.asarray(pav)
