"""Data preparation and per-cohort fits for :mod:`wsa_eval.synth.sdid`: the wide outcome
matrix (comparison units first), the adoption cohorts with their tuning (Arkhangelsky et al.
2021; R synthdid's defaults), and one batch of cohort fits."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._utils import require_frame
from ..errors import DataWarning, EstimationError, SpecificationError, format_examples
from ..panel import validate_panel
from . import _sdid_core as core

__all__ = ["prepare_panel", "cohort_specs", "fit_cohorts"]


@dataclass
class _Panel:
    Y: np.ndarray  # units x periods, controls first
    units: list
    times: np.ndarray
    n_co: int
    starts: np.ndarray  # first treated period of each treated unit (rows n_co..)
    cohort_values: np.ndarray  # sorted unique starts
    report: Any


def prepare_panel(data, outcome, unit, time, treated, start, first_treated, exclude) -> _Panel:
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


def fit_cohorts(kind, panel: _Panel, C, P_by, specs, omega_init=None, lambda_init=None):
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


def cohort_specs(kind: str, panel: _Panel, outcome: str, zeta: float | None) -> list[_CohortSpec]:
    """One spec per adoption cohort: its treated rows, pre-period length, aggregation weight
    (share of treated unit-periods, Clarke et al. 2023) and tuning (noise level, zeta)."""
    Y, n_co, times = panel.Y, panel.n_co, panel.times
    T = len(times)
    specs: list[_CohortSpec] = []
    for a in panel.cohort_values:
        rows = n_co + np.flatnonzero(panel.starts == a)
        T0 = int((times < a).sum())
        t1 = T - T0
        noise = core.noise_level(Y[:n_co, :T0])
        if kind != "did" and not (noise > 0):
            raise EstimationError(
                f"The outcome {outcome!r} of the comparison units does not change at all "
                f"before {a:g}: with a constant outcome there is nothing to match on, so "
                "the weights are not identified. Check the outcome column.")
        specs.append(_CohortSpec(start=a, T0=T0, rows=rows, weight=len(rows) * t1,
                                 opts=_options(kind, noise if noise > 0 else 1.0, len(rows),
                                               t1, zeta), noise=noise))
    total = sum(sp.weight for sp in specs)
    for sp in specs:
        sp.weight /= total
    return specs
