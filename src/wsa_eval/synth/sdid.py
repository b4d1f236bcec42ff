"""Synthetic difference-in-differences, with synthetic control and DiD from the same machinery.

Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. & Wager, S. (2021).
"Synthetic Difference-in-Differences". *American Economic Review* 111(12): 4088-4118.
Staggered adoption as in Clarke, D., Pailañir, D., Athey, S. & Imbens, G. (2023),
"Synthetic Difference-in-Differences Estimation" (the Stata ``sdid`` command), IZA DP 15907.

The estimator reweights comparison units (unit weights ``omega``, chosen so that their
pre-treatment path runs parallel to the treated units', with a ridge penalty) and
pre-treatment periods (time weights ``lambda``, chosen so that the weighted pre-period
predicts the post-period for the comparison units), then takes a weighted
difference-in-differences. :func:`sc` (synthetic control: unit weights without an
intercept, no time weights) and :func:`did` (uniform weights) are the two special cases
the paper compares it with; all three take the same arguments and return the same result
type, so ``wsa_eval.results.compare([sdid(...), sc(...), did(...)])`` gives the paper's
side-by-side table.

The weights are computed as in the authors' R package ``synthdid`` (Frank-Wolfe, the
paper's regularisation ``zeta = (N_tr * T_post)^(1/4) * sd(first differences of control
outcomes before treatment)``, sparsification), so estimates agree with it to rounding.

Assumptions: a balanced panel; treatment, once started, stays on (block or staggered
adoption); comparison units are never treated and unaffected by the treatment (no
spill-overs); the outcome follows (approximately) a low-rank factor model plus noise,
which is what makes the weighted comparison unbiased (Arkhangelsky et al., Section 4).

Inference (``se=``):

* ``"placebo"`` (Algorithm 4): comparison units are given the treated units' treatment
  timing at random and the estimator is rerun; the spread of these placebo estimates is the
  standard error. The one method that works with a single treated unit; it assumes the
  treated units' noise is like the comparison units' (homoskedasticity across units).
* ``"bootstrap"`` (Algorithm 2): units are resampled with replacement.
* ``"jackknife"`` (Algorithm 3): leave-one-unit-out with the weights held fixed.

The bootstrap and jackknife need several treated units and raise an error with one; they
never return NaN.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import (
    check_alpha,
    check_choice,
    hash_frame,
    progress_iter,
    require_frame,
    resolve_random_state,
)
from ..errors import (
    DataWarning,
    EstimationError,
    InferenceWarning,
    SpecificationError,
    format_examples,
)
from ..panel import validate_panel
from ..results import EffectResult, make_spec, result_dataclass, tidy_frame
from . import _sdid_core as core

__all__ = ["SDIDResult", "sdid", "sc", "did"]

_NAMES = {
    "sdid": "Synthetic difference-in-differences (Arkhangelsky et al. 2021)",
    "sc": "Synthetic control, synthdid form (Arkhangelsky et al. 2021)",
    "did": "Difference-in-differences, synthdid form (Arkhangelsky et al. 2021)",
}
_SE_TEXT = {
    "placebo": "placebo standard error (Arkhangelsky et al. 2021, Algorithm 4)",
    "bootstrap": "unit bootstrap standard error (Arkhangelsky et al. 2021, Algorithm 2)",
    "jackknife": "fixed-weight jackknife standard error (Arkhangelsky et al. 2021, Algorithm 3)",
}


@result_dataclass
class SDIDResult(EffectResult):
    """Result of :func:`sdid`, :func:`sc` or :func:`did`.

    The attributes below are those it adds to :class:`~wsa_eval.results.EffectResult`.

    Attributes
    ----------
    estimator : {"sdid", "sc", "did"}
    unit_weights : Series
        Weight of each comparison unit (``omega``), indexed by unit; with several adoption
        cohorts the index is (cohort, unit).
    time_weights : Series
        Weight of each pre-treatment period (``lambda``), indexed by period (or
        (cohort, period)). All zero for synthetic control, uniform for DiD.
    n_effective_donors : float
        ``1 / sum(omega^2)`` (R synthdid's "effective N0"); with several cohorts, of the
        treated-unit-period-weighted average of the cohorts' unit weights.
    cohorts : DataFrame
        One row per adoption cohort: start, treated units, pre/post periods, aggregation
        weight, estimate, regularisation ``zeta``, noise level.
    replications : ndarray or None
        The placebo / bootstrap / leave-one-out estimates behind ``se``.
    effects : DataFrame
        By cohort and period: ``estimate`` is the gap between the treated mean and the
        (intercept-shifted) synthetic comparison; columns ``time``, ``cohort``, ``post``,
        ``treated``, ``synthetic`` follow the tidy columns. The mean of the post-period gaps
        of a cohort is its estimate.
    """

    estimator: str = "sdid"
    unit_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    time_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    n_effective_donors: float = math.nan
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)
    replications: np.ndarray | None = None
    treated_units: tuple = ()

    _plot_kinds: ClassVar[dict[str, str]] = {
        "trajectories": "wsa_eval.plotting.sdid:trajectory_plot",
        "weights": "wsa_eval.plotting.sdid:unit_weights_plot",
        "effects": "wsa_eval.plotting.sdid:gap_plot",
    }
    _default_plot: ClassVar[str | None] = "trajectories"

    def _summary_header(self) -> list[tuple[str, Any]]:
        h = super()._summary_header()
        h.append(("Effective comparison units", round(self.n_effective_donors, 1)))
        if len(self.cohorts) > 1:
            h.append(("Adoption cohorts", len(self.cohorts)))
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        w = self.unit_weights[self.unit_weights > 0].sort_values(ascending=False)
        tabs = [("Cohorts", self.cohorts)]
        tabs.append(("Comparison units with non-zero weight",
                     w.rename("weight").reset_index().head(15)))
        post = self.effects.loc[self.effects["post"]]
        tabs.append(("Effects by period (after treatment)",
                     post[["cohort", "time", "treated", "synthetic", "estimate", "std_error"]]))
        return tabs

    def _summary_footer(self) -> list[str]:
        foot = [
            "Estimate: average over treated units and post-treatment periods of the gap "
            "between treated and weighted comparison units, differenced against the "
            "weighted pre-treatment gap.",
        ]
        return foot + super()._summary_footer()


# -- data preparation ------------------------------------------------------------------
@dataclass
class _Panel:
    Y: np.ndarray  # units x periods, controls first
    units: list
    times: np.ndarray
    n_co: int
    starts: np.ndarray  # first treated period of each treated unit (rows n_co..)
    cohort_values: np.ndarray  # sorted unique starts
    report: Any


def _prepare(data, outcome, unit, time, treated, start, first_treated, exclude) -> _Panel:
    data = require_frame(data)
    if first_treated is not None and (treated is not None or start is not None):
        raise SpecificationError(
            "Give treatment timing one way: either treated= and start=, or first_treated=.")
    if first_treated is None:
        if treated is None or start is None:
            raise SpecificationError(
                "Name the treated unit(s) with treated= and the first treated period with "
                "start= (or give a first_treated= column).")
        tu = [treated] if np.isscalar(treated) else list(treated)
        if len(tu) == 0:
            raise SpecificationError("treated= is empty: name at least one treated unit.")
        if isinstance(start, dict):
            missing = [u for u in tu if u not in start]
            if missing:
                raise SpecificationError(
                    f"start= has no start period for treated unit(s) {format_examples(missing)}.")
            start = {u: start[u] for u in tu}
    if exclude is not None:
        ex = [exclude] if np.isscalar(exclude) else list(exclude)
        if unit in data.columns:
            absent = [u for u in ex if u not in set(data[unit])]
            if absent:
                raise SpecificationError(
                    f"exclude= names unit(s) {format_examples(absent)} not in column {unit!r}.")
            if first_treated is None:
                clash = [u for u in ex if u in tu]
                if clash:
                    raise SpecificationError(
                        f"Unit(s) {format_examples(clash)} are both treated and excluded.")
            data = data.loc[~data[unit].isin(ex)]
    rep = validate_panel(
        data, unit=unit, time=time, outcome=outcome, first_treated=first_treated,
        treated=None if first_treated is not None else tu,
        start=None if first_treated is not None else start,
        control_group="never_treated", min_pre_periods=2, always_treated="error", warn=False,
    )
    for w in rep.warnings:
        warnings.warn(w, DataWarning, stacklevel=4)
    df = rep.data
    Yw = df.pivot(index=unit, columns=time, values=outcome)
    g = rep.cohorts.reindex(Yw.index).to_numpy(dtype=float)
    co = np.isinf(g)
    if co.sum() < 2:
        raise EstimationError(
            f"Only {int(co.sum())} never-treated comparison unit(s): synthetic "
            "difference-in-differences needs at least two.")
    order = np.concatenate([np.flatnonzero(co), np.flatnonzero(~co)[np.argsort(g[~co],
                                                                               kind="stable")]])
    Y = Yw.to_numpy(dtype=float)[order]
    units = list(Yw.index[order])
    starts = g[order][co.sum():]
    return _Panel(Y=Y, units=units, times=Yw.columns.to_numpy(), n_co=int(co.sum()),
                  starts=starts, cohort_values=np.unique(starts), report=rep)


# -- estimation --------------------------------------------------------------------------
@dataclass
class _CohortSpec:
    start: float
    T0: int
    rows: np.ndarray  # indices of the cohort's treated rows in Y
    weight: float
    opts: dict
    noise: float


def _options(kind: str, noise: float, n1: int, t1: int, zeta: float | None) -> dict:
    md = 1e-5 * noise
    if kind == "sdid":
        zo = zeta if zeta is not None else (n1 * t1) ** 0.25 * noise
        return dict(zeta_omega=zo, zeta_lambda=1e-6 * noise, min_decrease=md)
    if kind == "sc":
        zo = zeta if zeta is not None else 1e-6 * noise
        return dict(zeta_omega=zo, zeta_lambda=0.0, min_decrease=md, omega_intercept=False,
                    update_lambda=False, lambda_zero=True)
    return dict(zeta_omega=0.0, zeta_lambda=0.0, min_decrease=md, update_lambda=False,
                update_omega=False)


def _fit(kind, panel: _Panel, C, P_by, specs, omega_init=None, lambda_init=None):
    """Fit every cohort for a batch of problems; returns per-cohort CohortFit list."""
    fits = []
    for k, sp in enumerate(specs):
        opts = dict(sp.opts)
        lam0 = np.zeros(sp.T0) if opts.pop("lambda_zero", False) else None
        if lambda_init is not None:
            lam0 = lambda_init[k]
        om0 = None if omega_init is None else omega_init[k]
        fits.append(core.fit_cohort_batch(panel.Y, C[k], P_by[k], sp.T0, omega_init=om0,
                                          lambda_init=lam0, **opts))
    return fits


def _estimate(kind, data, outcome, unit, time, treated, start, first_treated, se, reps,
              alpha, random_state, progress, zeta, exclude, args) -> SDIDResult:
    check_choice("se", se, ("placebo", "bootstrap", "jackknife", None))
    alpha = check_alpha(alpha)
    if se is not None and (not isinstance(reps, (int, np.integer)) or reps < 2):
        raise SpecificationError(f"reps must be an integer of at least 2, not {reps!r}.")
    if zeta is not None and not (np.isfinite(zeta) and zeta >= 0):
        raise SpecificationError(f"zeta must be a non-negative number, not {zeta!r}.")
    panel = _prepare(data, outcome, unit, time, treated, start, first_treated, exclude)
    Y, n_co, times = panel.Y, panel.n_co, panel.times
    n_tr = Y.shape[0] - n_co
    T = len(times)
    specs: list[_CohortSpec] = []
    total = 0.0
    for a in panel.cohort_values:
        rows = n_co + np.flatnonzero(panel.starts == a)
        T0 = int((times < a).sum())
        t1 = T - T0
        total += len(rows) * t1
        noise = core.noise_level(Y[:n_co, :T0])
        if kind != "did" and not (noise > 0):
            raise EstimationError(
                f"The outcome {outcome!r} of the comparison units does not change at all "
                f"before {a:g}: with a constant outcome there is nothing to match on, so "
                "the weights are not identified. Check the outcome column.")
        specs.append(_CohortSpec(start=a, T0=T0, rows=rows, weight=len(rows) * t1,
                                 opts=_options(kind, noise if noise > 0 else 1.0, len(rows),
                                               t1, zeta), noise=noise))
    for sp in specs:
        sp.weight /= total
    C0 = [np.arange(n_co)[None, :] for _ in specs]
    P0 = [sp.rows[None, :] for sp in specs]
    fits = _fit(kind, panel, C0, P0, specs)
    tau_k = np.array([f.tau[0] for f in fits])
    w_k = np.array([sp.weight for sp in specs])
    estimate = float(tau_k @ w_k)

    # -- inference ---------------------------------------------------------------------
    reps_est = None
    gaps_reps = None
    inference = "none (se=None)"
    seed = None
    if se is not None:
        rng, seed = resolve_random_state(random_state)
        if se == "placebo":
            reps_est, gaps_reps = _placebo(kind, panel, specs, fits, reps, rng, progress)
        elif se == "bootstrap":
            reps_est, gaps_reps = _bootstrap(kind, panel, specs, fits, reps, rng, progress)
        else:
            reps_est, gaps_reps = _jackknife(panel, specs, fits)
        if se == "jackknife":
            n = reps_est.size
            se_val = float(np.sqrt((n - 1) / n * np.sum((reps_est - reps_est.mean()) ** 2)))
            se_t = [np.sqrt((n - 1) / n * np.sum((g - g.mean(0)) ** 2, axis=0))
                    for g in gaps_reps]
        else:
            se_val = float(np.std(reps_est))
            se_t = [np.std(g, axis=0) for g in gaps_reps]
        inference = (f"{_SE_TEXT[se]}; {reps_est.size} "
                     f"{'leave-one-out fits' if se == 'jackknife' else 'replications'}; "
                     "normal-approximation interval")
    else:
        se_val = math.nan
        se_t = [np.full(T, np.nan) for _ in specs]
    z = stats.norm.ppf(1 - alpha / 2)
    if np.isfinite(se_val) and se_val > 0:
        ci = (estimate - z * se_val, estimate + z * se_val)
        p = float(2 * stats.norm.sf(abs(estimate / se_val)))
    else:
        ci, p = (math.nan, math.nan), math.nan

    # -- tables ------------------------------------------------------------------------
    rows_eff = []
    for sp, f, st in zip(specs, fits, se_t):
        lab = [f"{_fmt(t)}" if len(specs) == 1 else f"{_fmt(sp.start)}:{_fmt(t)}"
               for t in times]
        rows_eff.append(tidy_frame(
            lab, f.gaps[0], st, alpha=alpha,
            extra={"time": times, "cohort": [sp.start] * T, "post": times >= sp.start,
                   "treated": f.treated_path[0], "synthetic": f.synthetic_path[0],
                   "comparison": f.synthetic_path[0] - f.offset[0]}))
    effects = pd.concat(rows_eff, ignore_index=True)
    co_units = panel.units[:n_co]
    if len(specs) == 1:
        uw = pd.Series(fits[0].omega[0], index=pd.Index(co_units, name=unit), name="weight")
        tw = pd.Series(fits[0].lam[0], index=pd.Index(times[:specs[0].T0], name=time),
                       name="weight")
        agg_omega = fits[0].omega[0]
    else:
        uw = pd.concat({sp.start: pd.Series(f.omega[0], index=pd.Index(co_units, name=unit))
                        for sp, f in zip(specs, fits)}, names=["cohort", unit]).rename("weight")
        tw = pd.concat({sp.start: pd.Series(f.lam[0], index=pd.Index(times[:sp.T0], name=time))
                        for sp, f in zip(specs, fits)}, names=["cohort", time]).rename("weight")
        agg_omega = sum(sp.weight * f.omega[0] for sp, f in zip(specs, fits))
    n_eff = float(1.0 / np.sum(agg_omega**2))
    cohorts = pd.DataFrame({
        "cohort": [sp.start for sp in specs],
        "n_treated": [len(sp.rows) for sp in specs],
        "treated_units": [", ".join(map(str, [panel.units[r] for r in sp.rows[:5]]))
                          + (" ..." if len(sp.rows) > 5 else "") for sp in specs],
        "n_pre": [sp.T0 for sp in specs],
        "n_post": [T - sp.T0 for sp in specs],
        "weight": w_k,
        "estimate": tau_k,
        "zeta": [sp.opts["zeta_omega"] for sp in specs],
        "noise_level": [sp.noise for sp in specs],
    })
    warn_list: list[str] = []
    if se == "placebo" and n_co < 2 * n_tr + 3:
        msg = (f"Only {n_co} comparison units for {n_tr} treated: the placebo standard error "
               "rests on few distinct placebo assignments and may be unreliable.")
        warn_list.append(msg)
        warnings.warn(msg, InferenceWarning, stacklevel=3)
    pre_rmse = float(np.sqrt(np.mean(effects.loc[~effects["post"], "estimate"] ** 2)))
    diagnostics = {
        "pre_period_rmse": pre_rmse,
        "frank_wolfe_iterations": [f.iters for f in fits],
        "n_comparison_units": n_co,
        "noise_level": [sp.noise for sp in specs],
    }
    if se is not None:
        diagnostics["replication_estimates_mean"] = float(np.mean(reps_est))
    spec = make_spec(f"wsa_eval.synth.{kind}", args, data_hash=hash_frame(data),
                     seed=seed)
    return SDIDResult(
        method=_NAMES[kind], spec=spec, diagnostics=diagnostics, warnings=tuple(warn_list),
        estimate=estimate, se=se_val, ci_low=ci[0], ci_high=ci[1], p_value=p, alpha=alpha,
        inference=inference,
        estimand="average effect on the treated over post-treatment periods",
        effects=effects, n_obs=int(Y.size), n_units=int(Y.shape[0]), n_treated=n_tr,
        estimator=kind, unit_weights=uw, time_weights=tw, n_effective_donors=n_eff,
        cohorts=cohorts, replications=reps_est,
        treated_units=tuple(panel.units[n_co:]),
    )


def placebo_fits(kind: str, Y: np.ndarray, times: np.ndarray, start: Any,
                 donors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Placebo-in-space fits: each unit (row of ``Y``) in turn treated from ``start``.

    ``Y`` (units x periods, rows in the order ``data.pivot(index=unit, columns=time)`` gives,
    treated units already removed) holds the comparison units only; ``donors`` (row indices,
    default all) are the units given the placebo treatment, the other rows being their
    comparisons. Returns the estimates (J,) and the effect curves (J, T), each bit for bit
    what ``sdid`` / ``sc`` / ``did`` with ``se=None`` returns when that unit is ``treated``
    and the others are its comparisons -- the same preparation, tuning (``zeta`` and the
    stopping rule from that placebo's own noise level) and Frank-Wolfe iterations -- but
    with the solves of all placebos run together (``_sdid_core.fit_cohort_many``) and
    without re-validating the panel once per placebo. Returns None when a placebo would
    have to raise an error (fewer than two comparisons, no pre-period variation), so the
    caller can run the one-by-one fits, which explain it.
    """
    check_choice("kind", kind, tuple(_NAMES))
    Y = np.asarray(Y, dtype=float)
    N, T = Y.shape
    donors = np.arange(N) if donors is None else np.asarray(donors, dtype=int)
    T0 = int((np.asarray(times) < start).sum())
    if N - 1 < 2 or T0 < 2 or T0 >= T or not np.isfinite(Y).all():
        return None
    Ys, opts = [], []
    for d in donors:
        Yd = Y[np.concatenate([np.arange(N)[np.arange(N) != d], [d]])]
        noise = core.noise_level(Yd[: N - 1, :T0])
        if kind != "did" and not (noise > 0):
            return None
        o = _options(kind, noise if noise > 0 else 1.0, 1, T - T0, None)
        if o.pop("lambda_zero", False):
            o["lambda_init"] = np.zeros(T0)
        Ys.append(Yd)
        opts.append(o)
    fits = core.fit_cohort_many(Ys, N - 1, T0, opts)
    w = np.array([1.0])  # one cohort: aggregation weight 1, as in _estimate
    est = np.array([float(np.array([f.tau[0]]) @ w) for f in fits])
    return est, np.stack([f.gaps[0] for f in fits]) if fits else np.empty((0, T))


def _fmt(t: Any) -> str:
    if isinstance(t, (float, np.floating)) and float(t).is_integer():
        return str(int(t))
    return str(t)


def _sum_normalize(w: np.ndarray) -> np.ndarray:
    s = w.sum(axis=-1, keepdims=True)
    uniform = np.full_like(w, 1.0 / w.shape[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s != 0, w / np.where(s != 0, s, 1.0), uniform)


def _placebo(kind, panel, specs, fits, reps, rng, progress):
    n_co = panel.n_co
    n_tr = sum(len(sp.rows) for sp in specs)
    if n_co <= n_tr:
        raise EstimationError(
            f"The placebo standard error needs more comparison units ({n_co}) than treated "
            f"units ({n_tr}). Use se='bootstrap' or se='jackknife' with several treated units.")
    perms = np.array([rng.permutation(n_co) for _ in range(reps)])
    C = perms[:, : n_co - n_tr]
    sizes = np.cumsum([0] + [len(sp.rows) for sp in specs])
    P = [perms[:, n_co - n_tr + sizes[k]: n_co - n_tr + sizes[k + 1]]
         for k in range(len(specs))]
    om0 = [_sum_normalize(f.omega[0][C]) for f in fits]
    lam0 = [np.broadcast_to(f.lam[0], (reps, f.lam.shape[1])) for f in fits]
    taus = np.zeros(reps)
    gaps = []
    chunks = _chunks(reps, progress)
    res = [np.zeros(reps) for _ in specs]
    gap_k = [np.zeros((reps, panel.Y.shape[1])) for _ in specs]
    for sl in progress_iter(chunks, total=len(chunks), desc="placebo", progress=progress):
        sub = _fit(kind, panel, [C[sl]] * len(specs), [p[sl] for p in P], specs,
                   omega_init=[o[sl] for o in om0], lambda_init=[lz[sl] for lz in lam0])
        for k, f in enumerate(sub):
            res[k][sl] = f.tau
            gap_k[k][sl] = f.gaps
    for k, sp in enumerate(specs):
        taus += sp.weight * res[k]
        gaps.append(gap_k[k])
    return taus, gaps


def _chunks(reps: int, progress) -> list[slice]:
    """One batch normally; 10 batches when a progress bar is wanted."""
    n = 10 if progress else 1
    edges = np.linspace(0, reps, n + 1).astype(int)
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _bootstrap(kind, panel, specs, fits, reps, rng, progress):
    n_co = panel.n_co
    N = panel.Y.shape[0]
    n_tr = N - n_co
    if n_tr < 2:
        raise EstimationError(
            "Bootstrap standard errors need at least two treated units. With one treated "
            "unit, resampling units either leaves it out or repeats it, so the spread of the "
            "estimates says nothing about the uncertainty of its effect (Arkhangelsky et al. "
            "2021, Section 5; R synthdid returns NA here). Use se='placebo'.")
    draws = []
    while len(draws) < reps:
        ind = np.sort(rng.integers(0, N, size=N))
        if (ind < n_co).all() or (ind >= n_co).all():
            continue
        draws.append(ind)
    draws = np.array(draws)
    cohort_of = np.full(N, -1)
    for k, sp in enumerate(specs):
        cohort_of[sp.rows] = k
    T = panel.Y.shape[1]
    tau_k = np.full((reps, len(specs)), np.nan)
    gap_k = [np.full((reps, T), np.nan) for _ in specs]
    is_co = draws < n_co
    C, Cm = _pad([row[m] for row, m in zip(draws, is_co)])
    for k, sp in enumerate(specs):
        in_k = cohort_of[draws] == k
        rr = np.flatnonzero(in_k.any(axis=1))
        if rr.size == 0:
            continue
        P, Pm = _pad([draws[r][in_k[r]] for r in rr])
        w = fits[k].omega[0][C[rr]] * Cm[rr]
        tot = w.sum(axis=1, keepdims=True)
        om0 = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0),
                       Cm[rr] / Cm[rr].sum(axis=1, keepdims=True))
        lam0 = np.broadcast_to(fits[k].lam[0], (rr.size, sp.T0))
        for sl in progress_iter(_chunks(rr.size, progress), desc=f"bootstrap cohort {k + 1}",
                                progress=progress):
            opts = dict(sp.opts)
            opts.pop("lambda_zero", None)
            f = core.fit_cohort_batch(panel.Y, C[rr[sl]], P[sl], sp.T0, omega_init=om0[sl],
                                      lambda_init=lam0[sl], C_mask=Cm[rr[sl]], P_mask=Pm[sl],
                                      **opts)
            tau_k[rr[sl], k] = f.tau
            gap_k[k][rr[sl]] = f.gaps
    t1 = np.array([T - sp.T0 for sp in specs])
    counts = np.stack([(cohort_of[draws] == k).sum(axis=1) for k in range(len(specs))], 1)
    wts = counts * t1
    wts = wts / wts.sum(axis=1, keepdims=True)
    taus = np.nansum(tau_k * wts, axis=1)
    gaps = [g[~np.isnan(g[:, 0])] for g in gap_k]
    return taus, gaps


def _pad(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack index arrays of different lengths: (indices padded with 0, mask of real ones)."""
    width = max(len(r) for r in rows)
    idx = np.zeros((len(rows), width), dtype=int)
    mask = np.zeros((len(rows), width), dtype=bool)
    for j, r in enumerate(rows):
        idx[j, : len(r)] = r
        mask[j, : len(r)] = True
    return idx, mask


def _jackknife(panel, specs, fits):
    n_co = panel.n_co
    Y = panel.Y
    N, T = Y.shape
    n_tr = N - n_co
    if n_tr < 2:
        raise EstimationError(
            "Jackknife standard errors need at least two treated units: leaving out the only "
            "treated unit leaves nothing to estimate (Arkhangelsky et al. 2021, Algorithm 3; "
            "R synthdid returns NA here). Use se='placebo'.")
    small = [sp.start for sp in specs if len(sp.rows) < 2]
    if small:
        raise EstimationError(
            f"The jackknife needs at least two treated units in every adoption cohort; the "
            f"cohort(s) starting in {format_examples([_fmt(s) for s in small], quote=False)} "
            "have one. Use se='placebo' or se='bootstrap'.")
    for f in fits:
        if np.count_nonzero(f.omega[0]) == 1:
            raise EstimationError(
                "The fixed-weight jackknife is undefined when one comparison unit carries all "
                "the weight (leaving it out leaves no weighted comparison). Use se='placebo'.")
    t1 = np.array([T - sp.T0 for sp in specs])
    taus = np.zeros(N)
    gaps = [np.zeros((N, T)) for _ in specs]
    for u in range(N):
        tk = np.zeros(len(specs))
        nk = np.array([len(sp.rows) for sp in specs], dtype=float)
        for k, (sp, f) in enumerate(zip(specs, fits)):
            om = f.omega[0].copy()
            tr = sp.rows
            if u < n_co:
                keep = np.arange(n_co) != u
                om = _sum_normalize(om[keep])
                co_path = om @ Y[:n_co][keep]
            else:
                co_path = om @ Y[:n_co]
                if u in tr:
                    tr = tr[tr != u]
                    nk[k] -= 1
            diff = Y[tr].mean(axis=0) - co_path
            g = diff - diff[: sp.T0] @ f.lam[0]
            gaps[k][u] = g
            tk[k] = g[sp.T0:].mean()
        w = nk * t1
        taus[u] = float(tk @ (w / w.sum()))
    return taus, gaps


_DOC_ARGS = """
    Parameters
    ----------
    data : DataFrame
        A balanced panel, one row per unit and period. Never modified.
    outcome, unit, time : str
        Column names (``time`` numeric, e.g. the year).
    treated : label or list of labels
        The treated unit(s). With ``start`` a single period, all start together (block
        design); with ``start`` a dict ``{unit: first treated period}``, or with
        ``first_treated=`` (a column, 0 / NaN = never treated) instead of both, adoption may
        be staggered: each cohort is estimated against the never-treated units and the
        cohort estimates are averaged with weights proportional to their treated
        unit-periods (Clarke et al. 2023).
    start : period or dict
        First treated period.
    first_treated : str, optional
        Column alternative to ``treated`` and ``start``.
    se : {"placebo", "bootstrap", "jackknife", None}
        Standard error method (see the module notes). ``"placebo"`` (default) is the only
        one valid with a single treated unit; the others raise an error there.
    reps : int
        Placebo or bootstrap replications (default 200, as R synthdid).
    alpha : float
        1 - confidence level of the normal-approximation interval.
    random_state : int, Generator or None
        Seed for the placebo / bootstrap draws.
    progress : bool or None
        Show a progress bar for the replications.
    zeta : float, optional
        Ridge regularisation of the unit weights; default as in the paper and R synthdid.
    exclude : label or list, optional
        Units to drop before estimation (e.g. areas that had a similar scheme and must not
        be used as comparisons).
    """


def sdid(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any = None,
    start: Any = None,
    first_treated: str | None = None,
    se: Literal["placebo", "bootstrap", "jackknife"] | None = "placebo",
    reps: int = 200,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    zeta: float | None = None,
    exclude: Any = None,
) -> SDIDResult:
    """Synthetic difference-in-differences estimate of the effect on the treated.

    Unit weights (with an intercept and ridge penalty ``zeta^2 * T_pre``) make the weighted
    comparison units' pre-period path parallel to the treated mean; time weights (with an
    intercept and a tiny penalty) pick pre-periods that resemble the post-period; the
    estimate is the doubly weighted difference-in-differences (Arkhangelsky et al. 2021,
    Algorithm 1). Matches R ``synthdid::synthdid_estimate`` (California Proposition 99:
    -15.604).
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                first_treated=first_treated, se=se, reps=reps, alpha=alpha, zeta=zeta,
                exclude=exclude)
    return _estimate("sdid", data, outcome, unit, time, treated, start, first_treated, se,
                     reps, alpha, random_state, progress, zeta, exclude, args)


def sc(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any = None,
    start: Any = None,
    first_treated: str | None = None,
    se: Literal["placebo", "bootstrap", "jackknife"] | None = "placebo",
    reps: int = 200,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    zeta: float | None = None,
    exclude: Any = None,
) -> SDIDResult:
    """Synthetic control computed by the SDID machinery (R ``synthdid::sc_estimate``).

    Unit weights without an intercept and with a very small ridge penalty
    (``zeta = 1e-6 * noise level``), no time weights: the estimate is the mean post-period
    gap between the treated and the synthetic control (California: -19.620). For the
    classic nested-V synthetic control with predictors see ``wsa_eval.synth.adh``.
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                first_treated=first_treated, se=se, reps=reps, alpha=alpha, zeta=zeta,
                exclude=exclude)
    return _estimate("sc", data, outcome, unit, time, treated, start, first_treated, se,
                     reps, alpha, random_state, progress, zeta, exclude, args)


def did(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any = None,
    start: Any = None,
    first_treated: str | None = None,
    se: Literal["placebo", "bootstrap", "jackknife"] | None = "placebo",
    reps: int = 200,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    zeta: float | None = None,
    exclude: Any = None,
) -> SDIDResult:
    """Plain difference-in-differences in the SDID form (R ``synthdid::did_estimate``).

    Uniform unit and time weights (``zeta`` is ignored). California: -27.349.
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                first_treated=first_treated, se=se, reps=reps, alpha=alpha, zeta=zeta,
                exclude=exclude)
    return _estimate("did", data, outcome, unit, time, treated, start, first_treated, se,
                     reps, alpha, random_state, progress, zeta, exclude, args)


for _f in (sdid, sc, did):
    _f.__doc__ = (_f.__doc__ or "") + _DOC_ARGS + """
    Returns
    -------
    SDIDResult
    """
