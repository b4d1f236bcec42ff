"""Shared pieces of the regression difference-in-differences estimators.

Used by :mod:`wsa_eval.did.twfe`, :mod:`wsa_eval.did.sun_abraham`,
:mod:`wsa_eval.did.imputation` and :mod:`wsa_eval.did.bacon`:

* :func:`prepare` validates the panel (``wsa_eval.panel.validate_panel``) and returns the
  cleaned copy with integer codes for units, periods and clusters and each row's cohort
  (first treated period; ``inf`` for never treated);
* :func:`fit_twoway` fits a regression with unit and period fixed effects on linearmodels'
  ``PanelOLS`` and returns the coefficients with a cluster-robust covariance matrix that uses
  the small-sample correction of R ``fixest`` (and Stata ``reghdfe``):
  ``G/(G-1) * (n-1)/(n-K)``, where ``K`` counts the regressors and the fixed effects that are
  not nested in the clusters;
* :func:`wald_zero` is the joint chi-squared Wald test that some coefficients are all zero;
* :func:`few_clusters_warning` warns when few clusters contain treated units.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import require_columns, require_frame
from ..errors import EstimationError, InferenceWarning, PanelError, SpecificationError
from ..panel import PanelReport, validate_panel

FEW_CLUSTERS = 10
FEW_CLUSTERS_ADVICE = (
    "Cluster-robust standard errors are unreliable with so few treated clusters (they are "
    "usually too small). Use the library's randomization inference or wild cluster bootstrap "
    "(wsa_eval.inference) for the p-value and interval."
)


@dataclass
class Prepared:
    """A validated panel with integer codes (internal)."""

    data: pd.DataFrame  # cleaned copy, sorted by unit then time
    report: PanelReport
    y: np.ndarray
    unit_codes: np.ndarray
    time_codes: np.ndarray
    times: np.ndarray
    units: np.ndarray
    g: np.ndarray  # each row's first treated period (inf = never)
    t: np.ndarray  # each row's period (float)
    w: np.ndarray | None
    cluster_codes: np.ndarray
    cluster_name: str
    X: np.ndarray | None  # covariates
    covariates: list[str]


def prepare(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str | None = None,
    treated: str | None = None,
    treated_units: Any = None,
    start: Any = None,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    balanced: bool = False,
    control_group: str = "either",
) -> Prepared:
    """Validate and code a panel for the regression estimators (never modifies ``data``)."""
    require_frame(data)
    if not isinstance(outcome, str):
        raise SpecificationError("outcome must be the name of one column (a string).")
    if first_treated is None and treated is None and treated_units is None:
        raise SpecificationError(
            "Give the treatment timing: first_treated= (first treated period by unit) or "
            "treated= (a 0/1 column)."
        )
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates or [])
    require_columns(data, {"cluster": cluster})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # re-emitted below with the caller's stack level
        report = validate_panel(
            data, unit=unit, time=time, outcome=outcome, first_treated=first_treated,
            treatment=treated, treated=treated_units, start=start,
            covariates=covariates, weights=weights, balanced=balanced,
            control_group=control_group,
        )
    from ..errors import DataWarning

    for m in report.warnings:
        warnings.warn(m, DataWarning, stacklevel=3)
    df = report.data
    if cluster is not None and df[cluster].isna().any():
        bad = df.loc[df[cluster].isna(), [unit, time]].head(3).to_records(index=False)
        raise PanelError(
            f"The cluster column {cluster!r} is missing at (unit, period) "
            f"{', '.join(str(tuple(r)) for r in bad)}."
        )
    units, unit_codes = np.unique(df[unit].to_numpy(), return_inverse=True)
    times, time_codes = np.unique(df[time].to_numpy(dtype=float), return_inverse=True)
    cohorts = report.cohorts
    g = cohorts.reindex(df[unit].to_numpy()).to_numpy(dtype=float)
    cl_col = cluster or unit
    _, cluster_codes = np.unique(df[cl_col].astype(str).to_numpy() if df[cl_col].dtype == object
                                 else df[cl_col].to_numpy(), return_inverse=True)
    w = None
    if weights is not None:
        w = df[weights].to_numpy(dtype=float)
        if not (w > 0).any():
            raise SpecificationError(f"The weights column {weights!r} is zero everywhere.")
        if (w == 0).any():
            raise SpecificationError(
                f"The weights column {weights!r} has zeros; drop those rows first."
            )
    X = df[covariates].to_numpy(dtype=float) if covariates else None
    return Prepared(
        data=df, report=report, y=df[outcome].to_numpy(dtype=float),
        unit_codes=unit_codes.astype(np.int64), time_codes=time_codes.astype(np.int64),
        times=times, units=units, g=g, t=df[time].to_numpy(dtype=float), w=w,
        cluster_codes=cluster_codes.astype(np.int64), cluster_name=cl_col, X=X,
        covariates=covariates,
    )


def nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """True when every value of ``inner`` sits in a single value of ``outer``."""
    s = pd.Series(outer).groupby(inner).nunique()
    return bool((s <= 1).all())


@dataclass
class TwoWayFit:
    params: np.ndarray
    vcov: np.ndarray
    resid: np.ndarray
    n_obs: int
    n_clusters: int
    df_resid: int


def fit_twoway(
    y: np.ndarray,
    X: np.ndarray,
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    cluster_codes: np.ndarray,
    w: np.ndarray | None = None,
    names: Sequence[str] | None = None,
) -> TwoWayFit:
    """OLS (or WLS) of ``y`` on ``X`` with unit and period fixed effects, via ``PanelOLS``.

    Returns the coefficients and the CR1 cluster-robust covariance with fixest's default
    small-sample correction (fixed effects nested in the clusters are not counted).
    """
    from linearmodels import PanelOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    n, k = X.shape
    names = list(names) if names is not None else [f"x{j}" for j in range(k)]
    idx = pd.MultiIndex.from_arrays([unit_codes, time_codes], names=["unit", "time"])
    dep = pd.Series(y, index=idx, name="y")
    exog = pd.DataFrame(X, index=idx, columns=names)
    wts = None if w is None else pd.Series(w, index=idx)
    clusters = pd.DataFrame({"c": cluster_codes}, index=idx)
    try:
        mod = PanelOLS(dep, exog, weights=wts, entity_effects=True, time_effects=True,
                       singletons=True)
        res = mod.fit(cov_type="clustered", clusters=clusters, debiased=False,
                      auto_df=False, count_effects=False, group_debias=False)
    except AbsorbingEffectError as exc:
        raise EstimationError(
            "A regressor is fully explained by the unit and period fixed effects, so its "
            f"effect cannot be estimated ({exc}). Check the leads/lags and the control group."
        ) from exc
    except ValueError as exc:
        if "rank" in str(exc).lower():
            raise EstimationError(
                "The regressors are collinear once unit and period fixed effects are removed "
                "(for an event study without never-treated units, bin the end points or "
                "use fewer leads and lags)."
            ) from exc
        raise
    b = res.params.to_numpy()
    V0 = res.cov.to_numpy()
    # linearmodels' unadjusted cluster sandwich: undo nothing, then apply fixest's CR1 factor
    G = int(len(np.unique(cluster_codes)))
    n_units = int(unit_codes.max()) + 1
    n_times = int(time_codes.max()) + 1
    k_fe = 0
    unit_nested = nested(unit_codes, cluster_codes)
    time_nested = nested(time_codes, cluster_codes)
    k_fe += 0 if unit_nested else n_units
    k_fe += 0 if time_nested else n_times
    k_fe -= 1 if not (unit_nested or time_nested) else 0  # one level of the two is redundant
    K = k + k_fe
    factor = (G / (G - 1)) * ((n - 1) / (n - K)) if G > 1 and n > K else np.nan
    V = V0 * factor
    resid = res.resids.to_numpy()
    return TwoWayFit(params=b, vcov=V, resid=resid, n_obs=n, n_clusters=G,
                     df_resid=n - n_units - n_times + 1 - k)


def wald_zero(b: np.ndarray, V: np.ndarray) -> dict[str, float]:
    """Joint chi-squared Wald test that every element of ``b`` is zero."""
    b = np.asarray(b, dtype=float)
    if b.size == 0:
        return {"stat": np.nan, "df": 0, "p_value": np.nan}
    Vi = np.linalg.pinv(np.asarray(V, dtype=float))
    stat = float(b @ Vi @ b)
    df = int(np.linalg.matrix_rank(V))
    return {"stat": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)) if df else np.nan}


def treated_clusters(p: Prepared) -> int:
    """Number of clusters holding at least one ever-treated unit."""
    return int(len(np.unique(p.cluster_codes[np.isfinite(p.g)])))


def few_clusters_warning(p: Prepared, messages: list[str], stacklevel: int = 2) -> None:
    n_tc = treated_clusters(p)
    if n_tc < FEW_CLUSTERS:
        msg = (f"Only {n_tc} cluster(s) of {p.cluster_name!r} contain treated units. "
               + FEW_CLUSTERS_ADVICE)
        messages.append(msg)
        warnings.warn(msg, InferenceWarning, stacklevel=stacklevel + 1)


def lincomb(b: np.ndarray, V: np.ndarray, a: np.ndarray) -> tuple[float, float]:
    """Estimate and standard error of ``a @ b``."""
    est = float(a @ b)
    var = float(a @ V @ a)
    return est, float(np.sqrt(var)) if var >= 0 else np.nan


def headline(est: float, se: float, alpha: float) -> dict[str, float]:
    est, se = float(est), float(se)
    z = float(stats.norm.ppf(1 - alpha / 2))
    p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan
    return {"estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
            "p_value": p}


def event_term(e: int) -> str:
    return f"event_time={int(e)}"


def rel_periods(p: Prepared) -> np.ndarray:
    """Event time ``t - G`` counted in steps of the sorted period grid; NaN if never treated.

    For yearly data this is simply ``year - first treated year``. A first treated period
    that falls between observed periods counts from the first observed period after it.
    """
    pos = np.searchsorted(p.times, p.g)
    out = np.full(len(p.t), np.nan)
    fin = np.isfinite(p.g)
    out[fin] = p.time_codes[fin] - pos[fin]
    return out
