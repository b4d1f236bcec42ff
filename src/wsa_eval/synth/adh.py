"""Synthetic control with nested predictor weights (Abadie, Diamond & Hainmueller).

One treated unit, ``J`` donors, ``T0`` periods before the intervention. The synthetic control
is the convex combination of donors ``W = (w_2, ..., w_{J+1})`` (``w_j >= 0``, ``sum w_j = 1``)
that best reproduces the treated unit's predictors ``X_1`` (``K`` covariate averages and
outcome values before the start):

    W*(V) = argmin_W (X_1 - X_0 W)' V (X_1 - X_0 W),

with ``V`` a diagonal matrix of predictor weights. ``V`` is chosen (Abadie & Gardeazabal 2003;
Abadie, Diamond & Hainmueller 2010, 2011) to minimise the mean squared prediction error of
the outcome over the pre-period, ``||Z_1 - Z_0 W*(V)||^2 / T0`` ("nested" optimisation, as R
and Stata ``synth`` do), or set by the user, or chosen on a training period and validated on
a later pre-period window (Abadie, Diamond & Hainmueller 2015, AJPS). The effect in a
post-period ``t`` is the gap ``Y_1t - sum_j w_j Y_jt``.

Computation. Predictors are divided by their standard deviation across the treated unit and
donors (as Synth does), so ``V`` is reported on that standardised scale, normalised to sum
to one. The inner problem is an exact simplex least-squares problem solved by a primal
active set warm-started from the previous solution (``wsa_eval.synth._qp``). The outer
problem (``wsa_eval.synth._vsearch``) is searched over ``V`` with every weight at least
``exp(-12)`` (~6e-6) of the largest (which keeps W well defined): first a linear programme
checks whether some V makes the best convex combination of donors for the outcome (a lower
bound on the loss, reported) the inner solution -- then that V is a certified global
optimum; else R Synth's two starting points (equal and regression-based V), equal weights on
the raw scale and the best "hierarchical corners" of the V simplex each start a quasi-Newton
search with the exact gradient, the best few are polished (coordinate scan on the log
scale, Nelder-Mead, quasi-Newton), and seeded random starts are added until two starts agree
on the best fit to 0.1% (at most 60). The spread of the objective across starts is reported
in ``diagnostics["objective_spread"]``; a ConvergenceWarning says when the best starts
disagree by more than 1%, when the search stopped on its budget, or when a final restart
still improves the fit. On the six hard problems of the tests, Proposition 99 and the
Basque Country the default reaches the best fit a 200-start run and an independent brute
force find, to 0.1% (benchmarks/synth/bench_adh_hard.py). When several donor weightings fit
the predictors equally well (ties, or the treated unit inside the donors' hull on the
weighted predictors) a ConvergenceWarning says the weights are not unique.

Penalised synthetic control (Abadie & L'Hour 2021, JASA) adds
``lambda * sum_j w_j ||X_1 - X_{0j}||_V^2`` to the inner objective, which favours donors close
to the treated unit and makes the weights unique when the treated unit lies inside the
donors' convex hull.

Assumptions: the treated unit's untreated outcome follows (approximately) the same linear
factor structure as the donors' and lies inside the donors' convex hull; no donor is affected
by the intervention (exclude areas with their own schemes with ``exclude=``); no anticipation
before ``start``; a long pre-period with a close pre-treatment fit.

References
----------
Abadie, A. & Gardeazabal, J. (2003). The economic costs of conflict: a case study of the
Basque Country. American Economic Review 93(1), 113-132.
Abadie, A., Diamond, A. & Hainmueller, J. (2010). Synthetic control methods for comparative
case studies: estimating the effect of California's tobacco control program. JASA 105(490),
493-505.
Abadie, A., Diamond, A. & Hainmueller, J. (2011). Synth: an R package for synthetic control
methods in comparative case studies. Journal of Statistical Software 42(13).
Abadie, A., Diamond, A. & Hainmueller, J. (2015). Comparative politics and the synthetic
control method. American Journal of Political Science 59(2), 495-510.
Abadie, A. & L'Hour, J. (2021). A penalized synthetic control estimator for disaggregated
data. JASA 116(536), 1817-1834.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils import (
    check_alpha,
    hash_frame,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import (
    DataWarning,
    EstimationError,
    PanelError,
    SpecificationError,
    format_examples,
)
from ..panel import validate_panel
from ..results import make_spec
from ._qp import (  # noqa: F401  (re-exported: the maths of this estimator)
    _degenerate,
    outcome_only_bound,
    simplex_ls,
    solve_weights,
)
from ._vsearch import nested_v

__all__ = ["synthetic_control", "Predictor", "solve_weights", "nested_v"]

_V_METHODS = ("nested", "inverse_variance", "equal", "train_validation")


# ------------------------------------------------------------------------------------------
# predictor specification
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Predictor:
    """One row of ``X``: a variable summarised (``op``: mean or median) over ``periods``."""

    variable: str
    periods: tuple[Any, ...]
    op: str = "mean"
    label: str = ""

    def shifted(self, times: np.ndarray, shift: int) -> Predictor | None:
        """The same predictor measured ``shift`` periods earlier (None when out of range)."""
        pos = [int(np.searchsorted(times, p)) - shift for p in self.periods]
        pos = [p for p in pos if 0 <= p < len(times)]
        if not pos:
            return None
        return Predictor(self.variable, tuple(times[p] for p in pos), self.op, self.label)


def _fmt_periods(periods: Sequence[Any]) -> str:
    ps = [int(p) if float(p).is_integer() else p for p in periods]
    if len(ps) == 1:
        return str(ps[0])
    if all(isinstance(p, int) for p in ps) and ps == list(range(ps[0], ps[-1] + 1)):
        return f"{ps[0]}-{ps[-1]}"
    return ",".join(map(str, ps))


def _as_periods(p: Any) -> list[Any]:
    if isinstance(p, (str, bytes)) or not isinstance(p, Iterable):
        return [p]
    return list(p)


def _parse_predictors(
    outcome: str,
    predictors: Sequence[str] | Mapping[str, Any] | None,
    predictor_periods: Any,
    special_predictors: Sequence[Any] | None,
    pre_times: np.ndarray,
    times: np.ndarray,
) -> list[Predictor]:
    out: list[Predictor] = []
    default_periods = list(pre_times) if predictor_periods is None else _as_periods(
        predictor_periods)
    if predictors is not None:
        if isinstance(predictors, str):
            predictors = [predictors]
        items = (predictors.items() if isinstance(predictors, Mapping)
                 else [(p, None) for p in predictors])
        for var, per in items:
            per = default_periods if per is None else _as_periods(per)
            out.append(Predictor(var, tuple(per), "mean", f"{var} ({_fmt_periods(per)} mean)"))
    for sp in special_predictors or ():
        if isinstance(sp, Predictor):
            out.append(sp)
            continue
        if not isinstance(sp, (tuple, list)) or len(sp) not in (2, 3):
            raise SpecificationError(
                "Each special predictor must be (variable, periods) or (variable, periods, op), "
                f"e.g. ('cigsale', [1975], 'mean'); got {sp!r}.")
        var, per = sp[0], _as_periods(sp[1])
        op = sp[2] if len(sp) == 3 else "mean"
        if op not in ("mean", "median"):
            raise SpecificationError(f"Special predictor {var!r}: op must be 'mean' or 'median', "
                                     f"not {op!r}.")
        lab = f"{var} ({_fmt_periods(per)})" if len(per) == 1 else \
            f"{var} ({_fmt_periods(per)} {op})"
        out.append(Predictor(var, tuple(per), op, lab))
    if not out:  # default: the outcome in every pre-period
        out = [Predictor(outcome, (t,), "mean", f"{outcome} ({_fmt_periods([t])})")
               for t in pre_times]
    tset = set(times.tolist())
    for p in out:
        bad = [t for t in p.periods if t not in tset]
        if bad:
            raise SpecificationError(
                f"Predictor {p.label!r} uses period(s) {format_examples(bad, quote=False)} that "
                f"are not in the data (periods run from {times[0]} to {times[-1]}).")
    labels = [p.label for p in out]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise SpecificationError(f"Predictor(s) {format_examples(dup)} are given twice.")
    return out


# ------------------------------------------------------------------------------------------
# the problem: wide arrays for every unit, so placebo refits need no pandas
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Problem:
    units: np.ndarray  # labels; row order of Y and covariates
    times: np.ndarray
    Y: np.ndarray  # units x times
    covs: dict[str, np.ndarray]
    treated: int  # row of the treated unit
    donors: np.ndarray  # rows of the donors
    start: Any
    predictors: tuple[Predictor, ...]
    fit_periods: tuple[Any, ...]  # periods whose outcome MSPE chooses V (pre_period)
    v: Any
    validation_periods: tuple[Any, ...] | None
    n_starts: int | None
    seed: int
    penalty: float | None
    outcome: str

    def predictor_matrix(self, preds: Sequence[Predictor], rows: np.ndarray) -> np.ndarray:
        """K x len(rows) predictor values (NaN where a unit has no data in the window)."""
        X = np.empty((len(preds), len(rows)))
        tpos = {t: i for i, t in enumerate(self.times.tolist())}
        for k, p in enumerate(preds):
            A = self.Y if p.variable == self.outcome and p.variable not in self.covs \
                else self.covs[p.variable]
            cols = [tpos[t] for t in p.periods]
            block = A[np.ix_(rows, cols)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                X[k] = np.nanmedian(block, axis=1) if p.op == "median" else \
                    np.nanmean(block, axis=1)
        return X


# ------------------------------------------------------------------------------------------
# one fit (used for the main estimate and every placebo / leave-one-out / in-time refit)
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Fit:
    w: np.ndarray
    v: np.ndarray
    labels: tuple[str, ...]
    X1: np.ndarray  # raw predictors
    X0: np.ndarray
    synthetic: np.ndarray  # over all problem times
    gap: np.ndarray
    fit_mspe: float
    report: dict[str, Any]
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class _Design:
    """The arrays of one fit: predictors (raw and standardised) and fitting-period outcomes."""

    preds: list[Predictor]  # the predictors kept
    X: np.ndarray  # K x (1 + J) raw predictors, treated first
    sd: np.ndarray  # (K,) their standard deviations across units
    X1s: np.ndarray  # standardised, treated
    X0s: np.ndarray  # standardised, donors (K x J)
    z1: np.ndarray  # treated outcome over the fitting periods
    Z0: np.ndarray  # donors' outcomes over the fitting periods (T0 x J)
    dropped: tuple[str, ...]  # constant predictors


def _design(prob: _Problem, treated: int, donors: np.ndarray, preds: list[Predictor],
            fit_periods: list[Any], main: bool) -> _Design:
    """Predictor matrix, standardisation and fitting-period outcomes for one fit.

    A predictor with no data for a unit is an error in the main fit (naming it) and is
    left out of a placebo fit; predictors constant across units are dropped (reported)."""
    rows = np.concatenate([[treated], donors])
    X = prob.predictor_matrix(preds, rows)
    nan = np.isnan(X)
    if nan.any():
        k = int(np.flatnonzero(nan.any(axis=1))[0])
        who = [prob.units[rows[i]] for i in np.flatnonzero(nan[k])]
        if main or nan[k].all():
            raise EstimationError(
                f"Predictor {preds[k].label!r} has no data for unit(s) "
                f"{format_examples([str(u) for u in who])} (every value of "
                f"{preds[k].variable!r} in its periods is missing). Choose periods where the "
                "variable is observed, or drop the predictor.")
        keep = ~nan.any(axis=1)
        X = X[keep]
        preds = [p for p, kk in zip(preds, keep) if kk]
    sd = X.std(axis=1, ddof=1)
    const_rows = ~(sd > 1e-12 * np.maximum(np.abs(X).max(axis=1), 1e-300))
    dropped = tuple(p.label for p, c in zip(preds, const_rows) if c)
    if const_rows.all():
        raise EstimationError(
            "Every predictor takes the same value for the treated unit and all donors, so "
            "they cannot tell donors apart; check the predictors and the outcome "
            f"{prob.outcome!r}.")
    X, sd = X[~const_rows], sd[~const_rows]
    preds = [p for p, c in zip(preds, const_rows) if not c]
    Xs = X / sd[:, None]
    tpos = {t: i for i, t in enumerate(prob.times.tolist())}
    fcols = [tpos[t] for t in fit_periods]
    return _Design(preds=preds, X=X, sd=sd, X1s=Xs[:, 0], X0s=Xs[:, 1:],
                   z1=prob.Y[treated, fcols], Z0=prob.Y[np.ix_(donors, fcols)].T,
                   dropped=dropped)


def _fit(prob: _Problem, treated: int, donors: np.ndarray, *, start: Any = None,
         preds: Sequence[Predictor] | None = None, fit_periods: Sequence[Any] | None = None,
         v_method: Any = None, main: bool = False) -> _Fit:
    start = prob.start if start is None else start
    preds = list(prob.predictors if preds is None else preds)
    fit_periods = list(prob.fit_periods if fit_periods is None else fit_periods)
    v_method = prob.v if v_method is None else v_method
    d = _design(prob, treated, donors, preds, fit_periods, main)
    X1, X0, z1, Z0, sd, preds = d.X1s, d.X0s, d.z1, d.Z0, d.sd, d.preds
    K = len(preds)
    report: dict[str, Any] = {}
    if isinstance(v_method, str) and v_method == "nested":
        v, inner, report = nested_v(X1, X0, z1, Z0, penalty=prob.penalty,
                                    n_starts=prob.n_starts, seed=prob.seed, raw_sd=sd)
    elif isinstance(v_method, str) and v_method == "train_validation":
        v, inner, report = _train_validation(prob, treated, donors, start, preds, fit_periods,
                                             X1, X0)
    else:
        if isinstance(v_method, str) and v_method == "inverse_variance":
            v = np.full(K, 1.0 / K)
        elif isinstance(v_method, str) and v_method == "equal":
            v = sd ** 2 / np.sum(sd ** 2)  # equal weights on the raw predictors
        else:
            v = _user_v(v_method, preds, d.dropped)
        inner = solve_weights(X1, X0, v, prob.penalty)
        report = {"starts": [], "evaluations": 1}
    w = inner.w
    synthetic = w @ prob.Y[donors]
    gap = prob.Y[treated] - synthetic
    e = z1 - Z0 @ w
    report["inner_kkt_gap"] = inner.kkt_gap
    report["inner_converged"] = inner.converged
    return _Fit(w=w, v=v, labels=tuple(p.label for p in preds), X1=d.X[:, 0], X0=d.X[:, 1:],
                synthetic=synthetic, gap=gap, fit_mspe=float(e @ e) / len(e), report=report,
                dropped=d.dropped)


def _user_v(v_method: Any, preds: Sequence[Predictor], dropped: Sequence[str]) -> np.ndarray:
    labels = [p.label for p in preds]
    if isinstance(v_method, Mapping):
        unknown = [k for k in v_method if k not in labels and k not in dropped]
        if unknown:
            raise SpecificationError(
                f"v= names predictor(s) {format_examples(list(unknown))} that are not in the "
                f"model; the predictors are {format_examples(labels, 20)}.")
        missing = [lab for lab in labels if lab not in v_method]
        if missing:
            raise SpecificationError(f"v= gives no weight for predictor(s) "
                                     f"{format_examples(missing)}.")
        v = np.array([float(v_method[lab]) for lab in labels])
    else:
        v = np.asarray(v_method, dtype=float).ravel()
        if v.size != len(labels) + len(dropped):
            raise SpecificationError(
                f"v= has {v.size} weights but there are {len(labels) + len(dropped)} predictors "
                f"({format_examples(labels, 20)}).")
        if dropped:
            raise SpecificationError(
                f"Predictor(s) {format_examples(list(dropped))} are constant across units and "
                "were dropped; give v= as a dict keyed by predictor label instead.")
    if not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
        raise SpecificationError("v= must be non-negative numbers, not all zero.")
    return v / v.sum()


def _train_validation(prob: _Problem, treated: int, donors: np.ndarray, start: Any,
                      preds: Sequence[Predictor], fit_periods: Sequence[Any],
                      X1: np.ndarray, X0: np.ndarray) -> tuple[np.ndarray, Any, dict]:
    """ADH (2015): choose V on predictors measured in a training window, judged on the
    outcome in a later validation window; then compute W with the final predictors."""
    fit_periods = list(fit_periods)
    if prob.validation_periods is not None:
        valid = [t for t in prob.validation_periods if t in set(fit_periods)]
    else:
        valid = fit_periods[len(fit_periods) // 2:]
    if len(valid) < 1 or len(valid) >= len(fit_periods):
        raise SpecificationError(
            "train_validation needs a validation window that is a strict, non-empty part of "
            f"the pre-period; got {valid!r}.")
    shift = len(valid)
    tr_preds = [p.shifted(prob.times, shift) for p in preds]
    keep = [i for i, p in enumerate(tr_preds) if p is not None]
    if not keep:
        raise SpecificationError("No predictor can be measured in the training window; use a "
                                 "shorter validation window.")
    rows = np.concatenate([[treated], donors])
    Xt = prob.predictor_matrix([tr_preds[i] for i in keep], rows)
    good = ~np.isnan(Xt).any(axis=1)
    sd = Xt.std(axis=1, ddof=1)
    good &= sd > 0
    keep = [keep[i] for i in np.flatnonzero(good)]
    Xt = Xt[good] / sd[good][:, None]
    tpos = {t: i for i, t in enumerate(prob.times.tolist())}
    vc = [tpos[t] for t in valid]
    vt, inner_t, rep = nested_v(Xt[:, 0], Xt[:, 1:], prob.Y[treated, vc],
                                prob.Y[np.ix_(donors, vc)].T, penalty=prob.penalty,
                                n_starts=prob.n_starts, seed=prob.seed)
    v = np.full(len(preds), 1e-8)
    v[keep] = vt
    v = v / v.sum()
    inner = solve_weights(X1, X0, v, prob.penalty)
    rep = dict(rep)
    rep["validation_periods"] = valid
    rep["validation_mspe"] = rep.pop("best_loss")
    lost = [preds[i].label for i in range(len(preds)) if i not in set(keep)]
    rep["train_dropped"] = lost
    return v, inner, rep


# ------------------------------------------------------------------------------------------
# the user-facing function
# ------------------------------------------------------------------------------------------
def _build_problem(data: pd.DataFrame, *, outcome: str, unit: str, time: str, treated: Any,
                   start: Any, predictors: Any, predictor_periods: Any,
                   special_predictors: Any, donors: Any, exclude: Any, v: Any,
                   pre_period: Any, validation_periods: Any, n_starts: int, seed: int,
                   penalty: float | None) -> _Problem:
    require_frame(data)
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    units_all = pd.unique(data[unit].dropna())
    if treated not in set(units_all.tolist()):
        raise PanelError(
            f"The treated unit {treated!r} does not appear in the {unit!r} column. Units in the "
            f"data include {format_examples([str(u) for u in units_all], 8)}.")
    if donors is not None:
        donors = [donors] if np.isscalar(donors) else list(donors)
        missing = [d for d in donors if d not in set(units_all.tolist())]
        if missing:
            raise SpecificationError(f"Donor(s) {format_examples(missing)} are not in the "
                                     f"{unit!r} column.")
    else:
        donors = [u for u in units_all if u != treated]
    excl = [] if exclude is None else ([exclude] if np.isscalar(exclude) else list(exclude))
    unknown = [e for e in excl if e not in set(units_all.tolist())]
    if unknown:
        raise SpecificationError(f"exclude= names unit(s) {format_examples(unknown)} that are "
                                 f"not in the {unit!r} column.")
    if treated in excl:
        raise SpecificationError(f"The treated unit {treated!r} is also in exclude=.")
    donors = [d for d in donors if d != treated and d not in set(excl)]
    if len(donors) < 2:
        raise EstimationError(f"Only {len(donors)} donor unit(s) remain after exclusions; a "
                              "synthetic control needs at least two.")
    keep_units = [treated, *donors]
    sub = data.loc[data[unit].isin(keep_units)]
    # covariates named by the predictors
    tmp_times = np.sort(pd.to_numeric(sub[time], errors="coerce").dropna().unique())
    pre_tmp = tmp_times[tmp_times < start] if len(tmp_times) else tmp_times
    if len(tmp_times) and not np.any(tmp_times >= start):
        raise PanelError(f"start={start!r} is after the last period in the data "
                         f"({tmp_times[-1]}): there is no post-period.")
    if len(tmp_times) and not np.any(tmp_times < start):
        raise PanelError(f"start={start!r} is at or before the first period in the data "
                         f"({tmp_times[0]}): there is no pre-period.")
    preds = _parse_predictors(outcome, predictors, predictor_periods, special_predictors,
                              pre_tmp, tmp_times)
    covars = sorted({p.variable for p in preds if p.variable != outcome})
    require_columns(data, {"predictors": covars})
    for cv in covars:
        if not pd.api.types.is_numeric_dtype(sub[cv]) or pd.api.types.is_bool_dtype(sub[cv]):
            raise SpecificationError(f"The predictor column {cv!r} must be numeric, not "
                                     f"{sub[cv].dtype}.")
        if sub[cv].isna().all():
            raise EstimationError(f"The predictor column {cv!r} is missing (NaN) in every row.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        rep = validate_panel(sub[[unit, time, outcome, *covars]], unit=unit, time=time,
                             outcome=outcome, treated=treated, start=start,
                             min_pre_periods=2, control_group="never_treated", warn=False)
    df = rep.data
    times = np.asarray(rep.times)
    if not np.any(times >= start):
        raise PanelError(f"start={start!r} is after the last period in the data "
                         f"({times[-1]}): there is no post-period.")
    units = np.array(keep_units, dtype=object)
    wide = df.pivot(index=unit, columns=time, values=outcome).reindex(index=keep_units,
                                                                       columns=times)
    Y = wide.to_numpy(dtype=float)
    covs = {cv: df.pivot(index=unit, columns=time, values=cv)
            .reindex(index=keep_units, columns=times).to_numpy(dtype=float) for cv in covars}
    pre_times = times[times < start]
    if pre_period is None:
        fit_periods = tuple(pre_times.tolist())
    else:
        fit_periods = tuple(_as_periods(pre_period))
        bad = [t for t in fit_periods if t not in set(pre_times.tolist())]
        if bad:
            raise SpecificationError(f"pre_period= includes period(s) "
                                     f"{format_examples(bad, quote=False)} that are not "
                                     f"pre-treatment periods in the data.")
    if len(fit_periods) < 2:
        raise PanelError(f"Only {len(fit_periods)} pre-treatment period(s) to fit on; a "
                         "synthetic control needs at least two (ideally many).")
    pre_cols = np.isin(times, np.asarray(fit_periods))
    Yp = Y[:, pre_cols]
    if np.ptp(Yp) == 0:
        raise EstimationError(f"The outcome {outcome!r} is constant over the pre-period for "
                              "every unit: nothing to fit.")
    if isinstance(v, str):
        if v not in _V_METHODS:
            raise SpecificationError(f"v={v!r} is not one of {format_examples(_V_METHODS)} "
                                     "(or give an array or dict of predictor weights).")
    if penalty is not None and (not np.isfinite(penalty) or penalty < 0):
        raise SpecificationError(f"penalty must be a non-negative number, not {penalty!r}.")
    vp = None if validation_periods is None else tuple(_as_periods(validation_periods))
    for arr in (Y, *covs.values(), times, units):  # the problem travels with the result
        arr.setflags(write=False)
    return _Problem(units=units, times=times, Y=Y, covs=covs, treated=0,
                    donors=np.arange(1, len(units)), start=start, predictors=tuple(preds),
                    fit_periods=fit_periods, v=v, validation_periods=vp,
                    n_starts=None if n_starts is None else int(n_starts), seed=int(seed),
                    penalty=penalty, outcome=outcome)


def synthetic_control(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    predictors: Sequence[str] | Mapping[str, Any] | None = None,
    predictor_periods: Any = None,
    special_predictors: Sequence[Any] | None = None,
    donors: Sequence[Any] | None = None,
    exclude: Sequence[Any] | None = None,
    v: str | Sequence[float] | Mapping[str, float] | np.ndarray = "nested",
    pre_period: Any = None,
    validation_periods: Any = None,
    n_starts: int | None = None,
    random_state: int | np.random.Generator | None = None,
    penalty: float | None = None,
    alpha: float = 0.05,
    progress: bool | None = None,
):
    """Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010).

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (never modified).
    outcome, unit, time : str
        Column names. ``time`` must be numeric (e.g. the year).
    treated : label
        The treated unit (e.g. ``"Greater Manchester"``).
    start : period
        Its first treated period; earlier periods are the pre-period.
    predictors : list of str or dict, optional
        Covariates averaged (ignoring missing values) over ``predictor_periods`` (default:
        every pre-period), like Synth's ``predictors`` with ``predictors.op = "mean"`` and
        ``time.predictors.prior``. A dict ``{variable: periods}`` sets the window per variable.
    special_predictors : list of tuples, optional
        ``(variable, periods, op)`` with ``op`` "mean" (default) or "median", e.g.
        ``[("cigsale", [1975]), ("cigsale", range(1980, 1989), "mean")]``.
        With neither ``predictors`` nor ``special_predictors`` the outcome in every
        pre-period is used.
    donors, exclude : lists of labels, optional
        The donor pool (default: every other unit) and units to remove from it (e.g. areas
        with their own schemes).
    v : "nested", "inverse_variance", "equal", "train_validation", array or dict
        Predictor weights: nested optimisation of the pre-period outcome MSPE (default);
        equal weights on standardised predictors ("inverse_variance"); equal weights on the
        raw predictors ("equal"); the training/validation choice of ADH (2015); or
        user weights on the standardised predictors (array in predictor order, or dict by
        predictor label, as in ``result.v_weights``).
    pre_period : periods, optional
        Periods whose outcome MSPE is minimised (Synth's ``time.optimize.ssr``); default
        every period before ``start``.
    validation_periods : periods, optional
        For ``v="train_validation"``: the validation window (default: the later half of the
        pre-period). Predictors are measured that many periods earlier for training.
    n_starts : int or None
        None (default): the adaptive search of :mod:`wsa_eval.synth._vsearch` (a linear
        programme that certifies the outcome-only optimum when some V attains it; R
        Synth's starts and screened corners of the V simplex, each followed by a
        quasi-Newton search; the best polished by a coordinate scan and Nelder-Mead; random
        starts added until two agree to 0.1% on the best fit, at most 60). An int: exactly
        that many local searches (deterministic starts first; ``n_starts=1`` is R Synth's
        single search from equal weights). ``diagnostics["objective_spread"]`` reports
        the spread of the objective across starts; a ConvergenceWarning says when the best
        starts disagree by more than 1% or the search stopped on its budget.
    random_state : int, Generator or None
        Seeds the random starting points (default None: a seed is drawn and recorded in
        ``spec["seed"]``; pass it back to repeat the run exactly).
    penalty : float, optional
        Abadie & L'Hour (2021) penalty ``lambda >= 0`` on donors far from the treated unit.
    alpha : float
        Level for intervals from later inference calls.
    progress : bool, optional
        Unused here (kept for a uniform signature; see ``result.placebo``).

    Returns
    -------
    SyntheticControlResult
        With ``weights``, ``v_weights``, ``effects`` (gap by period), ``pre_rmspe``,
        ``balance``; call ``.placebo()``, ``.conformal()``, ``.placebo_in_time()`` or
        ``.leave_one_out()`` for inference and robustness checks.
    """
    from ._results import SyntheticControlResult, build_result

    alpha = check_alpha(alpha)
    rng, seed_record = resolve_random_state(random_state)
    seed = seed_record if isinstance(seed_record, int) else int(rng.integers(0, 2**31 - 1))
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                predictors=predictors, predictor_periods=predictor_periods,
                special_predictors=special_predictors, donors=donors, exclude=exclude, v=v,
                pre_period=pre_period, validation_periods=validation_periods,
                n_starts=n_starts, seed=seed, penalty=penalty)
    prob = _build_problem(data, **args)
    fit = _fit(prob, prob.treated, prob.donors, main=True)
    spec_args = {k: (list(val) if isinstance(val, range) else val) for k, val in args.items()
                 if k != "seed"}
    spec = make_spec("synthetic_control", spec_args, data_hash=hash_frame(data),
                     seed=seed_record)
    res: SyntheticControlResult = build_result(prob, fit, alpha=alpha, spec=spec)
    return res
