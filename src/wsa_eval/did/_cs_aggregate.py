"""Aggregation of ATT(g,t) into summary effects (Callaway & Sant'Anna 2021, Section 3).

Each aggregated effect is a weighted average of ATT(g,t) cells whose weights are cohort
shares :math:`\\hat p_g = n^{-1} \\sum_i w_i 1\\{G_i = g\\}`. Its influence function is

.. math:: \\psi^{agg}_i = \\sum_k a_k \\psi^{(k)}_i + \\sum_g b_g (w_i 1\\{G_i=g\\} - \\hat p_g)

where the second sum is the estimation effect of the estimated cohort shares (R
``did::aggte``'s ``wif``). Every aggregate is therefore a coefficient vector ``c = (a, b)``
on the basis ``[psi_1..psi_K, D_1..D_G]``: its analytic variance is ``c' (S'S) c / n^2``
(``S`` the basis summed within clusters) and its bootstrap draws are ``draws @ c``.

For weights :math:`\\pi_k = p_{g(k)} / \\sum_{j \\in J} p_{g(j)}` over a set of cells
:math:`J` the wif coefficients are :math:`b_g = \\sum_{k \\in J, g(k)=g} (ATT_k - \\theta)
/ \\sum_{j \\in J} p_{g(j)}` with :math:`\\theta` the aggregate, which is what R's ``wif``
computes in matrix form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError, SpecificationError

__all__ = ["Cells", "Component", "aggregate_components"]


@dataclass(frozen=True)
class Cells:
    """The ATT(g,t) cells in a flat layout (``K`` cells, ``G`` cohorts)."""

    att: np.ndarray  # (K,)
    cohort: np.ndarray  # (K,) cohort value g
    gidx: np.ndarray  # (K,) index of the cohort in ``glist``
    time: np.ndarray  # (K,) period t
    reference: np.ndarray  # (K,) True for a universal-base reference cell (fixed at 0)
    glist: np.ndarray  # (G,)
    pg: np.ndarray  # (G,) cohort shares
    t_first: float
    t_last: float

    @property
    def k(self) -> int:
        return int(self.att.shape[0])

    @property
    def event_time(self) -> np.ndarray:
        return self.time - self.cohort

    @property
    def post(self) -> np.ndarray:
        return self.cohort <= self.time


@dataclass(frozen=True)
class Component:
    label: object
    estimate: float
    coef: np.ndarray  # (K + G,)


def _pg_weighted(cells: Cells, which: np.ndarray) -> Component:
    """Cohort-share weighted average of the cells ``which``, with the wif coefficients."""
    idx = np.flatnonzero(which)
    pgk = cells.pg[cells.gidx[idx]]
    s = pgk.sum()
    theta = float(np.sum(pgk * cells.att[idx]) / s)
    coef = np.zeros(cells.k + len(cells.glist))
    coef[idx] = pgk / s
    np.add.at(coef, cells.k + cells.gidx[idx], (cells.att[idx] - theta) / s)
    return Component(None, theta, coef)


def _mean_of(components: list[Component], label: object = None) -> Component:
    coef = np.mean([c.coef for c in components], axis=0)
    return Component(label, float(np.mean([c.estimate for c in components])), coef)


def aggregate_components(
    cells: Cells,
    kind: str,
    *,
    balance_e: int | None = None,
    min_e: float = -math.inf,
    max_e: float = math.inf,
) -> tuple[Component, list[Component]]:
    """The overall effect and its components for ``kind`` in simple/group/dynamic/calendar."""
    e = cells.event_time
    post = cells.post & ~np.isnan(cells.att)
    window = (e >= min_e) & (e <= max_e)
    if kind == "simple":
        keep = post & window
        if not keep.any():
            raise EstimationError("No post-treatment ATT(g,t) falls in the window "
                                  f"min_e={min_e}, max_e={max_e}.")
        overall = _pg_weighted(cells, keep)
        return Component("simple", overall.estimate, overall.coef), []
    if kind == "group":
        comps = []
        for gi, g in enumerate(cells.glist):
            which = post & window & (cells.gidx == gi)
            if not which.any():
                raise EstimationError(f"Cohort first treated in {_fmt(g)} has no post-treatment "
                                      f"ATT(g,t) in the window min_e={min_e}, max_e={max_e}.")
            idx = np.flatnonzero(which)
            coef = np.zeros(cells.k + len(cells.glist))
            coef[idx] = 1.0 / len(idx)
            comps.append(Component(g, float(np.mean(cells.att[idx])), coef))
        att_g = np.array([c.estimate for c in comps])
        s = cells.pg.sum()
        theta = float(np.sum(cells.pg * att_g) / s)
        coef = np.sum([(p / s) * c.coef for p, c in zip(cells.pg, comps)], axis=0)
        coef[cells.k:] += (att_g - theta) / s
        return Component("group", theta, coef), comps
    if kind == "dynamic":
        include = np.ones(cells.k, dtype=bool)
        eseq = np.unique(e[~np.isnan(cells.att)])
        if balance_e is not None:
            if not isinstance(balance_e, (int, np.integer)) or balance_e < 0:
                raise SpecificationError(f"balance_e must be a non-negative integer, not "
                                         f"{balance_e!r}.")
            include = (cells.t_last - cells.cohort) >= balance_e
            if not include.any():
                raise EstimationError(f"No cohort is observed for {balance_e} period(s) after "
                                      "treatment starts; lower balance_e.")
            eseq = np.unique(e[include])
            span = cells.t_last - cells.t_first
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - span)]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        if len(eseq) == 0:
            raise EstimationError("No event time falls in the window requested "
                                  f"(min_e={min_e}, max_e={max_e}, balance_e={balance_e}).")
        comps = []
        for ev in eseq:
            c = _pg_weighted(cells, (e == ev) & include & ~np.isnan(cells.att))
            comps.append(Component(ev, c.estimate, c.coef))
        pos = [c for c in comps if c.label >= 0]
        if not pos:
            raise EstimationError("No post-treatment event time (e >= 0) in the window, so "
                                  "there is no overall effect to average.")
        return _mean_of(pos, "dynamic"), comps
    if kind == "calendar":
        comps = []
        tmin = cells.glist.min()
        for t1 in np.unique(cells.time):
            which = (cells.time == t1) & post
            if t1 < tmin or not which.any():
                continue
            c = _pg_weighted(cells, which)
            comps.append(Component(t1, c.estimate, c.coef))
        if not comps:
            raise EstimationError("No calendar period has a post-treatment ATT(g,t).")
        return _mean_of(comps, "calendar"), comps
    raise SpecificationError(f"aggregation type {kind!r} is not one of 'simple', 'group', "
                             "'dynamic', 'calendar'.")


def _fmt(v: object) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)
