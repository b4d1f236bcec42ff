"""Log-rank test of equal survival curves, optionally stratified (R ``survdiff``, rho = 0).

Mantel (1966); Peto & Peto (1972). At each distinct event time ``t`` (within a stratum) with
``d`` events among ``n`` at risk, group ``g`` expects ``d n_g / n`` events; the covariance of
observed minus expected is the hypergeometric ``d (n - d) / (n - 1) * n_g/n (1[g=h] - n_h/n)``.
Summed over times and strata, ``chi2 = (O - E)' V^- (O - E)`` on ``G - 1`` degrees of
freedom (one group dropped). See Therneau & Grambsch (2000, sec. 3.3 and 7.1).

Weights are treated as frequency weights (a row of weight 2 counts as two people; R's
``survdiff`` has no weights). Assumes censoring independent of group given the strata; the
test has most power when hazards are proportional.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import hash_frame
from ..errors import EstimationError, SpecificationError
from ..results import make_spec
from ._check import prepare_survival, used_columns
from ._results import LogRankResult

__all__ = ["logrank", "logrank_stats"]


def logrank_stats(time: np.ndarray, event: np.ndarray, group: np.ndarray, n_groups: int,
                  weights: np.ndarray | None = None,
                  strata: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected (length G) and covariance (G x G), summed over strata (pure numpy)."""
    w = np.ones_like(time, dtype=float) if weights is None else weights
    st = np.zeros(time.shape[0], dtype=np.int64) if strata is None else strata
    G = n_groups
    obs = np.zeros(G)
    exp = np.zeros(G)
    var = np.zeros((G, G))
    for s in np.unique(st):
        m = st == s
        t, e, g, ww = time[m], event[m], group[m], w[m]
        if not e.any():
            continue
        tj = np.unique(t[e])
        # events by time and group
        ti = np.searchsorted(tj, t[e])
        dgj = np.zeros((tj.shape[0], G))
        np.add.at(dgj, (ti, g[e]), ww[e])
        # at risk by time and group: rows with time >= tj
        ngj = np.empty((tj.shape[0], G))
        for k in range(G):
            mk = g == k
            tk = t[mk]
            o = np.argsort(tk, kind="stable")
            cw = np.concatenate([[0.0], np.cumsum(ww[mk][o])])
            ngj[:, k] = cw[-1] - cw[np.searchsorted(tk[o], tj, side="left")]
        n = ngj.sum(axis=1)
        d = dgj.sum(axis=1)
        obs += dgj.sum(axis=0)
        frac = ngj / n[:, None]
        exp += (d[:, None] * frac).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
        var += np.diag((c[:, None] * frac).sum(axis=0)) - (frac * c[:, None]).T @ frac
    return obs, exp, var


def logrank(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    group: str,
    strata: str | Sequence[str] | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
) -> LogRankResult:
    """Log-rank test (and stratified log-rank test) comparing survival across ``group``.

    Parameters
    ----------
    data : DataFrame
        One row per person (not modified).
    duration, event : str
        Follow-up time and event indicator (1 = event, 0 = censored).
    group : str
        Column whose levels are compared (two or more).
    strata : str or list of str, optional
        Compare within these strata and add up (stratified log-rank).
    weights : str, optional
        Frequency weights.
    alpha : float
        Level used by ``interpret()``.

    Returns
    -------
    LogRankResult
        ``statistic`` (chi-squared), ``df``, ``p_value``; ``to_frame()`` has ``group``, ``n``,
        ``observed``, ``expected``, ``(O-E)^2/E``, ``(O-E)^2/V`` as R prints them.

    Notes
    -----
    Assumes censoring independent of the group, given the strata. The test has most power
    when one group's hazard is a constant multiple of the other's (proportional hazards);
    curves that cross can differ without the test noticing. It compares groups and adjusts
    for nothing else: a difference is not an effect of what defines the groups.

    References
    ----------
    Mantel, N. (1966). Evaluation of survival data and two new rank order statistics arising
    in its consideration. *Cancer Chemotherapy Reports* 50, 163-170.
    Peto, R. & Peto, J. (1972). Asymptotically efficient rank invariant test procedures.
    *Journal of the Royal Statistical Society A* 135, 185-207.

    Examples
    --------
    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import logrank
    >>> lr = logrank(load_rossi(), duration="week", event="arrest", group="fin")
    >>> print(f"chi-squared {lr.statistic:.2f} on {lr.df} df, p = {lr.p_value:.3f}")
    chi-squared 3.84 on 1 df, p = 0.050
    >>> print(lr.to_frame()[["group", "n", "observed", "expected"]].round(2)
    ...       .to_string(index=False))
     group   n  observed  expected
         0 216      66.0     55.57
         1 216      48.0     58.43
    """
    if group is None:
        raise SpecificationError("logrank needs a group column to compare.")
    sd = prepare_survival(data, duration=duration, event=event, group=group, strata=strata,
                          weights=weights)
    G = len(sd.group_levels)
    if G < 2:
        raise SpecificationError(
            f"Column {group!r} has a single level ({sd.group_levels[0]!r}): nothing to compare."
        )
    if not sd.event.any():
        raise EstimationError(f"Column {event!r} has no events: the test is not defined.")
    obs, exp, var = logrank_stats(sd.time, sd.event, sd.group, G, sd.weights, sd.strata)
    diff = obs - exp
    keep = np.arange(1, G)
    sub = var[np.ix_(keep, keep)]
    chi2 = float(diff[keep] @ np.linalg.pinv(sub) @ diff[keep])
    df = int(np.linalg.matrix_rank(sub))
    n_g = np.bincount(sd.group, weights=sd.weights, minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "group": list(sd.group_levels), "n": n_g, "observed": obs, "expected": exp,
            "(O-E)^2/E": diff**2 / exp, "(O-E)^2/V": diff**2 / np.diag(var),
        })
    spec = make_spec("logrank", dict(duration=duration, event=event, group=group,
                                     strata=strata, weights=weights, alpha=alpha),
                     data_hash=hash_frame(data[used_columns(duration, event, group, strata,
                                                            weights)]))
    return LogRankResult(
        method="Log-rank test" + (" (stratified)" if strata is not None else ""),
        spec=spec,
        statistic=chi2,
        df=df,
        p_value=float(stats.chi2.sf(chi2, df)),
        table=table,
        variance=var,
        group=group,
        strata=strata,
        alpha=alpha,
    )
