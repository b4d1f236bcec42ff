"""Test of proportional hazards from Schoenfeld residuals (Grambsch & Therneau 1994).

For each covariate the coefficient is allowed to drift with a function of time,
``beta_j(t) = beta_j + theta_j g(t)``, and ``theta_j = 0`` is tested by a score test with
``beta`` held at the Cox estimate: the score is ``U_theta = sum_k g(t_k) s_k`` (``s_k`` the
Schoenfeld residuals, summed within tied times) and the information has blocks
``sum_k g^a(t_k) V(t_k)`` (``a = 0, 1, 2``). This is the algorithm of R's ``cox.zph`` from
survival 3.0 on (Therneau & Grambsch 2000, sec. 6.2; the package's "zph" changes of 2019),
which uses the full information matrix and the tie method of the fit. Versions before 3.0
used an approximation (average variance over event times) that gives different numbers.
Reference values here come from R survival 3.5-3.

``g(t)`` (``transform``): ``"km"`` (one minus the left-continuous Kaplan-Meier estimate of the
pooled data, R's default), ``"rank"`` (rank of the exit times), ``"identity"`` or ``"log"``;
centred at its mean over events. Per-covariate tests have 1 df; the global test has ``p`` df.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import check_alpha, check_choice
from ..errors import SpecificationError
from ..results import make_spec
from ._cox_core import block_scores, information
from ._km_core import km_curve
from ._results import CoxResult, PHTestResult

__all__ = ["proportional_hazards_test", "TRANSFORMS"]

TRANSFORMS = ("km", "rank", "identity", "log")


def _g_time(fd, transform: str) -> np.ndarray:
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


def proportional_hazards_test(cox_result: CoxResult, transform: str = "km",
                              alpha: float = 0.05) -> PHTestResult:
    """Schoenfeld-residual tests of proportional hazards, per covariate and global.

    Parameters
    ----------
    cox_result : CoxResult
        A fit from :func:`wsa_eval.survival.cox.cox`.
    transform : {"km", "rank", "identity", "log"}
        The function of time the coefficients may drift with (R's default is "km").
    alpha : float
        Level used by ``interpret()``.

    Returns
    -------
    PHTestResult
        ``to_frame()``: ``term`` (covariates, then ``GLOBAL``), ``chisq``, ``df``,
        ``p_value``; ``scaled_residuals`` (scaled Schoenfeld residuals, R ``cox.zph()$y``)
        against ``g_time`` for plots.
    """
    if not isinstance(cox_result, CoxResult) or cox_result.fit_data is None:
        raise SpecificationError("proportional_hazards_test needs the result of cox().")
    check_choice("transform", transform, TRANSFORMS)
    alpha = check_alpha(alpha)
    fd = cox_result.fit_data
    rs, X, w, st = fd.rs, fd.X, fd.w, fd.state
    p = X.shape[1]
    graw = _g_time(fd, transform)
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
    names = list(cox_result.covariates)
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
    return PHTestResult(
        method="Schoenfeld-residual test of proportional hazards (Grambsch & Therneau 1994)",
        spec=make_spec("proportional_hazards_test",
                       dict(transform=transform, alpha=alpha, cox=cox_result.spec)),
        table=table,
        transform=transform,
        alpha=alpha,
        g_time=graw[di][order],
        event_time=fd.time[di][order],
        scaled_residuals=pd.DataFrame(scaled[order], columns=names),
        coef=cox_result.coef.copy(),
    )
