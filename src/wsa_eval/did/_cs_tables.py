"""Standard errors and tidy tables for :mod:`wsa_eval.did.staggered` (private).

Every Callaway-Sant'Anna effect is a linear combination ``c`` of the influence-function
basis: its analytic standard error is ``sqrt(c' (S'S) c) / n`` and its bootstrap draws are
``draws @ c`` (see :mod:`wsa_eval.did._cs_aggregate`). The tables use the tidy columns of
:func:`wsa_eval.results.tidy_frame` with normal intervals, built with one DataFrame
construction each (the per-call cost matters at a few thousand units).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..inference.multiplier import bootstrap_se, sup_t_critical_value

__all__ = ["standard_errors", "tidy", "headline_row", "aggregate_effects", "inference_text",
           "ESTIMANDS"]


def _cl_text(name: str | None) -> str:
    return f", clustered by {name!r}" if name else ", clustered by unit"


def inference_text(reps: int, weights: str, cluster: str | None) -> str:
    if reps:
        return f"multiplier bootstrap ({reps} draws, {weights} weights{_cl_text(cluster)})"
    return f"analytic influence-function standard errors{_cl_text(cluster)}"


ESTIMANDS = {
    "simple": "average effect on the treated (all post-treatment periods)",
    "group": "average effect on the treated, averaged over cohorts",
    "dynamic": "average effect on the treated over post-treatment event times",
    "calendar": "average effect on the treated, averaged over calendar periods",
}


def _analytic_se(gram: np.ndarray, coefs: np.ndarray, n: int) -> np.ndarray:
    var = np.einsum("ij,jk,ik->i", coefs, gram, coefs)
    se = np.sqrt(np.maximum(var, 0.0)) / n
    return np.where(se > math.sqrt(np.finfo(float).eps) * 10, se, np.nan)


def standard_errors(gram: np.ndarray, draws: np.ndarray | None, n: int, coefs: np.ndarray,
                     alpha: float) -> tuple[np.ndarray, float]:
    """Standard errors of the linear combinations ``coefs`` (rows) of the basis, and the
    sup-t critical value over all rows but the last (NaN without a bootstrap)."""
    if draws is None:
        return _analytic_se(gram, coefs, n), math.nan
    bd = draws @ coefs.T
    se = bootstrap_se(bd)
    z = float(special.ndtri(1 - alpha / 2))
    crit = math.nan
    if coefs.shape[0] > 1:
        crit = sup_t_critical_value(bd[:, :-1], se[:-1], alpha)
        crit = max(crit, z) if np.isfinite(crit) else z
    return se, crit


def tidy(terms: list[str], est: np.ndarray, se: np.ndarray, alpha: float,
          extra: dict[str, Any] | None = None) -> pd.DataFrame:
    """The tidy effects table (the columns of :func:`wsa_eval.results.tidy_frame`, normal
    intervals), built with one DataFrame construction."""
    est, se = np.asarray(est, dtype=float), np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, est / se, np.nan)
    z = float(special.ndtri(1 - alpha / 2))
    cols: dict[str, Any] = {"term": terms, "estimate": est, "std_error": se,
                            "statistic": stat, "p_value": 2 * special.ndtr(-np.abs(stat)),
                            "ci_low": est - z * se, "ci_high": est + z * se}
    cols.update(extra or {})
    return pd.DataFrame(cols)


def headline_row(est: float, se: float, alpha: float) -> dict[str, float]:
    z = float(special.ndtri(1 - alpha / 2))
    stat = est / se if se > 0 else math.nan
    return {"ci_low": est - z * se, "ci_high": est + z * se,
            "p_value": float(2 * special.ndtr(-abs(stat))) if se > 0 else math.nan}


def aggregate_effects(kind: str, comps: list[Any], est: np.ndarray, se: np.ndarray,
                       crit: float, alpha: float, banded: bool, overall: float,
                       se_overall: float) -> pd.DataFrame:
    """One row per cohort / event time / period; for the simple aggregation, which has no
    components, the one ``overall`` row (so that no table is empty)."""
    if kind == "simple":
        return tidy(["overall"], np.array([overall]), np.array([se_overall]), alpha)
    col = {"group": "cohort", "dynamic": "event_time", "calendar": "time"}[kind]
    label = {"group": "cohort {}", "dynamic": "e = {}", "calendar": "period {}"}[kind]
    extra: dict[str, Any] = {col: [c.label for c in comps]}
    if banded:
        extra["cband_low"] = est - crit * se
        extra["cband_high"] = est + crit * se
    return tidy([label.format(_fmt(c.label)) for c in comps], est, se, alpha, extra)




def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)
