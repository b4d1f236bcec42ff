"""Cox proportional-hazards regression.

Cox (1972) partial likelihood, maximised by Newton-Raphson with step halving from zero (as R
``coxph``). Tied event times by Efron's (1977) approximation (default, as R) or Breslow's
(1974). Robust (sandwich) standard errors of Lin & Wei (1989) from dfbeta residuals, summed
within ``cluster`` for cluster-robust errors (R ``coxph(..., robust = TRUE)`` /
``cluster = ``). Strata have their own baseline hazards; case ``weights`` multiply each
row's contribution; time-varying covariates in counting-process ``(entry, duration]`` form
(Andersen & Gill 1982): one row per episode, ``entry`` = start, ``duration`` = stop. See
Therneau & Grambsch (2000), chapters 3, 7 and 8.

Which standard errors: as R's ``coxph`` (survival 3.5-3), robust ones when a ``cluster`` is
given or the case weights are not whole numbers (inverse-probability weights are not
frequencies, so the model-based variance is wrong for them), model-based ones otherwise;
``inference="model"`` or ``"robust"`` chooses explicitly. ``summary()`` names the kind on
its first lines and, for robust errors, shows the model-based ones beside them.

Assumptions: hazards proportional over time within strata (check with
:func:`~wsa_eval.survival.zph.proportional_hazards_test`), censoring independent given the
covariates, log-linear covariate effects.

Speed: risk-set sums are totals by (stratum, event time) block, one ``bincount`` per column
in the caller's row order (no sort, no permutation); tied deaths are handled as vectors; the
information and the score residuals cost ``O(n p^2)`` and ``O(n p)`` (see
:mod:`wsa_eval.survival._cox_core`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import warn_renamed
from .._utils import check_alpha, check_choice
from ..errors import ConvergenceWarning, EstimationError, InferenceWarning, SpecificationError
from ..results import make_spec, tidy_frame
from ._check import SurvivalData, hash_in_background, prepare_survival, used_columns
from ._concordance import concordance as harrell_c
from ._cox_core import CoxState, RiskSets, fit_newton, score_residuals, weighted_gram
from ._results import CoxResult

__all__ = ["cox", "CoxFitData", "INFERENCE"]

INFERENCE = ("model", "robust")

#: concordance is computed by default up to this many rows (O(n log n), about the time of the
#: fit itself)
CONCORDANCE_DEFAULT_MAX = 200_000


@dataclass(frozen=True)
class CoxFitData:
    """What a fitted model keeps for residual-based follow-ups (the caller's row order)."""

    rs: RiskSets
    X: np.ndarray  # centred covariates, column-major
    w: np.ndarray | None  # case weights (None: all one)
    state: CoxState
    info: np.ndarray
    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None
    x_mean: np.ndarray | None = None  # column means subtracted from X (X + x_mean = data)


def _resolve_inference(inference: str | None, robust: bool | None, cluster: str | None
                       ) -> str | None:
    """The inference asked for (None: R's default, decided once the weights are read)."""
    if robust is not None:
        if inference is not None:
            raise SpecificationError("cox(): give inference= only (robust= is its old name).")
        warn_renamed("cox", "robust", f"inference={'robust' if robust else 'model'!r}",
                     stacklevel=4)
        inference = "robust" if robust else "model"
    if inference is not None:
        check_choice("inference", inference, INFERENCE)
        if inference == "model" and cluster is not None:
            raise SpecificationError(
                f"cluster={cluster!r} asks for cluster-robust standard errors, but "
                "inference='model' asks for model-based ones: drop one of them.")
    return inference


def _check_design(sd: SurvivalData, event: str) -> np.ndarray:
    """Refuse constant covariates and data without events; return each column's range."""
    spread = sd.X.max(axis=0) - sd.X.min(axis=0)
    const = [c for c, s in zip(sd.covariates, spread) if s == 0]
    if const:
        raise EstimationError(
            f"Covariate(s) {', '.join(map(repr, const))} take a single value in the data, so "
            "their effect cannot be estimated; drop them."
        )
    if not sd.event.any():
        raise EstimationError(f"Column {event!r} has no events (all rows censored).")
    return spread


def _fit_warnings(st: CoxState, iters: int, converged: bool, sd: SurvivalData,
                  spread: np.ndarray) -> list[str]:
    """Messages for a fit that did not converge or has monotone-likelihood coefficients."""
    out: list[str] = []
    if not converged:
        out.append(f"The Cox fit did not converge in {iters} iterations; estimates may be "
                   "unreliable (often a covariate that almost perfectly predicts the events).")
    beta = st.beta
    # standard deviation <= half the range: compute it only where it could matter
    big = np.abs(beta) * spread > 15
    if big.any():
        big[big] = np.abs(beta[big]) * sd.X[:, big].std(axis=0) > 15
    if big.any():
        out.append(f"Very large coefficient(s) for {', '.join(np.array(sd.covariates)[big])}: "
                   "the likelihood may be monotone (a covariate separates events from "
                   "non-events); treat these estimates and standard errors with caution.")
    return out


def _robust_variance(rs: RiskSets, X: np.ndarray, w: np.ndarray | None, st: CoxState,
                     V: np.ndarray, sd: SurvivalData) -> np.ndarray:
    """Lin & Wei sandwich ``V (L' W^2 L) V`` from the score residuals ``L`` (summed within
    clusters first when there are clusters), without forming the dfbeta rows."""
    L = score_residuals(rs, X, w, st)
    if sd.cluster is not None:
        Lw = L if w is None else L * w[:, None]
        U = np.column_stack([np.bincount(sd.cluster, weights=Lw[:, j],
                                         minlength=sd.n_clusters) for j in range(L.shape[1])])
        meat = U.T @ U
    else:
        meat = weighted_gram(L, None if w is None else w * w)
    out = V @ meat @ V
    return (out + out.T) / 2


def _variance(kind: str | None, rs: RiskSets, X: np.ndarray, sd: SurvivalData,
              st: CoxState, info: np.ndarray, cluster: str | None
              ) -> tuple[np.ndarray, np.ndarray, str, str, list[str]]:
    """``(V, V_model, kind, words, warnings)`` for the inference asked for (None = R's
    default: robust with a cluster or non-integer case weights)."""
    try:
        V_model = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise EstimationError("The information matrix is singular at the solution.") from None
    w = sd.weights
    fractional = w is not None and bool(np.any(w != np.floor(w)))
    default = kind is None
    if default:
        kind = "robust" if (cluster is not None or fractional) else "model"
    msgs: list[str] = []
    if kind == "model":
        words = "model-based (inverse information)"
        if fractional:
            msgs.append("Non-integer weights (e.g. inverse-probability weights) with "
                        "model-based standard errors: these are usually too small or too "
                        "large; R's coxph uses robust errors here (inference='robust', the "
                        "default).")
        return V_model, V_model, kind, words, msgs
    V = _robust_variance(rs, X, w, st, V_model, sd)
    if cluster is not None:
        words = (f"cluster-robust (Lin & Wei 1989 sandwich, {sd.n_clusters} clusters of "
                 f"{cluster!r})")
        if sd.n_clusters < 30:
            msgs.append(f"Only {sd.n_clusters} clusters of {cluster!r}: cluster-robust "
                        "standard errors can be too small with fewer than about 30 clusters.")
    else:
        words = "robust (Lin & Wei 1989 sandwich)"
    if default and fractional:
        words += "; R coxph's default with non-integer case weights"
    return V, V_model, kind, words, msgs


def _global_tests(st: CoxState, st0: CoxState, info0: np.ndarray, V: np.ndarray
                  ) -> pd.DataFrame:
    """Likelihood-ratio, Wald (with the variance reported) and score tests of all beta = 0."""
    p = st.beta.shape[0]
    lr = 2 * (st.loglik - st0.loglik)
    wald = float(st.beta @ np.linalg.solve(V, st.beta))
    score = float(st0.score @ np.linalg.solve(info0, st0.score))
    return pd.DataFrame({
        "test": ["likelihood ratio", "Wald", "score (log-rank)"],
        "statistic": [lr, wald, score],
        "df": [p, p, p],
        "p_value": [stats.chi2.sf(lr, p), stats.chi2.sf(wald, p), stats.chi2.sf(score, p)],
    })


def _effects(names: list[str], beta: np.ndarray, V: np.ndarray, alpha: float) -> pd.DataFrame:
    se = np.sqrt(np.diag(V))
    z = stats.norm.ppf(1 - alpha / 2)
    effects = tidy_frame(names, beta, se, alpha=alpha)
    effects["hazard_ratio"] = np.exp(beta)
    effects["hr_ci_low"] = np.exp(beta - z * se)
    effects["hr_ci_high"] = np.exp(beta + z * se)
    return effects


def _headline_term(treatment: str | None, names: list[str]) -> str | None:
    """The covariate whose hazard ratio is the headline: ``treatment``, or the only one."""
    if treatment is not None:
        return treatment
    return names[0] if len(names) == 1 else None


def _concordance_value(want: bool | None, sd: SurvivalData, beta: np.ndarray) -> float:
    if want is None:
        want = sd.n <= CONCORDANCE_DEFAULT_MAX
    if not want or sd.entry is not None:
        return float("nan")  # start/stop data: R uses counting-process risk sets
    return harrell_c(sd.time, sd.event, sd.X @ beta, sd.weights, sd.strata)


def cox(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    covariates: Sequence[str],
    treatment: str | None = None,
    ties: str = "efron",
    inference: str | None = None,
    cluster: str | None = None,
    strata: str | Sequence[str] | None = None,
    weights: str | None = None,
    entry: str | None = None,
    alpha: float = 0.05,
    concordance: bool | None = None,
    robust: bool | None = None,
) -> CoxResult:
    """Fit a Cox proportional-hazards model (formula-free; matches R ``coxph``).

    Parameters
    ----------
    data : DataFrame
        One row per person, or per episode with ``entry`` (not modified).
    duration, event : str
        Exit (stop) time and event indicator (1 = event at the exit time, 0 = censored).
    covariates : list of str
        Numeric columns. For a categorical variable make 0/1 dummy columns first
        (``pd.get_dummies(..., drop_first=True, dtype=float)``).
    treatment : str, optional
        The covariate whose hazard ratio is the result's headline (``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``interpret()``), usually the 0/1 column of
        who received the scheme. Added to ``covariates`` when not listed there. Without it
        the headline is the only covariate, or none (NaN, with every hazard ratio in
        ``effects``) when there are several: it is never chosen by position.
    ties : {"efron", "breslow"}
        Tied event times (Efron 1977, R's default; Breslow 1974).
    inference : {"model", "robust"}, optional
        Standard errors: ``"model"`` (inverse information) or ``"robust"`` (Lin & Wei 1989
        sandwich; cluster-robust with ``cluster``). Default (None) as R's ``coxph``:
        robust when ``cluster`` is given or the case weights are not whole numbers,
        model-based otherwise.
    cluster : str, optional
        Cluster-robust standard errors summing dfbeta residuals within this column's
        levels (implies ``inference="robust"``). Use the person id with episode data.
    strata : str or list of str, optional
        Separate baseline hazards by these columns' levels.
    weights : str, optional
        Positive case weights.
    entry : str, optional
        Start of each row's at-risk interval (counting-process form, time-varying
        covariates, delayed entry): the row is at risk on ``(entry, duration]``.
    alpha : float
        1 - confidence level.
    concordance : bool, optional
        Compute Harrell's C (as R's ``concordance``; ``O(n log n)``). By default (None) up to
        200,000 rows. Not available with ``entry`` (start/stop data).
    robust : bool, optional
        Deprecated: ``inference="robust"`` / ``"model"``.

    Returns
    -------
    CoxResult
        ``to_frame()``: ``term, estimate (log HR), std_error, statistic, p_value, ci_low,
        ci_high, hazard_ratio, hr_ci_low, hr_ci_high``; ``term`` (the headline covariate),
        ``vcov``, ``naive_vcov`` (model-based), ``loglik``, ``tests`` (likelihood-ratio,
        Wald, score), ``concordance``.

    Notes
    -----
    Assumes hazards proportional over time within strata (check with
    :func:`proportional_hazards_test`), censoring independent of the event time given the
    covariates, and log-linear covariate effects. A hazard ratio compares event rates among
    people still without the event; it is a causal effect only when the groups compared are
    otherwise alike (randomisation, matching or weighting).

    References
    ----------
    Cox, D. R. (1972). Regression models and life-tables. *Journal of the Royal Statistical
    Society B* 34, 187-220.
    Efron, B. (1977). The efficiency of Cox's likelihood function for censored data. *Journal
    of the American Statistical Association* 72, 557-565.
    Lin, D. Y. & Wei, L. J. (1989). The robust inference for the Cox proportional hazards
    model. *Journal of the American Statistical Association* 84, 1074-1078.
    Therneau, T. M. & Grambsch, P. M. (2000). *Modeling Survival Data*. Springer.

    Examples
    --------
    The hazard of re-arrest with financial aid (``fin``), holding age and the number of
    prior convictions fixed (Rossi, Berk & Lenihan 1980; R's ``coxph`` gives the same):

    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import cox
    >>> fit = cox(load_rossi(), duration="week", event="arrest", covariates=["age", "prio"],
    ...           treatment="fin")
    >>> print(fit.to_frame()[["term", "hazard_ratio", "hr_ci_low", "hr_ci_high", "p_value"]]
    ...       .round(3).to_string(index=False))
    term  hazard_ratio  hr_ci_low  hr_ci_high  p_value
     fin         0.707      0.487       1.026    0.068
     age         0.935      0.898       0.974    0.001
    prio         1.102      1.044       1.162    0.000
    >>> print(f"{fit.term}: log hazard ratio {fit.estimate:.3f}, standard error {fit.se:.3f}")
    fin: log hazard ratio -0.347, standard error 0.190
    """
    alpha = check_alpha(alpha)
    check_choice("ties", ties, ("efron", "breslow"))
    inference = _resolve_inference(inference, robust, cluster)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if treatment is not None:
        if not isinstance(treatment, str):
            raise SpecificationError(f"treatment must be a column name, not {treatment!r}.")
        if treatment not in covariates:
            covariates = [treatment] + covariates
    sd = prepare_survival(data, duration=duration, event=event, covariates=covariates,
                          strata=strata, cluster=cluster, weights=weights, entry=entry,
                          centre=True)
    names = list(sd.covariates)
    data_hash = hash_in_background(data, used_columns(duration, event, names, cluster, strata,
                                                      weights, entry))
    spread = _check_design(sd, event)
    rs = RiskSets(sd.time, sd.event, sd.entry, sd.strata, efron=(ties == "efron"))
    st, info, st0, info0, iters, converged = fit_newton(rs, sd.X, sd.weights)
    warn = _fit_warnings(st, iters, converged, sd, spread)
    V, V_model, kind, words, msgs = _variance(inference, rs, sd.X, sd, st, info, cluster)
    for msg in warn:
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
    for msg in msgs:
        warnings.warn(msg, InferenceWarning, stacklevel=2)
    effects = _effects(names, st.beta, V, alpha)
    term = _headline_term(treatment, names)
    head = (effects.set_index("term").loc[term] if term is not None else
            pd.Series(np.nan, index=effects.columns[1:]))
    spec = make_spec(
        "cox",
        dict(duration=duration, event=event, covariates=names, treatment=treatment, ties=ties,
             inference=kind, cluster=cluster, strata=strata, weights=weights, entry=entry,
             alpha=alpha),
        data_hash=data_hash(),
    )
    return CoxResult(
        method=f"Cox (1972) proportional hazards, {ties.capitalize()} ties",
        spec=spec,
        warnings=tuple(warn + msgs),
        estimate=float(head["estimate"]),
        se=float(head["std_error"]),
        ci_low=float(head["ci_low"]),
        ci_high=float(head["ci_high"]),
        p_value=float(head["p_value"]),
        alpha=alpha,
        inference=words,
        estimand=(f"log hazard ratio for {term}" if term is not None else
                  "none chosen (several covariates and no treatment=...): see effects"),
        effects=effects,
        n_obs=sd.n,
        n_units=sd.n_clusters if cluster is not None else None,
        term=term,
        coef=pd.Series(st.beta, index=names, name="coef"),
        vcov=pd.DataFrame(V, index=names, columns=names),
        naive_vcov=pd.DataFrame(V_model, index=names, columns=names),
        loglik=st.loglik,
        loglik_null=st0.loglik,
        n_events=float(rs.n_deaths),
        ties=ties,
        robust=kind == "robust",
        tests=_global_tests(st, st0, info0, V),
        iterations=iters,
        converged=converged,
        concordance=_concordance_value(concordance, sd, st.beta),
        covariates=tuple(names),
        fit_data=CoxFitData(rs=rs, X=sd.X, w=sd.weights, state=st, info=info, time=sd.time,
                            event=sd.event, entry=sd.entry, x_mean=sd.x_mean),
    )
