"""The arithmetic of the Schoenfeld-residual test of proportional hazards (Grambsch &
Therneau 1994; R ``cox.zph`` from survival 3.0 on): see :mod:`~wsa_eval.survival.zph` for the
method. Pure numpy on a fitted model's :class:`~wsa_eval.survival.cox.CoxFitData`, so that the
user function and the Cox model's report (its proportional-hazards check) share it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SpecificationError
from ._cox_core import block_scores, information
from ._km_core import km_curve

__all__ = ["TRANSFORMS", "schoenfeld_tests"]

TRANSFORMS = ("km", "rank", "identity", "log")


def g_time(fd: Any, transform: str) -> np.ndarray:
    """The function of time the coefficients may drift with, at every exit time: one minus
    the left-continuous Kaplan-Meier curve of the pooled data ("km", R's default), the rank
    of the exit times, the times themselves or their logarithm."""
    t = fd.time
    if transform == "identity":
        return t.astype(float)
    if transform == "log":
        if (t <= 0).any():
            raise SpecificationError("transform='log' needs every exit time to be positive.")
        return np.log(t)
    if transform == "rank":
        return stats.rankdata(t)
    c = km_curve(t, fd.event, None, fd.entry)
    s_left = np.concatenate([[1.0], c.surv])[np.searchsorted(c.time, t, side="left")]
    return 1.0 - s_left


def schoenfeld_tests(fd: Any, names: list[str], transform: str = "km") -> dict[str, Any]:
    """Per-covariate and global score tests of ``theta = 0`` in ``beta(t) = beta + theta g(t)``.

    Returns ``table`` (``term`` (covariates, then ``GLOBAL``), ``chisq``, ``df``,
    ``p_value``), the scaled Schoenfeld residuals (R ``cox.zph()$y``) in event-time order
    (``scaled``), the transformed and raw event times (``g_time``, ``event_time``).
    """
    rs, X, w, st = fd.rs, fd.X, fd.w, fd.state
    p = X.shape[1]
    graw = g_time(fd, transform)
    gt = graw - graw[fd.event].mean()
    di = rs.deaths
    dblock = rs.deaths_block()
    g = np.empty(rs.K)
    g[dblock] = gt[di]  # every death of a block has the block's time, so the same g
    u = g @ block_scores(rs, X, w, st)
    i11 = fd.info
    i12 = information(rs, X, w, st, m=g)
    i22 = information(rs, X, w, st, m=g * g)
    imat = np.block([[i11, i12], [i12.T, i22]])
    chisq = np.empty(p + 1)
    for j in range(p):
        kk = np.r_[np.arange(p), p + j]
        uu = np.zeros(p + 1)
        uu[-1] = u[j]
        chisq[j] = uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu)
    uu = np.concatenate([np.zeros(p), u])
    chisq[p] = uu @ np.linalg.solve(imat, uu)
    df = np.r_[np.ones(p, dtype=int), p]
    table = pd.DataFrame({"term": names + ["GLOBAL"], "chisq": chisq, "df": df,
                          "p_value": stats.chi2.sf(chisq, df)})
    # scaled Schoenfeld residuals (as R cox.zph()$y): s_k V^-1 * n_events + beta
    abar = st.mean_x() / rs.d[:, None]
    schoen = rs.death_rows(X) - abar[dblock]
    vmean = i11 / di.shape[0]
    scaled = np.linalg.solve(vmean, schoen.T).T + st.beta
    order = np.argsort(fd.time[di], kind="stable")
    return {"table": table, "g_time": graw[di][order], "event_time": fd.time[di][order],
            "scaled": pd.DataFrame(scaled[order], columns=names)}
