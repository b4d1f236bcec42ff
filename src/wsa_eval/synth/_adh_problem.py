"""The ADH synthetic-control problem: predictors, the design matrices, one fit (the inner
weights and the outer V search) and the training/validation V. The maths behind
:func:`wsa_eval.synth.adh.synthetic_control`, kept apart from the user-facing function so
that the placebo loops (:mod:`.placebo`) refit without importing the result classes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils import (
    require_columns,
    require_frame,
)
from ..errors import (
    DataWarning,
    EstimationError,
    PanelError,
    SpecificationError,
    format_examples,
)
from ..panel import validate_panel
from ._qp import (
    solve_weights,
)
from ._vsearch import nested_v

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
