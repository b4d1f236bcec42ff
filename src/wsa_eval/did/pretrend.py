"""Joint Wald test of the pre-period event-study coefficients ("pre-trend test").

Under parallel trends (and no anticipation) every pre-period coefficient of an event study
is zero. The Wald statistic ``b' V^{-1} b`` of the pre-period coefficients ``b`` with
covariance ``V`` is asymptotically chi-squared with as many degrees of freedom as
coefficients. Passing the test is weak evidence: pre-trend tests often have low power, and
conditioning on passing them distorts later inference (Roth 2022, AER: Insights); use
:func:`wsa_eval.did.honest.honest_did` to see how conclusions change when parallel trends
fails by a bounded amount (Rambachan & Roth 2023).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EstimationError, SpecificationError, format_examples
from ..results import Result, make_spec, result_dataclass

__all__ = ["PretrendTest", "pretrend_test"]


@result_dataclass
class PretrendTest(Result):
    """Result of :func:`pretrend_test`."""

    statistic: float
    df: int
    p_value: float
    terms: tuple[Any, ...]
    estimates: tuple[float, ...]
    f_statistic: float = math.nan
    f_p_value: float = math.nan
    df_resid: float | None = None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"test": ["joint Wald (chi2)"], "statistic": [self.statistic],
                             "df": [self.df], "p_value": [self.p_value],
                             "terms": [", ".join(map(str, self.terms))]})

    def _summary_header(self) -> list[tuple[str, Any]]:
        h: list[tuple[str, Any]] = [("Pre-period terms", ", ".join(map(str, self.terms))),
                                    ("Wald chi2", self.statistic), ("df", self.df),
                                    ("p-value", self.p_value)]
        if self.df_resid is not None:
            h += [("F", self.f_statistic), ("F p-value", self.f_p_value)]
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return []

    def interpret(self) -> str:
        p = self.p_value
        if p < 0.05:
            head = (f"The {self.df} pre-period coefficients are jointly different from zero "
                    f"(p = {p:.3g}): the groups were already moving differently before the "
                    "start, so parallel trends is doubtful.")
        else:
            head = (f"The {self.df} pre-period coefficients are jointly consistent with zero "
                    f"(p = {p:.3g}). This does not prove parallel trends: with few periods "
                    "and areas the test has little power.")
        return head + (" A sensitivity analysis (honest_did) shows how much a violation "
                       "would change the conclusion.")

    def __repr__(self) -> str:
        return (f"<PretrendTest: chi2({self.df}) = {self.statistic:.4g}, "
                f"p = {self.p_value:.3g}>")


def _from_result(result: Any, pre_terms: Any) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    eff = result.to_frame() if hasattr(result, "to_frame") else result.effects
    if "event_time" not in eff.columns:
        raise SpecificationError("The result's effects table has no event_time column.")
    vcov = getattr(result, "vcov", None)
    if vcov is None and hasattr(result, "diagnostics"):
        vcov = result.diagnostics.get("vcov")
    if vcov is None:
        raise SpecificationError(
            "The result has no covariance matrix (attribute vcov); pass estimates and vcov.")
    V = np.asarray(vcov, dtype=float)
    et = eff["event_time"].to_numpy()
    if V.shape != (len(et), len(et)):
        raise SpecificationError(
            f"vcov is {V.shape} but the effects table has {len(et)} rows.")
    if pre_terms is None:
        sel = np.flatnonzero(et < 0)
    else:
        want = list(np.atleast_1d(pre_terms))
        missing = [t for t in want if t not in set(et)]
        if missing:
            raise SpecificationError(f"Event time(s) {format_examples(missing)} are not in the "
                                     f"effects table (it has {format_examples(list(et), 12)}).")
        sel = np.array([int(np.flatnonzero(et == t)[0]) for t in want])
    b = eff["estimate"].to_numpy(dtype=float)[sel]
    return b, V[np.ix_(sel, sel)], [et[i] for i in sel]


def pretrend_test(
    estimates: Any,
    vcov: Any = None,
    pre_terms: Sequence[Any] | None = None,
    *,
    df_resid: float | None = None,
) -> PretrendTest:
    """Joint Wald test that the pre-period coefficients are all zero.

    Parameters
    ----------
    estimates : array, Series, or a result
        All event-study coefficients (array or Series indexed by term), or a result object
        whose effects table (``to_frame()`` / ``effects``) has ``event_time`` and
        ``estimate`` and which has a ``vcov`` (array aligned with the table's rows).
    vcov : array or DataFrame, optional
        Covariance of ``estimates`` (not needed when a result is passed).
    pre_terms : list, optional
        Which coefficients are pre-period: positions (ints) or labels of a Series / DataFrame
        index; for a result, event times (default: every negative event time).
    df_resid : float, optional
        Residual degrees of freedom: also report the F version ``chi2 / k`` ~ F(k, df_resid).

    Returns
    -------
    PretrendTest
        ``statistic`` (chi-squared), ``df``, ``p_value``, the ``terms`` tested and their
        ``estimates``; ``f_statistic`` and ``f_p_value`` when ``df_resid`` is given.

    Raises
    ------
    SpecificationError
        A result without ``event_time`` or covariance, arrays without ``vcov`` or
        ``pre_terms``, terms not among the estimates, no pre-period coefficient, or a
        covariance of the wrong shape or not symmetric.
    EstimationError
        Estimates or covariance not finite, or a singular covariance (for example when the
        reference period is among ``pre_terms``).

    See Also
    --------
    honest_did : how the conclusion changes when parallel trends fails by a bounded
        amount.

    Notes
    -----
    Under parallel trends and no anticipation every pre-period coefficient of an event
    study is zero. The statistic ``b' V^{-1} b`` of the ``k`` pre-period coefficients ``b``
    with covariance ``V`` is asymptotically chi-squared with ``k`` degrees of freedom
    (it assumes approximately normal estimates with a well-estimated covariance, i.e.
    enough clusters). Passing the test is weak evidence: pre-trend tests often have little
    power, and analysing only the samples that pass them distorts later inference
    ([1]_).

    References
    ----------
    .. [1] Roth, J. (2022). Pretest with caution: event-study estimates after testing for
       parallel trends. *American Economic Review: Insights* 4(3), 305-322.

    Examples
    --------
    The three pre-period coefficients of the castle-doctrine event study:

    >>> from wsa_eval.datasets import load_castle
    >>> from wsa_eval.did import event_study, pretrend_test
    >>> castle = load_castle()
    >>> first = castle.loc[castle["post"] == 1].groupby("state")["year"].min()
    >>> castle["first_year"] = castle["state"].map(first).fillna(0).astype(int)
    >>> es = event_study(castle, outcome="l_homicide", unit="state", time="year",
    ...                  first_treated="first_year", leads=4, lags=4)
    >>> t = pretrend_test(es)
    >>> print(f"chi2({t.df}) = {t.statistic:.3f}, p = {t.p_value:.3f}")
    chi2(3) = 3.843, p = 0.279
    >>> print(", ".join(str(e) for e in t.terms))  # the event times tested
    -4, -3, -2

    The same test from plain arrays, naming the pre-period positions:

    >>> b = es.to_frame()["estimate"].to_numpy()
    >>> t2 = pretrend_test(b, es.vcov.to_numpy(), pre_terms=[0, 1, 2])
    >>> print(f"{t2.statistic:.3f}")
    3.843
    """
    if hasattr(estimates, "effects") or hasattr(estimates, "event_time"):
        if isinstance(estimates, pd.DataFrame):
            raise SpecificationError("Pass a result object, or estimates with vcov.")
        b, V, terms = _from_result(estimates, pre_terms)
    else:
        if vcov is None:
            raise SpecificationError("vcov is required when estimates is not a result.")
        if pre_terms is None:
            raise SpecificationError("pre_terms is required: which coefficients are pre-period.")
        labels = (list(estimates.index) if isinstance(estimates, pd.Series) else None)
        est = np.asarray(estimates, dtype=float).ravel()
        V_all = np.asarray(vcov, dtype=float)
        if V_all.shape != (len(est), len(est)):
            raise SpecificationError(f"vcov is {V_all.shape}; expected {(len(est), len(est))}.")
        pos = []
        for t in pre_terms:
            if labels is not None and t in labels:
                pos.append(labels.index(t))
            elif isinstance(t, (int, np.integer)) and 0 <= t < len(est):
                pos.append(int(t))
            else:
                raise SpecificationError(f"pre term {t!r} is not a label or position of the "
                                         "estimates.")
        sel = np.array(pos)
        b, V = est[sel], V_all[np.ix_(sel, sel)]
        terms = [labels[i] if labels is not None else int(i) for i in sel]
    if len(b) == 0:
        raise SpecificationError("There are no pre-period coefficients to test.")
    if not (np.isfinite(b).all() and np.isfinite(V).all()):
        raise EstimationError("The pre-period estimates or their covariance are not finite.")
    if not np.allclose(V, V.T, atol=1e-10 * max(1.0, float(np.abs(V).max()))):
        raise SpecificationError("vcov is not symmetric.")
    w, U = np.linalg.eigh(V)
    if w.min() <= 1e-12 * max(1.0, w.max()):
        raise EstimationError("The covariance of the pre-period coefficients is singular "
                              "(is the reference period included among pre_terms?).")
    stat = float(b @ U @ np.diag(1 / w) @ U.T @ b)
    k = len(b)
    p = float(stats.chi2.sf(stat, k))
    f = fp = math.nan
    if df_resid is not None:
        f = stat / k
        fp = float(stats.f.sf(f, k, df_resid))
    spec = make_spec("pretrend_test", {"pre_terms": [str(t) for t in terms],
                                       "df_resid": df_resid})  # no random numbers: seed None
    return PretrendTest(method="Joint Wald test of pre-period coefficients", spec=spec,
                        statistic=stat,
                        df=k, p_value=p, terms=tuple(terms),
                        estimates=tuple(float(x) for x in b), f_statistic=f, f_p_value=fp,
                        df_resid=df_resid)
