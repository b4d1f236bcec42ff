"""Effects on the proven-reoffending measures, reported the way the Justice Data Lab does.

The Ministry of Justice Justice Data Lab (JDL; methodology papers 2013-, gov.uk) compares a
treatment group (people who received a service) with a matched comparison group on three
measures over a one-year follow-up, each with a 95% confidence interval, and words the result
for "any 100 typical people": how many of 100 like the comparison group reoffended, and the
range for 100 like the treated. This module estimates, with optional matching or weighting
weights (from :mod:`wsa_eval.survival.balance`):

1. the difference in the one-year proven reoffending rate (percentage points);
2. the difference in frequency (proven reoffences per person);
3. the difference in the probability of a first proven reoffence by ``horizon`` days
   (default 365), from weighted Kaplan-Meier curves that use everyone, including people whose
   follow-up is incomplete (censored);
4. the difference in restricted mean time free of proven reoffending up to ``horizon`` (the
   area under the Kaplan-Meier curve, RMST; in days, higher = later or no reoffending).

Estimators: weighted (Hajek) means per group; standard errors by linearisation treating the
weights as fixed, ``var(mean_g) = sum_i w_i^2 (y_i - mean_g)^2 / (sum_i w_i)^2``; the weighted
Kaplan-Meier survival at ``horizon`` with the infinitesimal-jackknife (robust) variance, which
is what R ``survival::survfit(..., weights, robust = TRUE)`` reports for weighted data. Treating
matching weights as fixed ignores the uncertainty of the match itself (as the JDL does); with
few treated people the intervals are approximate.

The Kaplan-Meier curve is the library's (:func:`~wsa_eval.survival.km.km_curve`) and the
RMST's robust variance :func:`~wsa_eval.survival.rmst.rmst_ij_variance`.

Results read as "evidence of a reduction", "evidence of an increase" or, when the interval
includes zero, "inconclusive: not enough evidence either way" -- never "no effect". Treated
groups smaller than 60 people (the JDL's minimum) get a warning.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_alpha, hash_frame, require_columns, require_frame
from ..errors import DataWarning, InferenceWarning, SpecificationError
from ..interpret import INCONCLUSIVE, INCREASE, REDUCTION, verdict
from ..results import make_spec, tidy_frame
from ._jdl_results import (
    MatchResult,
    ProvenReoffendingResult,
    ReoffendingEffectsResult,
    WeightResult,
)
from ._km_core import km_curve
from .balance import _treatment_vector
from .rmst import rmst_ij_variance

__all__ = ["reoffending_effects", "MIN_TREATED"]

MIN_TREATED = 60


# ------------------------------------------------------------------------------------------
# small numeric pieces
# ------------------------------------------------------------------------------------------
def _wmean(y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean and its linearisation variance (weights fixed)."""
    sw = w.sum()
    m = float(np.sum(w * y) / sw)
    return m, float(np.sum(w**2 * (y - m) ** 2) / sw**2)


def _weighted_km_rmst(time: np.ndarray, event: np.ndarray, w: np.ndarray, tau: float
                      ) -> tuple[float, float, float, float]:
    """Weighted Kaplan-Meier at ``tau``: ``(S(tau), var, RMST(tau), var)``, variances by the
    infinitesimal jackknife (as R survfit(..., weights, robust = TRUE)).

    The curve is :func:`~wsa_eval.survival.km.km_curve` (robust variance of log S, so
    ``var S = S^2 var log S``); the RMST's is
    :func:`~wsa_eval.survival.rmst.rmst_ij_variance`.
    """
    keep = w > 0
    t, d, w = time[keep], event[keep].astype(bool), w[keep]
    curve = km_curve(t, d, w, robust=True)
    S = float(curve.step(tau, curve.surv, 1.0))
    var_S = S * S * float(curve.step(tau, curve.var_log, 0.0))
    rmst_tau, var_rmst = rmst_ij_variance(curve, d, tau)
    return S, var_S, rmst_tau, var_rmst


def _range_words(lo: float, hi: float, unit: str, fewer: str = "fewer", more: str = "more"
                 ) -> str:
    if hi < 0:
        return f"between {_n(-hi)} and {_n(-lo)} {fewer} {unit}"
    if lo > 0:
        return f"between {_n(lo)} and {_n(hi)} {more} {unit}"
    return f"between {_n(-lo)} {fewer} and {_n(hi)} {more} {unit}"


def _pp_words(lo: float, hi: float) -> str:
    if hi < 0:
        return f"between {_n(-hi)} and {_n(-lo)} percentage points lower"
    if lo > 0:
        return f"between {_n(lo)} and {_n(hi)} percentage points higher"
    return f"between {_n(-lo)} percentage points lower and {_n(hi)} higher"


def _n(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 9.5 else f"{x:.1f}".rstrip("0").rstrip(".")


# ------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------
def _frame(cohort: Any) -> pd.DataFrame:
    if isinstance(cohort, ProvenReoffendingResult):
        return cohort.persons
    require_frame(cohort, "cohort")
    return cohort


def _weights(frame: pd.DataFrame, weights: Any) -> tuple[np.ndarray, str]:
    if weights is None:
        return np.ones(len(frame)), "none (raw comparison)"
    if isinstance(weights, (MatchResult, WeightResult)):
        ws = weights.weights
        how = ("propensity score matching" if isinstance(weights, MatchResult)
               else f"inverse probability weighting ({weights.estimand})")
        if len(ws) != len(frame):
            raise SpecificationError(
                f"The {how} result has {len(ws)} rows but the cohort has {len(frame)}; build "
                "the match or weights on the same per-person frame.")
        w = ws.to_numpy(dtype=float)
    elif isinstance(weights, str):
        require_columns(frame, {"weights": weights})
        w, how = frame[weights].to_numpy(dtype=float), f"weights from column {weights!r}"
    else:
        w, how = np.asarray(weights, dtype=float), "user-supplied weights"
        if w.shape != (len(frame),):
            raise SpecificationError(
                f"weights must have one value per person ({len(frame)}), not shape {w.shape}.")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise SpecificationError("weights must be finite and >= 0.")
    return w, how


def reoffending_effects(
    cohort: ProvenReoffendingResult | pd.DataFrame,
    *,
    treatment: str,
    weights: Any = None,
    population: str = "people",
    horizon: float = 365,
    alpha: float = 0.05,
    min_treated: int = MIN_TREATED,
) -> ReoffendingEffectsResult:
    """Effects of a service on the proven-reoffending measures, worded as the JDL words them.

    Parameters
    ----------
    cohort : ProvenReoffendingResult or DataFrame
        From :func:`~wsa_eval.survival.cohort.proven_reoffending`, or a per-person frame with
        ``reoffended``, ``n_reoffences`` (missing where follow-up is incomplete), ``time`` and
        ``event`` columns.
    treatment : str
        0/1 column: 1 = received the service.
    weights : None, column name, array, or a ``match()`` / ``weight()`` result
        Comparison-group weights, one per row of the cohort frame.
    population : str
        Who the sentences talk about ("women", "people").
    horizon : float
        Day at which the Kaplan-Meier probabilities are compared (365).
    alpha : float
        1 - confidence level (0.05 gives the JDL's 95% intervals).
    min_treated : int
        Below this many treated people (complete follow-up), warn (JDL minimum: 60).

    Returns
    -------
    ReoffendingEffectsResult
        Headline: difference in the one-year proven reoffending rate (percentage points).
        ``effects``: one row per measure (tidy columns plus ``treated_value``,
        ``comparison_value``, ``unit``, ``verdict``, ``n_treated``, ``n_comparison``);
        ``statements``: the sentences; ``interpret()`` joins them.

    Notes
    -----
    Assumes the comparison group (after matching or weighting) is like the supported group
    in everything that affects reoffending (no unmeasured confounding), and censoring
    independent of reoffending for the Kaplan-Meier measures. The weights are treated as
    fixed, as the Justice Data Lab does, so the intervals ignore the uncertainty of the
    match itself; with fewer than 60 supported people (the JDL's minimum) the results are
    indicative only.

    References
    ----------
    Ministry of Justice (2013-). *Justice Data Lab: methodology paper*. gov.uk.
    Royston, P. & Parmar, M. K. B. (2013). Restricted mean survival time: an alternative to
    the hazard ratio. *BMC Medical Research Methodology* 13, 152.

    Examples
    --------
    The Rossi, Berk & Lenihan (1980) experiment read as a reoffending study: financial aid
    (``fin``) was randomised, so no adjustment is needed (a DataWarning says it was not
    used):

    >>> import warnings
    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import reoffending_effects
    >>> d = load_rossi()
    >>> d = d.assign(reoffended=d["arrest"], n_reoffences=d["arrest"], time=d["week"] * 7,
    ...              event=d["arrest"])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     e = reoffending_effects(d, treatment="fin", population="men", horizon=364)
    >>> rows = e.to_frame().iloc[[0, 3]]  # the one-year rate and the days free of it
    >>> print(rows[["treated_value", "comparison_value", "estimate", "ci_low", "ci_high"]]
    ...       .round(2).to_string(index=False))
     treated_value  comparison_value  estimate  ci_low  ci_high
             22.22             30.56     -8.33  -16.61    -0.06
            328.12            313.83     14.29   -2.35    30.93
    >>> import textwrap
    >>> print(textwrap.fill(e.statements[0], 80))
    For any 100 men like those in the comparison group, 31 committed a proven
    reoffence within a year; for any 100 men like those who received support,
    between 14 and 30 would be expected to (95% confidence).
    """
    alpha = check_alpha(alpha)
    if not (isinstance(horizon, (int, float, np.integer, np.floating)) and horizon > 0):
        raise SpecificationError(f"horizon must be a positive number of days, not {horizon!r}.")
    frame = _frame(cohort)
    require_columns(frame, {"measures": ["reoffended", "n_reoffences", "time", "event"]})
    z = _treatment_vector(frame, treatment)
    w, how = _weights(frame, weights)
    complete = frame["reoffended"].notna().to_numpy()
    y_bin = frame["reoffended"].to_numpy(dtype=float, na_value=np.nan)
    y_frq = frame["n_reoffences"].to_numpy(dtype=float, na_value=np.nan)
    time = frame["time"].to_numpy(dtype=float)
    event = frame["event"].to_numpy(dtype=float)
    if np.any(~np.isfinite(time)) or np.any(~np.isin(event, (0, 1))):
        raise SpecificationError("time must be finite and event must be 0/1 for every person.")
    warns: list[str] = []
    t_c = complete & (z == 1) & (w > 0)
    c_c = complete & (z == 0) & (w > 0)
    n_t, n_c = int(t_c.sum()), int(c_c.sum())
    if n_t == 0 or n_c == 0:
        raise SpecificationError(
            "Need treated and comparison people with complete follow-up (and weight > 0) to "
            "compare reoffending rates.")
    if n_t < min_treated:
        msg = (f"{n_t} treated {population} have complete follow-up, fewer than the "
               f"{min_treated} the Justice Data Lab needs for a reliable comparison. Treat "
               "these results as indicative only: the intervals are wide and approximate.")
        warnings.warn(msg, InferenceWarning, stacklevel=2)
        warns.append(msg)
    if weights is None:
        msg = ("No comparison-group adjustment was used: the comparison group may differ from "
               "the treated group in ways that affect reoffending (use match() or weight()).")
        warnings.warn(msg, DataWarning, stacklevel=2)
        warns.append(msg)

    rows = []
    # 1. binary rate, 2. frequency
    for key, y in (("rate", y_bin), ("frequency", y_frq)):
        mt, vt = _wmean(y[t_c], w[t_c])
        mc, vc = _wmean(y[c_c], w[c_c])
        k = 100.0 if key == "rate" else 1.0
        rows.append((key, k * (mt - mc), k * math.sqrt(vt + vc), k * mt, k * mc))
    # 3. probability of a proven reoffence by the horizon (Kaplan-Meier, everyone)
    tt, ct = (z == 1) & (w > 0), (z == 0) & (w > 0)
    St, vSt, Rt, vRt = _weighted_km_rmst(time[tt], event[tt], w[tt], float(horizon))
    Sc, vSc, Rc, vRc = _weighted_km_rmst(time[ct], event[ct], w[ct], float(horizon))
    rows.append(("km", 100 * (Sc - St), 100 * math.sqrt(vSt + vSc), 100 * (1 - St),
                 100 * (1 - Sc)))
    # 4. restricted mean time free of proven reoffending up to the horizon (days)
    rows.append(("rmst", Rt - Rc, math.sqrt(vRt + vRc), Rt, Rc))
    terms = {
        "rate": "one-year proven reoffending rate (percentage points)",
        "frequency": "proven reoffences per person in one year",
        "km": f"reoffended by day {horizon:g}, Kaplan-Meier (percentage points)",
        "rmst": f"days free of proven reoffending in the first {horizon:g} (RMST)",
    }
    units = {"rate": "percentage points", "frequency": "reoffences per person",
             "km": "percentage points", "rmst": "days (higher = fewer reoffences)"}
    eff = tidy_frame([terms[r[0]] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                     alpha=alpha)
    eff["treated_value"] = [r[3] for r in rows]
    eff["comparison_value"] = [r[4] for r in rows]
    eff["unit"] = [units[r[0]] for r in rows]
    # verdicts are about reoffending: more days free of it (RMST) is a reduction
    sign = np.array([1.0, 1.0, 1.0, -1.0])
    eff["verdict"] = [verdict(sg * e, min(sg * lo, sg * hi), max(sg * lo, sg * hi), p, alpha)
                      for sg, e, lo, hi, p in zip(sign, eff["estimate"], eff["ci_low"],
                                                  eff["ci_high"], eff["p_value"])]
    eff["n_treated"] = [n_t, n_t, int(tt.sum()), int(tt.sum())]
    eff["n_comparison"] = [n_c, n_c, int(ct.sum()), int(ct.sum())]

    statements = _statements(eff, population, alpha, horizon)
    head = eff.iloc[0]
    spec = make_spec(
        "reoffending_effects",
        dict(treatment=treatment, weights=how, population=population, horizon=horizon,
             alpha=alpha, min_treated=min_treated),
        data_hash=hash_frame(frame))
    return ReoffendingEffectsResult(
        method="Justice Data Lab style comparison of proven reoffending",
        spec=spec, warnings=tuple(warns),
        estimate=float(head["estimate"]), se=float(head["std_error"]),
        ci_low=float(head["ci_low"]), ci_high=float(head["ci_high"]),
        p_value=float(head["p_value"]), alpha=alpha,
        inference=("normal intervals; weighted means with linearisation variances and a "
                   "weighted Kaplan-Meier with robust (infinitesimal jackknife) variance, "
                   f"weights treated as fixed; adjustment: {how}"),
        estimand="difference in the one-year proven reoffending rate (percentage points)",
        effects=eff, n_obs=len(frame), n_treated=n_t, n_comparison=n_c,
        statements=tuple(statements), population=population,
    )


def _statements(eff: pd.DataFrame, pop: str, alpha: float, horizon: float) -> list[str]:
    level = f"{100 * (1 - alpha):.0f}%"
    out = []
    r = eff.iloc[0]
    lo_t = r["comparison_value"] + r["ci_low"]
    hi_t = r["comparison_value"] + r["ci_high"]
    out.append(
        f"For any 100 {pop} like those in the comparison group, {_n(r['comparison_value'])} "
        f"committed a proven reoffence within a year; for any 100 {pop} like those who "
        f"received support, between {_n(max(lo_t, 0))} and {_n(min(hi_t, 100))} would be "
        f"expected to ({level} confidence).")
    out.append(_verdict_sentence(r, "the one-year proven reoffending rate",
                                 _pp_words(r["ci_low"], r["ci_high"])))
    f = eff.iloc[1]
    out.append(
        f"For every 100 {pop} who received support, "
        + _range_words(100 * f["ci_low"], 100 * f["ci_high"], "proven reoffences")
        + f" were committed in a year than by 100 {pop} like those in the comparison group "
        f"({_n(100 * f['comparison_value'])} proven reoffences per 100).")
    out.append(_verdict_sentence(f, "the number of proven reoffences", None))
    k = eff.iloc[2]
    out.append(
        f"Counting everyone (follow-up cut short by the end of the data is allowed for), "
        f"{_n(k['comparison_value'])} in every 100 {pop} like the comparison group had "
        f"committed a proven reoffence by day {horizon:g}; for those supported, between "
        f"{_n(max(k['comparison_value'] + k['ci_low'], 0))} and "
        f"{_n(min(k['comparison_value'] + k['ci_high'], 100))}.")
    out.append(_verdict_sentence(k, f"the chance of a proven reoffence by day {horizon:g}", None))
    r4 = eff.iloc[3]
    out.append(
        f"Over the first {horizon:g} days, {pop} who received support spent on average "
        + _range_words(r4["ci_low"], r4["ci_high"], "days")
        + f" free of proven reoffending than {pop} like those in the comparison group (who "
        f"averaged {_n(r4['comparison_value'])} days).")
    out.append(_verdict_sentence(
        r4, f"proven reoffending over the first {horizon:g} days, measured by days free of it",
        None))
    return out


def _verdict_sentence(r: pd.Series, what: str, words: str | None) -> str:
    v = r["verdict"]
    if v == REDUCTION:
        return (f"This is {REDUCTION} in {what}" + (f" ({words})" if words else "") + ".")
    if v == INCREASE:
        return (f"This is {INCREASE} in {what}" + (f" ({words})" if words else "") + ".")
    assert v == INCONCLUSIVE
    return (f"For {what}, the result is {INCONCLUSIVE}. The interval includes both reductions "
            "and increases, so more people would be needed to tell; it does not show that the "
            "support makes no difference.")
