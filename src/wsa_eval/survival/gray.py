"""Gray's (1988) K-sample test that the cumulative incidence of one cause is equal across
groups, optionally stratified, with the weight ``(1 - F(t-))^rho``; identical to the
``Tests`` component of R ``cmprsk::cuminc`` (a translation of the algorithm, not of the
Fortran code layout).

Reference: Gray, R. J. (1988). A class of K-sample tests for comparing the cumulative
incidence of a competing risk. *Annals of Statistics* 16, 1141-1154.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import hash_frame
from ..errors import EstimationError, SpecificationError
from ..results import make_spec
from ._competing_data import code_events, competing_columns
from ._jdl_results import GrayTestResult

__all__ = ["gray_test", "gray_statistic"]


def _gray_stratum(y: np.ndarray, m: np.ndarray, g: np.ndarray, ng: int, rho: float):
    ng1 = ng - 1
    tu, inv = np.unique(y, return_inverse=True)
    T = tu.size
    d = np.zeros((3, T, ng))
    np.add.at(d, (m, inv, g), 1.0)
    rs = np.bincount(g, minlength=ng).astype(float)
    s = np.zeros(ng1)
    v = np.zeros((ng1, ng1))
    f1m = np.zeros(ng)
    f1 = np.zeros(ng)
    skmm = np.ones(ng)
    skm = np.ones(ng)
    v3 = np.zeros(ng)
    v2 = np.zeros((ng1, ng))
    c = np.zeros((ng, ng))
    fm = f = 0.0
    for j in range(T):
        D1, D2 = d[1, j], d[2, j]
        nd1, nd2 = D1.sum(), D2.sum()
        if nd1 + nd2 > 0:
            pos = rs > 0
            skm[pos] = skmm[pos] * (rs[pos] - D1[pos] - D2[pos]) / rs[pos]
            f1[pos] = f1m[pos] + skmm[pos] * D1[pos] / rs[pos]
            ratio = np.where(pos, rs / np.where(pos, skmm, 1.0), 0.0)
            tr = ratio.sum()
            tq = np.where(pos, ratio * (1 - f1m), 0.0).sum()
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            a = -fb * np.outer(ratio, ratio) / tr
            np.fill_diagonal(a, fb * ratio * (1 - ratio / tr))
            if nd1 > 0:
                c += a * nd1 / (tr * (1 - fm))
            sp = pos[:ng1]
            s[sp] += fb * (D1[:ng1][sp] - nd1 * ratio[:ng1][sp] * (1 - f1m[:ng1][sp]) / tq)
            if nd1 > 0:
                for k in np.flatnonzero(pos):
                    t4 = 1 - (1 - f) / skm[k] if skm[k] > 0 else 1.0
                    t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    t1 = a[:ng1, k] - t4 * c[:ng1, k]
                    v2[:, k] += t1 * t4 * t3
                    v += np.outer(t1, t1) * t3
            if nd2 > 0:
                for k in np.flatnonzero((skm > 0) & (D2 > 0)):
                    t4 = (1 - f) / skm[k]
                    t5 = 1 - (D2[k] - 1) / (rs[k] - 1) if D2[k] > 1 else 1.0
                    t3 = t5 * skmm[k] ** 2 * D2[k] / rs[k] ** 2
                    v3[k] += t4 * t4 * t3
                    t1 = t4 * c[:ng1, k]
                    v2[:, k] -= t1 * t4 * t3
                    v += np.outer(t1, t1) * t3
        rs -= d[0, j] + d[1, j] + d[2, j]
        fm = f
        f1m = f1.copy()
        skmm = skm.copy()
    cc = c[:ng1]
    v += (cc * v3) @ cc.T + cc @ v2.T + v2 @ cc.T
    return s, v


def gray_statistic(t: np.ndarray, status: np.ndarray, labels: np.ndarray,
                   strata: np.ndarray | None, rho: float) -> dict:
    """Gray's statistic summed over strata: ``{statistic, df, p_value, groups, rho}``."""
    groups = pd.unique(labels)
    try:
        groups = np.sort(groups)
    except TypeError:
        pass
    ng = len(groups)
    if ng < 2:
        raise SpecificationError("Gray's test needs at least two groups.")
    gcode = pd.Categorical(labels, categories=groups).codes.astype(np.int64)
    strata = np.zeros(len(t), dtype=int) if strata is None else strata
    S = np.zeros(ng - 1)
    V = np.zeros((ng - 1, ng - 1))
    for st in pd.unique(strata):
        m = strata == st
        order = np.argsort(t[m], kind="stable")
        s, v = _gray_stratum(t[m][order], status[m][order], gcode[m][order], ng, rho)
        S += s
        V += v
    if np.linalg.matrix_rank(V) < ng - 1:
        raise EstimationError(
            "Gray's test cannot be computed: the score variance is singular (too few events "
            "in some group)."
        )
    stat = float(S @ np.linalg.solve(V, S))
    df = ng - 1
    return {"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)),
            "groups": list(groups), "rho": rho}


def gray_test(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    event_of_interest: int = 1,
    group: str,
    strata: str | None = None,
    rho: float = 0.0,
    censor_code: int = 0,
) -> GrayTestResult:
    """Gray's (1988) test that the cumulative incidence of one cause is equal across groups.

    The statistic ``s' V^{-1} s`` is approximately chi-square with (groups - 1) degrees of
    freedom; it equals the ``Tests`` component of R's ``cmprsk::cuminc``.

    Parameters
    ----------
    data : DataFrame
        One row per person (not modified).
    duration, event : str
        Time from the index date and the integer event code (``censor_code`` = censored,
        other codes = causes).
    event_of_interest : int
        The cause compared; the other non-censoring codes are competing events.
    group : str
        Column whose levels are compared (two or more).
    strata : str, optional
        A stratified test: scores and variances summed over its levels.
    rho : float
        The weight ``(1 - F(t-))^rho`` (0, the default, as in cmprsk).
    censor_code : int
        The code of censored rows (0).

    Returns
    -------
    GrayTestResult
        ``statistic``, ``df``, ``p_value``; ``counts``: people and events of interest by
        group.

    Notes
    -----
    Assumes independent censoring. Inconclusive is not evidence of equal incidence.

    References
    ----------
    Gray, R. J. (1988). A class of K-sample tests for comparing the cumulative incidence of a
    competing risk. *Annals of Statistics* 16, 1141-1154.

    Examples
    --------
    >>> from wsa_eval.datasets import load_mgus2_cr
    >>> from wsa_eval.survival import gray_test
    >>> g = gray_test(load_mgus2_cr(), duration="etime", event="event", group="sex")
    >>> print(f"chi-squared {g.statistic:.2f} on {g.df} df, p = {g.p_value:.3f}")
    chi-squared 1.19 on 1 df, p = 0.274
    >>> print(g.counts.to_string(index=False))
    group     n  n_events
        F 631.0      59.0
        M 753.0      56.0
    """
    if group is None:
        raise SpecificationError("gray_test needs group=... (the column defining the groups).")
    if not np.isfinite(rho):
        raise SpecificationError("rho must be a finite number (0 is the usual choice).")
    t, e = competing_columns(data, duration, event, {"group": group, "strata": strata})
    status = code_events(e, event, event_of_interest, censor_code)
    st = data[strata].to_numpy() if strata is not None else None
    labels = data[group].to_numpy()
    res = gray_statistic(t, status, labels, st, float(rho))
    counts = pd.DataFrame({"group": res["groups"],
                           "n": [float((labels == g).sum()) for g in res["groups"]],
                           "n_events": [float(((labels == g) & (status == 1)).sum())
                                        for g in res["groups"]]})
    spec = make_spec(
        "gray_test",
        dict(duration=duration, event=event, event_of_interest=event_of_interest, group=group,
             strata=strata, rho=rho, censor_code=censor_code),
        data_hash=hash_frame(data),
    )
    return GrayTestResult(method="Gray (1988) K-sample test of cumulative incidence", spec=spec,
                          event_of_interest=event_of_interest, counts=counts, **res)


