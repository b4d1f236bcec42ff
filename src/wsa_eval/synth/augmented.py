"""Augmented synthetic control (ridge ASCM).

Ben-Michael, E., Feller, A. & Rothstein, J. (2021). "The Augmented Synthetic Control
Method". *Journal of the American Statistical Association* 116(536): 1789-1803.

Synthetic control weights are fitted on the pre-treatment outcomes (simplex constraint), then
corrected for the pre-period imbalance they leave with a ridge regression of outcomes on
pre-period outcomes (the paper's eq. 11-12): ``w = w_scm + (x1 - X0' w_scm)' (X0c' X0c +
lambda I)^{-1} X0c'``, where ``X0c`` are the comparison units' pre-period outcomes centred
by period. The augmented weights still sum to one but may be negative (extrapolation): the
estimate is less biased when the synthetic control fits poorly, at the price of leaving the
convex hull of the comparison units. ``fixedeff=True`` first subtracts each unit's
pre-period mean (the de-meaned / intercept-shifted variant, paper Section 5.1).

The ridge penalty ``lambda`` is chosen as in the R package ``augsynth``: a geometric grid of
21 values from the largest squared singular value of ``X0c`` down by a factor 1e-8,
leave-one-pre-period-out cross-validation of the augmented fit, and the largest ``lambda``
whose error is within one standard error of the minimum.

Inference (``inference=``):

* ``"jackknife+"`` (default; augsynth's ``time_jackknife_plus``): each pre-period is left
  out in turn, the estimator refitted and used to predict the held-out period and the
  post-periods; the interval for the counterfactual is the ``alpha/2`` and ``1 - alpha/2``
  quantiles of the leave-one-out predictions minus / plus the absolute held-out errors
  (Barber et al. 2021). Gives intervals but no standard error or p-value (NaN, as in
  augsynth). Needs a reasonably long pre-period; with few pre-periods the interval is
  coarse.
* ``"placebo"``: in-space placebo (Abadie, Diamond & Hainmueller 2010): every comparison
  unit in turn is treated as if treated; the p-value is the rank of the treated unit's
  post/pre RMSPE ratio among all of them, ``(1 + #{placebo ratio >= ratio}) / (J + 1)``.
  Gives a p-value only; its smallest possible value is ``1 / (J + 1)``.

Assumptions: a balanced panel, one treated unit or several treated at the same time (their
mean is the treated series), comparison units untreated and unaffected; the outcome is
approximately linear in the pre-period outcomes (the ridge outcome model) or follows a
factor model the pre-period outcomes span.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._utils import check_alpha, check_choice, hash_frame, progress_iter, require_frame
from ..errors import DataWarning, EstimationError, SpecificationError, format_examples
from ..panel import validate_panel
from ..results import EffectResult, make_spec, result_dataclass, tidy_frame
from ._qp import simplex_ls

__all__ = ["AugSynthResult", "augmented", "ridge_ascm_weights", "cv_lambda"]


# -- maths ---------------------------------------------------------------------------------
def _scm(X0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """Synthetic-control weights: min ||x1 - X0' w||^2 over the simplex (X0: n0 x T0)."""
    return simplex_ls(X0.T, x1).w


def _ridge_factor(Xc: np.ndarray, lambdas: np.ndarray) -> np.ndarray:
    """``(Xc'Xc + lam I)^{-1} Xc'`` for each lambda, via the SVD: (L, T0, n0)."""
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    f = s[None, :] / (s[None, :] ** 2 + lambdas[:, None])  # (L, r)
    return np.einsum("kr,lr,nr->lkn", Vt.T, f, U)


def ridge_ascm_weights(X0: np.ndarray, x1: np.ndarray, lam: float | np.ndarray,
                       ridge: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Ridge-augmented SCM weights (Ben-Michael et al. 2021, eq. 12).

    ``X0`` (n0 x T0) comparison pre-period outcomes, ``x1`` (T0,) treated pre-period
    outcomes. Returns ``(w_aug, w_scm)``; with an array of ``lam`` values ``w_aug`` has one
    row per value.
    """
    w_scm = _scm(X0, x1)
    if not ridge:
        return w_scm.copy(), w_scm
    Xc = X0 - X0.mean(axis=0)
    resid = x1 - w_scm @ X0  # = (x1 - mean) - w_scm' Xc, weights summing to one
    lams = np.atleast_1d(np.asarray(lam, dtype=float))
    F = _ridge_factor(Xc, lams)  # (L, T0, n0)
    w = w_scm[None, :] + np.einsum("k,lkn->ln", resid, F)
    return (w[0] if np.ndim(lam) == 0 else w), w_scm


def _lambda_grid(Xc: np.ndarray, lambda_min_ratio: float, n_lambda: int) -> np.ndarray:
    lam_max = np.linalg.svd(Xc, compute_uv=False)[0] ** 2
    scaler = lambda_min_ratio ** (1.0 / n_lambda)
    return lam_max * scaler ** np.arange(0, n_lambda + 1)


def cv_lambda(X0: np.ndarray, x1: np.ndarray, *, lambda_min_ratio: float = 1e-8,
              n_lambda: int = 20, holdout_length: int = 1, min_1se: bool = True
              ) -> tuple[float, pd.DataFrame]:
    """Choose the ridge penalty by leave-``holdout_length``-periods-out cross-validation.

    As augsynth's ``cv_lambda``: folds hold out periods ``i .. i + h - 1`` for
    ``i = 1 .. T0 - h``; the error is the summed squared prediction error of the treated
    series in the held-out periods; the choice is the largest lambda within one standard
    error of the minimum (``min_1se``) or the minimiser.
    """
    T0 = X0.shape[1]
    if T0 - holdout_length < 2:
        raise EstimationError(
            f"Cross-validating the ridge penalty needs at least {holdout_length + 2} "
            f"pre-treatment periods; there are {T0}. Give lambda_= explicitly.")
    Xc_all = X0 - X0.mean(axis=0)
    x1c_all = x1 - X0.mean(axis=0)
    lambdas = _lambda_grid(Xc_all, lambda_min_ratio, n_lambda)
    errs = []
    for i in range(T0 - holdout_length):
        hold = np.arange(i, i + holdout_length)
        keep = np.setdiff1d(np.arange(T0), hold)
        Xk, xk = Xc_all[:, keep], x1c_all[keep]
        w_scm = _scm(Xk, xk)
        F = _ridge_factor(Xk, lambdas)  # fold data stay centred: columns were centred
        w = w_scm[None, :] + np.einsum("k,lkn->ln", xk - w_scm @ Xk, F)
        pred = w @ Xc_all[:, hold]  # (L, h)
        errs.append(((x1c_all[hold][None, :] - pred) ** 2).sum(axis=1))
    E = np.array(errs)  # (folds, L)
    mean = E.mean(axis=0)
    se = E.std(axis=0, ddof=1) / np.sqrt(E.shape[0])
    j = int(np.argmin(mean))
    lam = float(lambdas[mean <= mean[j] + se[j]].max()) if min_1se else float(lambdas[j])
    table = pd.DataFrame({"lambda": lambdas, "cv_error": mean, "cv_se": se,
                          "chosen": lambdas == lam})
    return lam, table


@dataclass
class _Fit:
    w: np.ndarray
    w_scm: np.ndarray
    lam: float
    counterfactual: np.ndarray  # (T,)
    cv: pd.DataFrame | None


def _fit(Y0: np.ndarray, y1: np.ndarray, T0: int, *, ridge: bool, fixedeff: bool,
         lam: float | None, cv_kw: dict) -> _Fit:
    """ASCM on controls ``Y0`` (n0 x T) and treated series ``y1`` (T,), pre-period ``:T0``."""
    if fixedeff:
        m0 = Y0[:, :T0].mean(axis=1, keepdims=True)
        m1 = y1[:T0].mean()
        Y0, y1 = Y0 - m0, y1 - m1
    X0, x1 = Y0[:, :T0], y1[:T0]
    cv = None
    if ridge and lam is None:
        lam, cv = cv_lambda(X0, x1, **cv_kw)
    w, w_scm = ridge_ascm_weights(X0, x1, 0.0 if lam is None else lam, ridge=ridge)
    cf = w @ Y0
    if fixedeff:
        cf = cf + m1
    return _Fit(w=w, w_scm=w_scm, lam=math.nan if lam is None else float(lam),
                counterfactual=cf, cv=cv)


# -- result --------------------------------------------------------------------------------
@result_dataclass
class AugSynthResult(EffectResult):
    """Result of :func:`augmented`.

    The attributes below are those it adds to :class:`~wsa_eval.results.EffectResult`.

    Attributes
    ----------
    unit_weights : Series
        Augmented weights by comparison unit (sum to one; may be negative).
    scm_weights : Series
        The synthetic-control weights before augmentation (simplex).
    lambda_ : float
        Ridge penalty used (NaN for ``progfunc="none"``).
    cv : DataFrame or None
        The cross-validation table (lambda, error, standard error, chosen).
    l2_imbalance, scaled_l2_imbalance : float
        Pre-period imbalance ``||x1 - X0'w||`` and the same divided by that of uniform
        weights (augsynth's fit diagnostics); also given for the SCM weights in
        ``diagnostics``.
    effects : DataFrame
        By period: gap (treated minus synthetic), ``time``, ``post``, ``treated``,
        ``synthetic``; for post periods ``ci_low`` / ``ci_high`` from the jackknife+.
    """

    unit_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    scm_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    lambda_: float = math.nan
    cv: pd.DataFrame | None = None
    l2_imbalance: float = math.nan
    scaled_l2_imbalance: float = math.nan
    n_effective_donors: float = math.nan
    time_weights: pd.Series | None = None  # none: for the shared plots
    treated_units: tuple = ()

    _plot_kinds: ClassVar[dict[str, str]] = {
        "trajectories": "wsa_eval.plotting.sdid:trajectory_plot",
        "weights": "wsa_eval.plotting.sdid:unit_weights_plot",
        "effects": "wsa_eval.plotting.sdid:gap_plot",
    }
    _default_plot: ClassVar[str | None] = "trajectories"

    def _summary_header(self) -> list[tuple[str, Any]]:
        h = super()._summary_header()
        h += [("Ridge penalty (lambda)", self.lambda_),
              ("Pre-period L2 imbalance (scaled)", self.scaled_l2_imbalance),
              ("Negative weights", int((self.unit_weights < 0).sum()))]
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        w = self.unit_weights.reindex(self.unit_weights.abs().sort_values(
            ascending=False).index)
        tab = pd.DataFrame({"unit": w.index, "weight": w.to_numpy(),
                            "scm_weight": self.scm_weights.reindex(w.index).to_numpy()})
        post = self.effects.loc[self.effects["post"]]
        return [("Weights (largest in absolute value)", tab.head(15)),
                ("Effects by period (after treatment)",
                 post[["time", "treated", "synthetic", "estimate", "ci_low", "ci_high"]])]


# -- user-facing ---------------------------------------------------------------------------
def augmented(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    progfunc: Literal["ridge", "none"] = "ridge",
    fixedeff: bool = False,
    lambda_: float | None = None,
    inference: Literal["jackknife+", "placebo"] | None = "jackknife+",
    alpha: float = 0.05,
    exclude: Any = None,
    lambda_min_ratio: float = 1e-8,
    n_lambda: int = 20,
    holdout_length: int = 1,
    min_1se: bool = True,
    progress: bool | None = None,
) -> AugSynthResult:
    """Augmented synthetic control estimate (Ben-Michael, Feller & Rothstein 2021).

    Parameters
    ----------
    data : DataFrame
        Balanced panel, one row per unit and period. Never modified.
    outcome, unit, time : str
        Column names (``time`` numeric).
    treated : label or list of labels
        Treated unit(s); several units must start together (their mean is the treated
        series, as in augsynth's ``single_augsynth``).
    start : period
        First treated period.
    progfunc : {"ridge", "none"}
        Outcome model for the bias correction: ridge regression (ASCM) or none (plain
        synthetic control on outcomes).
    fixedeff : bool
        Subtract each unit's pre-period mean first (de-meaned ASCM).
    lambda_ : float, optional
        Ridge penalty; by default chosen by cross-validation as in augsynth.
    inference : {"jackknife+", "placebo", None}
        See the module notes.
    alpha : float
        1 - coverage of the intervals / level of the test.
    exclude : label or list, optional
        Units to drop from the comparison pool.
    lambda_min_ratio, n_lambda, holdout_length, min_1se
        Cross-validation settings (augsynth's defaults).
    progress : bool or None
        Progress bar for the refits.

    Returns
    -------
    AugSynthResult
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                progfunc=progfunc, fixedeff=fixedeff, lambda_=lambda_, inference=inference,
                alpha=alpha, exclude=exclude, lambda_min_ratio=lambda_min_ratio,
                n_lambda=n_lambda, holdout_length=holdout_length, min_1se=min_1se)
    data = require_frame(data)
    check_choice("progfunc", progfunc, ("ridge", "none"))
    check_choice("inference", inference, ("jackknife+", "placebo", None))
    alpha = check_alpha(alpha)
    if lambda_ is not None and not (np.isfinite(lambda_) and lambda_ >= 0):
        raise SpecificationError(f"lambda_ must be a non-negative number, not {lambda_!r}.")
    d = _prepare(data, outcome, unit, time, treated, start, exclude)
    ridge = progfunc == "ridge"
    cv_kw = dict(lambda_min_ratio=lambda_min_ratio, n_lambda=n_lambda,
                 holdout_length=holdout_length, min_1se=min_1se)
    fit_kw = dict(ridge=ridge, fixedeff=fixedeff, lam=lambda_, cv_kw=cv_kw)
    fit = _fit(d.Y0, d.y1, d.T0, **fit_kw)
    gaps = d.y1 - fit.counterfactual
    T, T0 = len(d.times), d.T0
    lo_t, hi_t = np.full(T, np.nan), np.full(T, np.nan)
    ci, p = (math.nan, math.nan), math.nan
    inf_text = "none (inference=None)"
    warn_list: list[str] = []
    if inference == "jackknife+":
        lo_t, hi_t, ci, inf_text = _jackknife_plus(d.Y0, d.y1, T0, fit_kw, alpha, progress)
        if T0 < 10:
            msg = (f"Only {T0} pre-treatment periods: the jackknife+ interval rests on "
                   f"{T0} leave-one-out fits and is coarse.")
            warn_list.append(msg)
            warnings.warn(msg, DataWarning, stacklevel=2)
    elif inference == "placebo":
        p, inf_text = _placebo_p_value(d.Y0, gaps, T0, fit_kw, progress)
    effects = tidy_frame(
        [_fmt(t) for t in d.times], gaps, None, alpha=alpha,
        p_values=np.full(T, np.nan), ci=(lo_t, hi_t),
        extra={"time": d.times, "post": d.times >= d.start, "treated": d.y1,
               "synthetic": fit.counterfactual})
    diagnostics, l2, l2_u = _diagnostics(d.Y0, d.y1, T0, fit, gaps, fixedeff)
    name = ("Augmented synthetic control, ridge (Ben-Michael, Feller & Rothstein 2021)"
            if ridge else "Synthetic control on outcomes (augsynth form, no augmentation)")
    if fixedeff:
        name += ", de-meaned"
    idx = pd.Index(d.donors, name=unit)
    spec = make_spec("wsa_eval.synth.augmented", args, data_hash=hash_frame(data))
    return AugSynthResult(
        method=name, spec=spec, diagnostics=diagnostics, warnings=tuple(warn_list),
        estimate=float(gaps[T0:].mean()), ci_low=ci[0], ci_high=ci[1], p_value=p,
        alpha=alpha, inference=inf_text,
        estimand="average effect on the treated over post-treatment periods",
        effects=effects, n_obs=int(d.n_obs), n_units=int(d.n_units), n_treated=len(d.tu),
        unit_weights=pd.Series(fit.w, index=idx, name="weight"),
        scm_weights=pd.Series(fit.w_scm, index=idx, name="scm_weight"),
        lambda_=fit.lam, cv=fit.cv, l2_imbalance=l2,
        scaled_l2_imbalance=l2 / l2_u if l2_u > 0 else math.nan,
        n_effective_donors=float(1.0 / np.sum(fit.w**2)), treated_units=tuple(d.tu),
    )


@dataclass
class _Data:
    Y0: np.ndarray  # comparison units x periods
    y1: np.ndarray  # mean of the treated units by period
    donors: list
    times: np.ndarray
    T0: int
    start: Any
    tu: list
    n_obs: int
    n_units: int


def _prepare(data, outcome, unit, time, treated, start, exclude) -> _Data:
    """Validate the panel and build the wide outcome arrays (treated units averaged)."""
    if isinstance(start, dict):
        vals = set(start.values())
        if len(vals) != 1:
            raise SpecificationError(
                "augmented() needs all treated units to start in the same period (staggered "
                "adoption is not supported here; use wsa_eval.synth.sdid for it).")
        start = vals.pop()
    tu = [treated] if np.isscalar(treated) else list(treated)
    if exclude is not None:
        ex = [exclude] if np.isscalar(exclude) else list(exclude)
        if unit in data.columns:
            absent = [u for u in ex if u not in set(data[unit])]
            if absent:
                raise SpecificationError(
                    f"exclude= names unit(s) {format_examples(absent)} not in column {unit!r}.")
            if set(ex) & set(tu):
                raise SpecificationError("A treated unit cannot also be excluded.")
            data = data.loc[~data[unit].isin(ex)]
    rep = validate_panel(data, unit=unit, time=time, outcome=outcome, treated=tu,
                         start=start, control_group="never_treated", min_pre_periods=2,
                         always_treated="error", warn=False)
    for w in rep.warnings:
        warnings.warn(w, DataWarning, stacklevel=3)
    Yw = rep.data.pivot(index=unit, columns=time, values=outcome)
    times = Yw.columns.to_numpy()
    is_tr = Yw.index.isin(tu)
    Y0 = Yw.to_numpy(dtype=float)[~is_tr]
    y1 = Yw.to_numpy(dtype=float)[is_tr].mean(axis=0)
    T0 = int((times < start).sum())
    if Y0.shape[0] < 2:
        raise EstimationError("augmented() needs at least two comparison units.")
    if np.ptp(Y0[:, :T0]) == 0 and np.ptp(y1[:T0]) == 0:
        raise EstimationError(
            f"The outcome {outcome!r} is constant before {start}: nothing to match on.")
    return _Data(Y0=Y0, y1=y1, donors=list(Yw.index[~is_tr]), times=times, T0=T0,
                 start=start, tu=tu, n_obs=int(Yw.size), n_units=int(Yw.shape[0]))


def _jackknife_plus(Y0, y1, T0, fit_kw, alpha, progress):
    """augsynth's time_jackknife_plus (Barber et al. 2021): leave each pre-period out,
    refit, predict it and the post-periods; intervals from the quantiles of the
    leave-one-out predictions -/+ the absolute held-out errors."""
    T = Y0.shape[1]
    ests = np.empty((T0, T - T0 + 1))
    errs = np.empty(T0)
    for s in progress_iter(range(T0), total=T0, desc="jackknife+", progress=progress):
        order = np.r_[np.delete(np.arange(T0), s), s, np.arange(T0, T)]
        f = _fit(Y0[:, order], y1[order], T0 - 1, **fit_kw)  # a given lambda_ is kept
        est = f.counterfactual[T0:]
        ests[s, :-1] = est
        ests[s, -1] = est.mean()
        errs[s] = y1[s] - f.counterfactual[T0 - 1]
    lo_cf = np.quantile(ests - np.abs(errs)[:, None], alpha / 2, axis=0)
    hi_cf = np.quantile(ests + np.abs(errs)[:, None], 1 - alpha / 2, axis=0)
    y1_post = np.r_[y1[T0:], y1[T0:].mean()]
    lo, hi = y1_post - hi_cf, y1_post - lo_cf
    lo_t, hi_t = np.full(T, np.nan), np.full(T, np.nan)
    lo_t[T0:], hi_t[T0:] = lo[:-1], hi[:-1]
    text = (f"jackknife+ over {T0} pre-treatment periods (Barber et al. 2021; augsynth's "
            "time_jackknife_plus); interval only, no standard error")
    return lo_t, hi_t, (float(lo[-1]), float(hi[-1])), text


def _placebo_p_value(Y0, gaps, T0, fit_kw, progress):
    """In-space placebo: every comparison unit treated in turn; rank of the post/pre RMSPE
    ratio, ``(1 + #{placebo ratio >= ratio}) / (J + 1)``."""
    def ratio(g: np.ndarray) -> float:
        pre = np.sqrt(np.mean(g[:T0] ** 2))
        return float(np.sqrt(np.mean(g[T0:] ** 2)) / max(pre, 1e-12 * (1 + abs(g).max())))

    r0 = ratio(gaps)
    J = Y0.shape[0]
    rs = []
    for j in progress_iter(range(J), total=J, desc="placebo", progress=progress):
        f = _fit(Y0[np.delete(np.arange(J), j)], Y0[j], T0, **fit_kw)
        rs.append(ratio(Y0[j] - f.counterfactual))
    rs = np.array(rs)
    p = float((1 + np.sum(rs >= r0)) / (J + 1))
    text = (f"in-space placebo test over {J} comparison units (post/pre RMSPE ratio); "
            f"smallest possible p-value {1 / (J + 1):.3g}; p-value only")
    return p, text


def _diagnostics(Y0, y1, T0, fit, gaps, fixedeff):
    """Pre-period imbalance of the augmented, SCM and uniform weights, and the bias
    correction the augmentation applied."""
    X0, x1 = Y0[:, :T0], y1[:T0]
    if fixedeff:
        X0 = X0 - X0.mean(axis=1, keepdims=True)
        x1 = x1 - x1.mean()
    l2 = float(np.linalg.norm(x1 - fit.w @ X0))
    l2_u = float(np.linalg.norm(x1 - X0.mean(axis=0)))
    l2_scm = float(np.linalg.norm(x1 - fit.w_scm @ X0))
    centre = Y0[:, :T0].mean(axis=1, keepdims=True) if fixedeff else 0.0
    return {"l2_imbalance_scm": l2_scm, "l2_imbalance_uniform": l2_u,
            "pre_period_rmse": float(np.sqrt(np.mean(gaps[:T0] ** 2))),
            "estimated_bias_correction": float(
                np.mean((fit.w_scm - fit.w) @ (Y0[:, T0:] - centre)))}, l2, l2_u


def _fmt(t: Any) -> str:
    if isinstance(t, (float, np.floating)) and float(t).is_integer():
        return str(int(t))
    return str(t)
