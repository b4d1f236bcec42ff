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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import warn_renamed
from .._utils import require_columns, require_frame
from ..errors import (
    DataWarning,
    EstimationError,
    InferenceWarning,
    PanelError,
    SpecificationError,
    format_examples,
)
from ..panel import PanelReport, validate_panel

FEW_CLUSTERS = 10
FEW_CLUSTERS_ADVICE = (
    "Cluster-robust standard errors are unreliable with so few treated clusters (they are "
    "usually too small). Use the library's randomization inference or wild cluster bootstrap "
    "(wsa_eval.inference) for the p-value and interval."
)


ALWAYS_DROPPED = "treated before the first observed period"  # validate_panel's reason


@dataclass
class Prepared:
    """A validated panel with integer codes (internal)."""

    data: pd.DataFrame  # cleaned copy (row order as validate_panel left it)
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
    warnings: list[str] = field(default_factory=list)  # what the caller should report
    cohorts: pd.Series | None = None  # first treated period by unit (always-treated kept)


def codes_of(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes ``0..k-1`` and the distinct values, sorted when the values can be
    ordered (numbers, or strings) and in order of first appearance when they cannot (unit
    labels mixing numbers and text, e.g. ``[1, 2, "E10000001"]``)."""
    try:
        codes, uniq = pd.factorize(pd.Series(values), sort=True)
    except TypeError:
        codes, uniq = pd.factorize(pd.Series(values), sort=False)
    return codes.astype(np.int64), np.asarray(uniq)


def prepare(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str | None = None,
    treatment: str | None = None,
    treated: Any = None,
    start: Any = None,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    balanced: bool = False,
    control_group: str = "either",
    always_treated: str = "drop",
) -> Prepared:
    """Validate and code a panel for the regression estimators (never modifies ``data``).

    ``always_treated="keep"`` keeps the units treated from the first observed period (no
    pre-period of their own) in the sample: a two-way fixed effects regression uses them as
    an "always treated" comparison group (Goodman-Bacon 2021), as R ``fixest`` and Stata
    ``reghdfe`` do. ``"drop"`` (the default of the event-study estimators) drops them with a
    warning.
    """
    require_frame(data)
    if not isinstance(outcome, str):
        raise SpecificationError("outcome must be the name of one column (a string).")
    if first_treated is None and treatment is None and treated is None:
        raise SpecificationError(
            "Give the treatment timing: first_treated= (first treated period by unit), "
            "treatment= (a 0/1 column) or treated= (unit label(s)) with start=."
        )
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates or [])
    require_columns(data, {"cluster": cluster})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the caller re-emits them at its own stack level
        report = validate_panel(
            data, unit=unit, time=time, outcome=outcome, first_treated=first_treated,
            treatment=treatment, treated=treated, start=start,
            covariates=covariates, weights=weights, balanced=balanced,
            control_group=control_group,
        )
    df = report.data
    cohorts = report.cohorts
    notes = list(report.warnings)
    if always_treated == "keep":
        df, cohorts, notes = _restore_always_treated(
            report, df, cohorts, notes, unit=unit, time=time, first_treated=first_treated,
            treatment=treatment, start=start)
    for m in notes:
        warnings.warn(m, DataWarning, stacklevel=4)
    if cluster is not None and df[cluster].isna().any():
        bad = df.loc[df[cluster].isna(), [unit, time]].head(3).to_records(index=False)
        raise PanelError(
            f"The cluster column {cluster!r} is missing at (unit, period) "
            f"{', '.join(str(tuple(r)) for r in bad)}."
        )
    unit_codes, units = codes_of(df[unit].to_numpy())
    times, time_codes = np.unique(df[time].to_numpy(dtype=float), return_inverse=True)
    g = cohorts.reindex(df[unit].to_numpy()).to_numpy(dtype=float)
    cl_col = cluster or unit
    cluster_codes, _ = codes_of(df[cl_col].to_numpy())
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
        unit_codes=unit_codes, time_codes=time_codes.astype(np.int64),
        times=times, units=units, g=g, t=df[time].to_numpy(dtype=float), w=w,
        cluster_codes=cluster_codes, cluster_name=cl_col, X=X,
        covariates=covariates, warnings=notes, cohorts=cohorts,
    )


def _restore_always_treated(
    report: PanelReport, df: pd.DataFrame, cohorts: pd.Series, notes: list[str], *,
    unit: str, time: str, first_treated: str | None, treatment: str | None, start: Any,
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Put back the units validate_panel dropped as treated before the data start, with
    their first treated period, and say so instead of "dropped"."""
    dropped = report.dropped
    if dropped.empty or "reason" not in dropped.columns:
        return df, cohorts, notes
    back = dropped.loc[dropped["reason"] == ALWAYS_DROPPED].drop(columns="reason")
    if back.empty:
        return df, cohorts, notes
    back = back[df.columns]
    if first_treated is not None:
        g = pd.to_numeric(back[first_treated], errors="coerce").groupby(
            back[unit].to_numpy(), sort=False).first()
    elif treatment is not None:
        on = pd.to_numeric(back[treatment], errors="coerce") == 1
        g = back.loc[on, time].astype(float).groupby(back.loc[on, unit].to_numpy(),
                                                     sort=False).min()
    else:
        starts = start if isinstance(start, dict) else None
        labels = pd.unique(back[unit])
        g = pd.Series([float(starts[u]) if starts else float(start) for u in labels],
                      index=labels)
    df = pd.concat([df, back], ignore_index=True)
    cohorts = pd.concat([cohorts, g.astype(float)])
    names = format_examples(list(g.index))
    notes = [m for m in notes if "no pre-period to compare them with" not in m]
    notes.append(f"Unit(s) {names} are treated from the first observed period; they are kept "
                 "as an 'always treated' comparison group (their treatment never changes, so "
                 "they act as controls for the other units).")
    return df, cohorts, notes


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


def few_clusters_warning(p: Prepared, messages: list[str], stacklevel: int = 3) -> None:
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


def timing_arguments(func: str, data: Any, unit: str, treatment: Any, treated: Any,
                     start: Any = None, *, stacklevel: int = 5) -> tuple[Any, Any]:
    """Accept the old spelling ``treated="D"`` naming a 0/1 column (now ``treatment=``) for
    one release, with a FutureWarning; a ``treated`` that is a unit label stays a label.

    ``stacklevel`` counts from :func:`~wsa_eval._compat.warn_renamed` to the user's call (5
    for a function decorated with ``renamed_arguments`` that calls this directly).
    """
    if (treatment is None and isinstance(treated, str) and isinstance(data, pd.DataFrame)
            and unit in data.columns):
        is_label = bool((data[unit] == treated).any())
        if treated in data.columns and not is_label:
            warn_renamed(func, "treated (naming a 0/1 column)",
                         "'treatment' (treated= now takes unit labels, with start=)",
                         stacklevel=stacklevel)
            return treated, None
        if not is_label and start is None:
            raise SpecificationError(
                f"{func}(): treated={treated!r} is neither a unit in the {unit!r} column nor "
                "a column. treated= takes the treated unit label(s) with start= (the first "
                "treated period); a 0/1 treatment column goes in treatment=.")
    return treatment, treated


def require_full_rank(X: np.ndarray, names: Sequence[str]) -> None:
    """Raise an EstimationError naming the regressors that are collinear (exactly, up to
    rounding): those whose removal leaves the rank of ``X`` unchanged."""
    X = np.asarray(X, dtype=float)
    rank = np.linalg.matrix_rank(X)
    if rank == X.shape[1]:
        return
    culprits = [nm for j, nm in enumerate(names)
                if np.linalg.matrix_rank(np.delete(X, j, axis=1)) == rank]
    raise EstimationError(
        f"The regressors {format_examples(culprits)} are collinear (one is an exact "
        "combination of the others in this sample), so their coefficients cannot be "
        "estimated. Check that the treated and comparison groups both have periods before "
        "and after the start."
    )
