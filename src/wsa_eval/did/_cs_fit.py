"""Estimation step of :func:`wsa_eval.did.staggered.callaway_santanna` (private): every
ATT(g,t), the Gram matrix of the influence-function basis (for analytic standard errors)
and, when a bootstrap or clustering needs it, the basis itself summed within clusters.

Without covariates on a balanced panel and without clusters, the cells and the Gram matrix
come from cohort moments (:mod:`wsa_eval.did._cs_moments`: one pass over the outcome); the
unit-level basis is built only when the multiplier bootstrap asks for it. Covariates,
repeated cross-sections and clusters use the unit-level engine
(:mod:`wsa_eval.did._cs_engine`).
"""

from __future__ import annotations

import numpy as np

from ..inference.multiplier import cluster_sums
from ._cs_data import CSData
from ._cs_engine import CellPlan, PanelArrays, RCArrays, estimate_panel, estimate_rc
from ._cs_moments import cohort_moments, moment_cells

__all__ = ["fit_cells", "unit_basis"]


def _control_cohorts(d: CSData, plan: list[CellPlan], control_group: str,
                     anticipation: int) -> list[np.ndarray]:
    G = len(d.glist)
    out = []
    for c in plan:
        if control_group == "never_treated":
            out.append(np.array([G]))
            continue
        thr = d.times[max(c.ti, c.bi)] + anticipation
        later = [j for j, g in enumerate(d.glist) if g > thr and g != c.g]
        out.append(np.array([*later, G]))
    return out


def fit_cells(d: CSData, plan: list[CellPlan], *, control_group: str, method: str,
              anticipation: int, covariates: list[str], outcome: str, time: str,
              panel: bool, need_basis: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(att, gram, sums)``: ATT of every cell, ``S'S`` for the basis ``S`` summed within
    clusters, and ``S`` itself when ``need_basis`` (else None)."""
    if d.Y is not None and d.cl_codes is None and not need_basis:
        m = cohort_moments(d.Y, d.cohort, len(d.glist) + 1, d.w_unit)
        controls = _control_cohorts(d, plan, control_group, anticipation)
        att, gram = moment_cells(m, plan, controls, d.times, len(d.glist))
        return att, gram, None
    att, basis = unit_basis(d, plan, control_group=control_group, method=method,
                            anticipation=anticipation, covariates=covariates,
                            outcome=outcome, time=time, panel=panel)
    sums = cluster_sums(basis, d.cl_codes) if d.cl_codes is not None else basis
    # S'S without BLAS threads (whose start-up cost dominates on small shared machines)
    gram = np.einsum("ij,ik->jk", sums, sums)
    return att, gram, sums


def unit_basis(d: CSData, plan: list[CellPlan], *, control_group: str, method: str,
               anticipation: int, covariates: list[str], outcome: str, time: str,
               panel: bool) -> tuple[np.ndarray, np.ndarray]:
    """ATT of every cell and the unit-level basis ``[psi_1..psi_K, D_1..D_G]`` (n x (K+G))."""
    w_unit = np.ones(d.n) if d.w_unit is None else d.w_unit
    if panel:
        T = len(d.times)
        if d.Y is not None:
            y = np.ascontiguousarray(d.Y.T)
            x = None
        else:
            y = np.ascontiguousarray(d.rows[outcome].to_numpy(dtype=float).reshape(d.n, T).T)
            x = d.rows[covariates].to_numpy(dtype=float).reshape(d.n, T, len(covariates))
        arrays = PanelArrays(y=y, x=x, g=d.g_unit, w=w_unit, times=d.times, glist=d.glist)
        att, basis, _ = estimate_panel(arrays, plan, control_group, method, anticipation)
        return att, basis
    df = d.rows
    tidx = np.searchsorted(d.times, df[time].to_numpy(dtype=float))
    xr = df[covariates].to_numpy(dtype=float) if covariates else None
    arrays_rc = RCArrays(y=df[outcome].to_numpy(dtype=float), tidx=tidx, uid=d.codes,
                         g=d.g_unit[d.codes], w=d.w_row, x=xr, n_units=d.n, g_unit=d.g_unit,
                         w_unit=w_unit, times=d.times, glist=d.glist)
    att, basis, _ = estimate_rc(arrays_rc, plan, control_group, method, anticipation)
    return att, basis
