"""Cox regression from collapsed covariate-pattern x time tables (engine inputs).

With covariates that take few values, the engine sends the number of people ``n_c`` in each
cell ``c = (stratum, covariate pattern x_c, [cluster], [entry], time t_c, event e_c)``. People
in one cell have the same risk score ``r_c = exp(x_c' beta)``, are in the same risk sets and
die (or not) at the same time, so every person-level sum of the partial likelihood is a sum
over cells weighted by ``n_c``.

**Breslow** (1974). Block ``b`` (a distinct event time in a stratum) contributes
``sum_{deaths i} x_i' beta - d_b log S0_b`` with ``S0_b = sum_{c in R_b} n_c r_c`` and
``d_b = sum_{c dies in b} n_c``: the counts are frequency weights, exactly.

**Efron** (1977), exact for frequency weights. In the person-level data the ``d_b`` tied
deaths of block ``b`` are ``d_b`` separate people: the ``k``-th (``k = 0..d_b - 1``) sees the
denominator ``S0_b - (k / d_b) D0_b`` with ``D0_b = sum_{i dies in b} r_i = sum_{c dies in b}
n_c r_c``, and the mean ``(S1_b - (k / d_b) D1_b) / den_k`` with ``S1, D1`` the same sums of
``r x``. So the log-likelihood is ``sum_b [sum_{c dies in b} n_c x_c' beta - sum_{k=0}^{d_b
- 1} log(S0_b - (k / d_b) D0_b)]``: every term depends on the cells only through ``S0_b,
S1_b, S2_b, D0_b, D1_b, D2_b`` (sums weighted by ``n_c``) and on the number of tied *people*
``d_b``, not of tied cells. This differs from treating ``n_c`` as a case weight in R's
``coxph`` (which uses the number of tied *rows* and their mean weight, an approximation for
weighted data); here the death slots are the people, so the result is the person-level
Efron likelihood, its score and its information, exactly. :class:`FrequencyRiskSets` sets
the death slots from the counts; the rest of :mod:`wsa_eval.survival._cox_core` is unchanged.

**Robust variance** (Lin & Wei 1989). A person's score residual depends only on her
covariates, times, event and the per-block sums, so the ``n_c`` people of a cell share one
residual ``L_c`` and ``sum_i L_i L_i' = sum_c n_c L_c L_c'``. Cluster-robust: the cluster is
part of the cell, and the cluster's score is ``sum_{c in cluster} n_c L_c``. Both are exact.
A covariate with many values (continuous) cannot be collapsed: the engine refuses it,
naming the column. Concordance and the proportional-hazards test need the rows one by one
and are not computed here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._cox_core import RiskSets

__all__ = ["FrequencyRiskSets", "design_from_cells", "level_codes"]


class FrequencyRiskSets(RiskSets):
    """Risk sets of collapsed rows whose ``freq`` counts people: the tied-death slots of each
    block are its people (``d_b = sum of freq over its death rows``), as in the expanded
    data; the rows' case weights must be ``freq`` (so each death slot has weight one)."""

    def __init__(self, stop: np.ndarray, event: np.ndarray, freq: np.ndarray,
                 start: np.ndarray | None = None, strata: np.ndarray | None = None,
                 efron: bool = True, patterns: np.ndarray | None = None):
        super().__init__(stop, event, start, strata, efron)
        self.patterns = patterns
        k = self.K
        dead = np.bincount(self.piece, weights=freq, minlength=2 * k + 2)[2::2][:k]
        self.d = np.rint(dead).astype(np.int64)
        self.n_deaths = int(self.d.sum())
        self.slot_block = np.repeat(np.arange(k), self.d)
        self.bstart = np.concatenate([[0], np.cumsum(self.d)[:-1]])
        rank = np.arange(self.n_deaths) - self.bstart[self.slot_block]
        self.f = rank / self.d[self.slot_block] if efron else np.zeros(self.n_deaths)

    def gram(self, X: np.ndarray, wt: np.ndarray) -> np.ndarray:
        """``X' diag(wt) X`` summed by covariate pattern first: the rows of one pattern share
        ``x``, so ``sum_c wt_c x_c x_c' = sum_p (sum_{c in p} wt_c) x_p x_p'``."""
        if self.patterns is None:
            return super().gram(X, wt)
        if getattr(self, "_xp_src", None) is not X:
            first = np.unique(self.patterns, return_index=True)[1]
            self._xp_src, self._xp = X, np.ascontiguousarray(X[first])
        w = np.bincount(self.patterns, weights=wt, minlength=self._xp.shape[0])
        return (self._xp.T * w) @ self._xp


def design_from_cells(cells: pd.DataFrame, covariates: Sequence[str],
                      text: Sequence[str], levels: dict | None = None
                      ) -> tuple[np.ndarray, list[str]]:
    """The design matrix of the cells: numbers and flags as they are, text categories as
    0/1 columns for every level but the first (sorted), named ``column_level`` as
    ``pandas.get_dummies(..., drop_first=True)`` names them. ``levels``: the sorted levels of
    text columns that the cells hold as integer codes."""
    levels = levels or {}
    cols, names = [], []
    for c in covariates:
        if c in text:
            if c in levels:
                codes, levs = cells[c].to_numpy(dtype=np.int64), levels[c]
            else:
                codes, levs = pd.factorize(cells[c], sort=True)
            for k in range(1, len(levs)):
                cols.append((codes == k).astype(float))
                names.append(f"{c}_{levs[k]}")
        else:
            cols.append(cells[c].to_numpy(dtype=float))
            names.append(c)
    return np.column_stack(cols), names


def level_codes(frame: pd.DataFrame, ordered: bool = False) -> np.ndarray:
    """Codes of the distinct rows of ``frame`` in sorted order, as the pandas path's strata.

    ``ordered``: the rows are already sorted by these columns (the engine's cells are), so
    a code is the number of changes of value above a row: one pass, no hashing."""
    if ordered and len(frame):
        change = np.zeros(len(frame), dtype=bool)
        for c in frame.columns:
            v = frame[c].to_numpy()
            change[1:] |= v[1:] != v[:-1]
        return np.cumsum(change).astype(np.int64)
    if frame.shape[1] == 1:
        return pd.factorize(frame.iloc[:, 0], sort=True)[0].astype(np.int64)
    return np.asarray(pd.MultiIndex.from_frame(frame).factorize(sort=True)[0], dtype=np.int64)
