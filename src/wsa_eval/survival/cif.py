"""Cumulative incidence of one cause in the presence of competing events (Aalen-Johansen).

When a woman can leave follow-up for more than one reason (a proven reoffence, death, or
moving out of the data), one minus a Kaplan-Meier curve that treats the other reasons as
censoring overstates the chance of the event of interest. The cumulative incidence function
(CIF) ``F_k(t) = P(T <= t, cause = k)`` is the right summary: the Aalen-Johansen estimator
(Aalen & Johansen 1978) ``F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j`` with ``S`` the
all-cause Kaplan-Meier curve (:func:`~wsa_eval.survival.km.km_curve`), and the variance that
R ``cmprsk::cuminc`` reports (Gray's delta-method estimator with its correction for tied
event times). Pointwise intervals on the ``log(-log)`` scale by default (inside [0, 1]) or
plain. With groups, Gray's (1988) test (:mod:`wsa_eval.survival.gray`) compares them.

Assumptions: independent censoring; event times on a common clock from the index date.

References
----------
Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous Markov
chains based on censored observations. *Scandinavian Journal of Statistics* 5, 141-150.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import warn_renamed
from .._utils import check_alpha, check_choice, hash_frame
from ..results import make_spec
from ._competing_data import code_events, competing_columns
from ._jdl_results import CumulativeIncidenceResult
from ._km_core import km_curve
from .gray import gray_statistic

__all__ = ["cumulative_incidence", "aalen_johansen", "cif_limits", "CONF_TYPES"]

CONF_TYPES = ("log-log", "plain")


def aalen_johansen(time: np.ndarray, status: np.ndarray) -> tuple[np.ndarray, ...]:
    """CIF of cause 1 from ``time`` and ``status`` (0 censored, 1 cause, 2 competing).

    Returns ``(times, estimate, variance, n_at_risk, n_events)`` at the distinct times of
    cause 1, the variance as computed by Gray's ``cinc`` routine in cmprsk (delta method,
    with the factor ``1 - (d - 1)/(n - 1)`` for tied events). The all-cause survival curve
    is :func:`~wsa_eval.survival.km.km_curve`.
    """
    if not np.any(status > 0):
        return (np.zeros(0),) * 5
    # the all-cause Kaplan-Meier curve: its event times, numbers at risk and survival
    km = km_curve(time, status > 0)
    tu, rs, nd, surv = km.time, km.n_at_risk, km.n_events, km.surv
    pos = np.searchsorted(tu, time[status > 0])
    d1 = np.bincount(pos, weights=(status[status > 0] == 1), minlength=tu.shape[0])
    d2 = nd - d1
    fk = np.concatenate(([1.0], surv[:-1]))  # before each time
    F = np.cumsum(fk * d1 / rs)

    def _t5(dd: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(dd > 1, 1.0 - (dd - 1.0) / (rs - 1.0), 1.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = np.where(surv > 0, 1.0 / surv, 0.0)
    # contributions of competing events (only where the survivor function stays positive)
    t6b = np.where((d2 > 0) & (surv > 0), fk**2 * _t5(d2) * d2 / rs**2, 0.0)
    t3b, t4b = inv_s, F * inv_s
    # contributions of events of interest
    t6a = np.where(d1 > 0, fk**2 * _t5(d1) * d1 / rs**2, 0.0)
    t3a, t4a = inv_s, 1.0 + inv_s * F
    v1 = np.cumsum(t4b * t4b * t6b + t4a * t4a * t6a)
    v2 = np.cumsum(t3b * t4b * t6b + t3a * t4a * t6a)
    v3 = np.cumsum(t3b * t3b * t6b + t3a * t3a * t6a)
    var = v1 + F * F * v3 - 2 * F * v2
    jump = d1 > 0
    return tu[jump], F[jump], np.maximum(var[jump], 0.0), rs[jump], d1[jump]


def cif_limits(F: np.ndarray, se: np.ndarray, alpha: float, conf_type: str
               ) -> tuple[np.ndarray, ...]:
    """Pointwise limits of a cumulative incidence: ``F^exp(+-z se / (F log F))`` on the
    log(-log) scale (inside [0, 1]), or ``F +- z se`` clipped to [0, 1] (``"plain"``)."""
    z = stats.norm.ppf(1 - alpha / 2)
    if conf_type == "plain":
        return np.clip(F - z * se, 0, 1), np.clip(F + z * se, 0, 1)
    lo, hi = F.copy(), F.copy()
    ok = (F > 0) & (F < 1) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = z * se[ok] / (F[ok] * np.log(F[ok]))
        lo[ok] = F[ok] ** np.exp(-k)
        hi[ok] = F[ok] ** np.exp(k)
    return lo, hi


def cumulative_incidence(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    event_of_interest: int = 1,
    group: str | None = None,
    censor_code: int = 0,
    alpha: float = 0.05,
    conf_type: str = "log-log",
    ci: str | None = None,
) -> CumulativeIncidenceResult:
    """Aalen-Johansen cumulative incidence of one cause, overall or by group.

    Parameters
    ----------
    data : DataFrame
        One row per person: time from the index date to the first event or censoring.
    duration, event : str
        Columns with the time (any unit, >= 0) and the integer event code:
        ``censor_code`` (default 0) = censored, other codes = causes.
    event_of_interest : int
        The cause whose cumulative incidence is wanted (e.g. 1 = proven reoffence); all other
        non-censoring codes are competing events.
    group : str, optional
        Estimate a curve per group and add Gray's test (``rho = 0``) comparing them.
    alpha : float
        1 - confidence level for the pointwise intervals.
    conf_type : {"log-log", "plain"}
        Interval construction, as in :func:`~wsa_eval.survival.km.kaplan_meier`:
        ``"log-log"`` (default) keeps the limits within [0, 1]; ``"plain"`` is
        ``estimate +- z std_error`` clipped to [0, 1].
    ci : {"log-log", "linear"}, optional
        Deprecated: ``conf_type`` (``"linear"`` is now ``"plain"``).

    Returns
    -------
    CumulativeIncidenceResult
        ``to_frame()`` has ``group, time, estimate, std_error, ci_low, ci_high, n_at_risk,
        n_events`` at time 0 and at every distinct time of the event of interest
        (``n_at_risk`` counts everyone still event-free, ``n_events`` the events of
        interest; the variance is cmprsk's ``cuminc`` variance, ``std_error`` its square
        root).

    Notes
    -----
    Assumes censoring independent of the event times and every time measured on one clock
    from the index date. With competing events (e.g. death before a reoffence), one minus a
    Kaplan-Meier curve that treats them as censoring overstates the chance of the event of
    interest; the cumulative incidence does not.

    References
    ----------
    Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous
    Markov chains based on censored observations. *Scandinavian Journal of Statistics* 5,
    141-150.
    Gray, R. J. (1988). A class of K-sample tests for comparing the cumulative incidence of a
    competing risk. *Annals of Statistics* 16, 1141-1154.

    Examples
    --------
    Progression to a plasma cell malignancy (event 1), with death (event 2) as a competing
    event, in 1,384 people with MGUS (R's ``survival::mgus2``), by sex:

    >>> from wsa_eval.datasets import load_mgus2_cr
    >>> from wsa_eval.survival import cumulative_incidence
    >>> ci = cumulative_incidence(load_mgus2_cr(), duration="etime", event="event",
    ...                           group="sex")
    >>> print(ci.at(120)[["group", "time", "estimate", "ci_low", "ci_high"]].round(3)
    ...       .to_string(index=False))
    group  time  estimate  ci_low  ci_high
        F   120     0.074   0.055    0.097
        M   120     0.055   0.040    0.074
    >>> print(f"Gray's test p = {ci.gray['p_value']:.3f}")
    Gray's test p = 0.274
    """
    alpha = check_alpha(alpha)
    if ci is not None:
        warn_renamed("cumulative_incidence", "ci", "conf_type ('linear' is now 'plain')")
        conf_type = {"linear": "plain"}.get(ci, ci)
    check_choice("conf_type", conf_type, CONF_TYPES)
    t, e = competing_columns(data, duration, event, {"group": group})
    status = code_events(e, event, event_of_interest, censor_code)
    labels = data[group].to_numpy() if group is not None else np.zeros(len(t), dtype=int)
    groups = pd.unique(labels)
    try:
        groups = np.sort(groups)
    except TypeError:
        pass
    frames = []
    for g in groups:
        m = labels == g
        tt, F, var, nr, ne = aalen_johansen(t[m], status[m])
        se = np.sqrt(var)
        lo, hi = cif_limits(F, se, alpha, conf_type)
        frames.append(
            pd.DataFrame(
                {
                    "group": g if group is not None else "all",
                    "time": np.concatenate(([0.0], tt)),
                    "estimate": np.concatenate(([0.0], F)),
                    "std_error": np.concatenate(([0.0], se)),
                    "ci_low": np.concatenate(([0.0], lo)),
                    "ci_high": np.concatenate(([0.0], hi)),
                    "n_at_risk": np.concatenate(([float(m.sum())], nr)),
                    "n_events": np.concatenate(([0.0], ne)),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    test = None
    if group is not None and len(groups) > 1:
        test = gray_statistic(t, status, labels, None, 0.0)
    spec = make_spec(
        "cumulative_incidence",
        dict(duration=duration, event=event, event_of_interest=event_of_interest, group=group,
             censor_code=censor_code, alpha=alpha, conf_type=conf_type),
        data_hash=hash_frame(data),
    )
    return CumulativeIncidenceResult(
        method="Aalen-Johansen cumulative incidence (Aalen & Johansen 1978; cmprsk variance)",
        spec=spec,
        table=table,
        gray=test,
        event_of_interest=event_of_interest,
        alpha=alpha,
        group_column=group,
        time_column=duration,
    )


