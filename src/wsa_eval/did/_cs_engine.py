"""Estimation of every ATT(g,t) and its influence function on unit-level arrays.

Private engine of :mod:`wsa_eval.did.staggered` (Callaway & Sant'Anna 2021). The cell
plan (base period, comparison group) follows R ``did::att_gt``:

* varying base period: pre-treatment cells compare ``t`` with the period before it;
  cells from ``g - anticipation`` on compare with the last period before
  ``g - anticipation`` (``g - anticipation - 1`` with consecutive periods);
* universal base period: every cell compares with that last unaffected period, and the
  base cell itself is reported as 0 (a reference, no standard error);
* not-yet-treated comparison units are the never treated plus those first treated after
  ``max(t, base) + anticipation`` (other than cohort ``g``).

The output is the basis ``[psi_1..psi_K, D_1..D_G]`` (n x (K+G)) where ``psi_k`` is the
influence function of cell ``k`` (zero for units outside its 2x2 comparison, scaled as R
does) and ``D_g = w 1{G=g} - p_g`` the influence function of the cohort share ``p_g``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError
from ._cs_2x2 import panel_2x2, unconditional_did_if
from ._cs_rc import rc_2x2

__all__ = ["CellPlan", "plan_cells", "PanelArrays", "RCArrays", "estimate_panel",
           "estimate_rc", "cohort_shares"]


@dataclass(frozen=True)
class CellPlan:
    g: float
    gidx: int
    ti: int  # index of period t
    bi: int  # index of the base period
    reference: bool


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def plan_cells(glist: np.ndarray, times: np.ndarray, base_period: str,
               anticipation: float) -> list[CellPlan]:
    plan = []
    for gi, g in enumerate(glist):
        pre = np.flatnonzero(times + anticipation < g)
        if len(pre) == 0:  # validate_panel guarantees a pre-period; defensive
            raise EstimationError(f"Cohort {_fmt(g)} has no period before treatment.")
        last_pre = int(pre[-1])
        start = 0 if base_period == "universal" else 1
        for ti in range(start, len(times)):
            t = times[ti]
            if t >= g - anticipation or base_period == "universal":
                bi = last_pre
            else:
                bi = ti - 1
            plan.append(CellPlan(float(g), gi, ti, bi, bool(bi == ti)))
    return plan


def cohort_shares(g_unit: np.ndarray, w_unit: np.ndarray, glist: np.ndarray) -> np.ndarray:
    return np.array([np.mean(w_unit * (g_unit == g)) for g in glist])


def _controls(g_unit: np.ndarray, never: np.ndarray, cell: CellPlan, times: np.ndarray,
              control_group: str, anticipation: float) -> np.ndarray:
    if control_group == "never_treated":
        return never
    thr = times[max(cell.ti, cell.bi)] + anticipation
    return never | ((g_unit > thr) & (g_unit != cell.g))


@dataclass
class PanelArrays:
    y: np.ndarray  # (T, n): one contiguous row per period
    x: np.ndarray | None  # (n, T, p) covariates without the intercept
    g: np.ndarray  # (n,) first treated period, inf for never treated
    w: np.ndarray  # (n,) weights with mean one
    times: np.ndarray
    glist: np.ndarray


def _basis(n: int, k: int, g: np.ndarray, w: np.ndarray, glist: np.ndarray,
           pg: np.ndarray) -> np.ndarray:
    basis = np.zeros((n, k + len(glist)), order="F")
    for j, gg in enumerate(glist):
        basis[:, k + j] = w * (g == gg) - pg[j]
    return basis


def estimate_panel(a: PanelArrays, plan: list[CellPlan], control_group: str, method: str,
                   anticipation: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """ATT of every planned cell and the influence-function basis (balanced panel)."""
    n = a.y.shape[1]
    never = np.isinf(a.g)
    pg = cohort_shares(a.g, a.w, a.glist)
    basis = _basis(n, len(plan), a.g, a.w, a.glist, pg)
    att = np.zeros(len(plan))
    treat_w = [a.w * (a.g == gg) for gg in a.glist]
    treat_s = [tw.sum() for tw in treat_w]
    notes: list[str] = []
    # the weighted comparison indicator and its sum, computed once per comparison group
    # (one group for never-treated comparisons); buffers reused across cells
    cont_cache: dict[object, tuple[np.ndarray, np.ndarray, float]] = {}
    dy_buf, work = np.empty(n), np.empty(n)
    for k, c in enumerate(plan):
        if c.reference:
            continue
        key = None if control_group == "never_treated" else (max(c.ti, c.bi), c.g)
        if key not in cont_cache:
            cont = _controls(a.g, never, c, a.times, control_group, anticipation)
            cont_w = a.w * cont
            cont_cache = {key: (cont, cont_w, cont_w.sum())}  # keep only the latest
        cont, cont_w, s0 = cont_cache[key]
        if not s0 > 0:
            raise EstimationError(
                f"Cohort {_fmt(c.g)} has no comparison units in period "
                f"{_fmt(a.times[c.ti])} (base period {_fmt(a.times[c.bi])}): every other "
                "unit is already treated. Use control_group='never_treated' with "
                "never-treated units, or drop the periods after the last cohort starts.")
        dy = np.subtract(a.y[c.ti], a.y[c.bi], out=dy_buf)
        if a.x is None:
            att[k], _ = unconditional_did_if(dy, treat_w[c.gidx], cont_w, n,
                                             s1=treat_s[c.gidx], s0=s0, out=basis[:, k],
                                             work=work)
            continue
        sub = (a.g == c.g) | cont
        n1 = int(sub.sum())
        xb = a.x[sub, min(c.ti, c.bi), :]
        x = np.column_stack([np.ones(n1), xb])
        d = (a.g[sub] == c.g).astype(float)
        try:
            att[k], psi = panel_2x2(dy[sub], d, x, a.w[sub], method)
        except EstimationError as exc:
            raise EstimationError(f"ATT for cohort {_fmt(c.g)} in period "
                                  f"{_fmt(a.times[c.ti])}: {exc}") from exc
        basis[sub, k] = psi * (n / n1)
    return att, basis, notes


@dataclass
class RCArrays:
    y: np.ndarray  # (N,) observations
    tidx: np.ndarray  # (N,) period index
    uid: np.ndarray  # (N,) unit code 0..n-1
    g: np.ndarray  # (N,) cohort of the observation's unit
    w: np.ndarray  # (N,) weights (mean one over units)
    x: np.ndarray | None  # (N, p)
    n_units: int
    g_unit: np.ndarray  # (n,)
    w_unit: np.ndarray  # (n,)
    times: np.ndarray
    glist: np.ndarray


def estimate_rc(a: RCArrays, plan: list[CellPlan], control_group: str, method: str,
                anticipation: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Repeated cross-sections / unbalanced panels: RC 2x2 estimators per cell, influence
    functions summed within units (as R ``did`` with ``panel = FALSE``)."""
    n = a.n_units
    never = np.isinf(a.g)
    pg = cohort_shares(a.g_unit, a.w_unit, a.glist)
    basis = _basis(n, len(plan), a.g_unit, a.w_unit, a.glist, pg)
    att = np.zeros(len(plan))
    for k, c in enumerate(plan):
        if c.reference:
            continue
        cont = _controls(a.g, never, c, a.times, control_group, anticipation)
        sub = ((a.g == c.g) | cont) & ((a.tidx == c.ti) | (a.tidx == c.bi))
        d = (a.g[sub] == c.g).astype(float)
        post = (a.tidx[sub] == c.ti).astype(float)
        for label, cnt, per in (("cohort", d * post, c.ti), ("cohort", d * (1 - post), c.bi),
                                ("comparison", (1 - d) * post, c.ti),
                                ("comparison", (1 - d) * (1 - post), c.bi)):
            if not (cnt * a.w[sub]).sum() > 0:
                raise EstimationError(
                    f"ATT for cohort {_fmt(c.g)} in period {_fmt(a.times[c.ti])}: no "
                    f"{label} observations in period {_fmt(a.times[per])}.")
        n1 = int(sub.sum())
        x = np.ones((n1, 1)) if a.x is None else np.column_stack([np.ones(n1), a.x[sub]])
        try:
            att[k], psi = rc_2x2(a.y[sub], post, d, x, a.w[sub], method)
        except EstimationError as exc:
            raise EstimationError(f"ATT for cohort {_fmt(c.g)} in period "
                                  f"{_fmt(a.times[c.ti])}: {exc}") from exc
        basis[:, k] = np.bincount(a.uid[sub], weights=psi * (n / n1), minlength=n)
    return att, basis, []
