"""Data preparation for :func:`wsa_eval.did.staggered.callaway_santanna` (private).

Turns the caller's long frame into unit-level arrays: the outcome as a units x periods
matrix for a balanced panel (or the cleaned rows for repeated cross-sections), each unit's
cohort, weight and cluster. The common clean case (numeric columns sorted by unit and
period, balanced, no covariates, weights or clusters) is checked with a few numpy passes
(:func:`wsa_eval.did._cs_moments.quick_panel`); anything else goes through
:func:`wsa_eval.panel.validate_panel`, which reports what it finds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._utils import hash_frame
from ..errors import EstimationError, PanelError, SpecificationError
from ..panel import validate_panel
from ._cs_moments import hash_arrays, quick_panel

__all__ = ["CSData", "prepare_cs"]


@dataclass
class CSData:
    """Unit-level arrays for the estimation steps."""

    n: int  # number of units
    n_obs: int  # rows used
    times: np.ndarray  # sorted periods
    glist: np.ndarray  # treated cohorts
    g_unit: np.ndarray  # (n,) first treated period, inf for never treated
    w_unit: np.ndarray | None  # (n,) weights with mean one; None when all one
    Y: np.ndarray | None = None  # (n, T) outcome of a balanced panel
    rows: pd.DataFrame | None = None  # cleaned rows (covariates, repeated cross-sections)
    codes: np.ndarray | None = None  # (rows,) unit code of each row (panel=False)
    w_row: np.ndarray | None = None  # (rows,) weights (panel=False)
    cl_codes: np.ndarray | None = None  # (n,) cluster of each unit
    cohort: np.ndarray | None = None  # (n,) cohort code: 0..G-1 treated (glist order), G never
    notes: list[str] = field(default_factory=list)
    data_hash: str = ""


def cohort_codes(g_unit: np.ndarray, glist: np.ndarray) -> np.ndarray:
    """Each unit's cohort code: 0..G-1 for the treated cohorts (``glist`` order), G for the
    never treated."""
    h = np.searchsorted(glist, g_unit)  # inf sorts after every cohort: code G
    return h.astype(np.intp, copy=False)


def prepare_cs(data: pd.DataFrame, *, outcome: str, unit: str, time: str, first_treated: str,
               control_group: str, covariates: list[str], anticipation: int, panel: bool,
               weights: str | None, cluster: str | None) -> CSData:
    """Validate and reshape the data (never modifies ``data``)."""
    d = _prepare(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                 control_group=control_group, covariates=covariates,
                 anticipation=anticipation, panel=panel, weights=weights, cluster=cluster)
    d.cohort = cohort_codes(d.g_unit, d.glist)
    return d


def _prepare(data: pd.DataFrame, *, outcome: str, unit: str, time: str, first_treated: str,
             control_group: str, covariates: list[str], anticipation: int, panel: bool,
             weights: str | None, cluster: str | None) -> CSData:
    if panel and not covariates and weights is None and cluster is None:
        quick = quick_panel(data, unit=unit, time=time, outcome=outcome,
                            first_treated=first_treated, anticipation=anticipation,
                            control_group=control_group)
        if quick is not None:
            Y, g_unit, times, _ = quick
            h = hash_arrays(*(data[c].to_numpy() for c in (unit, time, outcome, first_treated)),
                            names=(unit, time, outcome, first_treated))
            Yc = np.array(Y, dtype=float, copy=True)  # the result keeps its own copy
            Yc.setflags(write=False)
            return CSData(n=Y.shape[0], n_obs=Y.size, times=times,
                          glist=np.unique(g_unit[np.isfinite(g_unit)]), g_unit=g_unit,
                          w_unit=None, Y=Yc, data_hash=h)
    return _validated(data, outcome=outcome, unit=unit, time=time,
                      first_treated=first_treated, control_group=control_group,
                      covariates=covariates, anticipation=anticipation, panel=panel,
                      weights=weights, cluster=cluster)


def _validated(data: pd.DataFrame, *, outcome: str, unit: str, time: str, first_treated: str,
               control_group: str, covariates: list[str], anticipation: int, panel: bool,
               weights: str | None, cluster: str | None) -> CSData:
    """The general path: validate_panel, then the arrays."""
    try:
        report = validate_panel(data, unit=unit, time=time, outcome=outcome,
                                first_treated=first_treated, covariates=covariates or None,
                                weights=weights, control_group=control_group,
                                balanced=panel, anticipation=anticipation,
                                min_pre_periods=1, warn=False)
    except PanelError as exc:
        if panel and any("balanced panel" in p for p in exc.problems):
            raise PanelError(f"{exc} For an unbalanced panel or repeated cross-sections pass "
                             "panel=False.", exc.problems) from exc
        raise
    notes = list(report.warnings)
    df = report.data
    times = np.asarray(report.times, dtype=float)
    cohorts = report.cohorts.astype(float)
    # R did: not-yet-treated without never-treated units -> the last cohort is the control
    if control_group == "not_yet_treated" and not np.isinf(cohorts.to_numpy()).any():
        gmax = float(np.nanmax(cohorts.to_numpy()))
        notes = [m for m in notes if not m.startswith("No never-treated units")]
        notes.append(f"No never-treated units: the last cohort (first treated in {_fmt(gmax)}) "
                     f"is used as the comparison group and periods from "
                     f"{_fmt(gmax - anticipation)} on are dropped.")
        df = df.loc[df[time].to_numpy(dtype=float) < gmax - anticipation].reset_index(drop=True)
        times = times[times < gmax - anticipation]
        cohorts = cohorts.where(cohorts != gmax, np.inf)
    glist = np.unique(cohorts.to_numpy()[np.isfinite(cohorts.to_numpy())])
    if len(glist) == 0:
        raise EstimationError("No treated cohort is left to estimate.")
    if panel:
        # validate_panel returns a balanced panel sorted by unit, then time: unit i's rows
        # are i*T .. i*T+T-1, in the order of report.units
        uniq = pd.Index(report.units)
        n = len(uniq)
        codes = np.repeat(np.arange(n, dtype=np.intp), len(times))
    else:
        codes, uniq = pd.factorize(df[unit], sort=False)
        n = len(uniq)
    g_unit = cohorts.reindex(uniq).to_numpy(dtype=float)
    cl_codes = None
    if cluster is not None:
        cl_codes = _unit_constant_codes(df[cluster], codes, n, cluster)
    w_unit = w_row = None
    if weights is not None:
        w_row = df[weights].to_numpy(dtype=float)
        _check_unit_constant(w_row, codes, "weights", weights)
        w_unit = np.bincount(codes, weights=w_row, minlength=n) / np.bincount(codes,
                                                                             minlength=n)
        if not w_unit.sum() > 0:
            raise SpecificationError(f"The weights column {weights!r} is zero for every unit.")
        scale = w_unit.mean()
        w_unit, w_row = w_unit / scale, w_row / scale
    elif not panel:
        w_row = np.ones(len(df))
    out = CSData(n=n, n_obs=int(len(df)), times=times, glist=glist, g_unit=g_unit,
                 w_unit=w_unit, codes=None if panel else codes, w_row=w_row,
                 cl_codes=cl_codes, notes=notes, data_hash=hash_frame(data))
    if panel and not covariates:
        Y = np.array(df[outcome].to_numpy(dtype=float).reshape(n, len(times)))  # own copy
        Y.setflags(write=False)
        out.Y = Y
    else:
        out.rows = df
    return out


def _check_unit_constant(values: np.ndarray, codes: np.ndarray, what: str,
                         col: str | None) -> None:
    if len(values) == 0:
        return
    if np.any(np.diff(codes) < 0):
        order = np.argsort(codes, kind="stable")
        values, codes = values[order], codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    lo = np.minimum.reduceat(values, starts)
    hi = np.maximum.reduceat(values, starts)
    if np.any(hi - lo > 1e-12 * np.maximum(1.0, np.abs(hi))):
        raise SpecificationError(f"The {what} column {col!r} must be the same in every "
                                 "period of a unit.")


def _unit_constant_codes(col: pd.Series, codes: np.ndarray, n: int, name: str) -> np.ndarray:
    if col.isna().any():
        raise SpecificationError(f"The cluster column {name!r} has missing values.")
    ccodes, _ = pd.factorize(col, sort=False)
    _check_unit_constant(ccodes.astype(float), codes, "cluster", name)
    out = np.zeros(n, dtype=np.int64)
    out[codes] = ccodes
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)
