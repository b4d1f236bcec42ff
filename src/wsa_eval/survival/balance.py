"""Comparison groups: propensity scores, matching, weighting and balance (Justice Data Lab).

The Ministry of Justice Justice Data Lab (JDL) compares the reoffending of people who received
a service with a comparison group of similar people who did not, built by propensity score
matching on offending history and demographics, and checks the match with standardised mean
differences. This module gives the same tools.

* :func:`propensity` -- ``e(x) = P(treated | x)`` by logistic regression (maximum
  likelihood by statsmodels' ``Logit``; collinear covariates and perfect separation are
  refused with the library's error naming the covariates). Rosenbaum & Rubin (1983): under
  no unmeasured confounding and overlap, comparing treated and comparison people with the
  same ``e(x)`` removes the bias from ``x``.
* :func:`match` -- greedy nearest-neighbour matching on the logit of the propensity score,
  ``ratio`` comparisons per treated person, with or without replacement, within a caliper of
  ``caliper`` standard deviations of the logit (0.2 by default, Austin 2011). Treated people
  are matched in a random order fixed by ``random_state``; ties are broken by row order. The
  search uses the sorted logits (``searchsorted``; without replacement, "next unused
  neighbour" pointers with path compression), so it is O(n log n). Matched comparison people
  get ATT weights (each treated person's weight of 1 is shared among her matches).
* :func:`weight` -- inverse probability of treatment weights: ATT (treated 1, comparison
  ``e/(1-e)``) or ATE (``1/e``, ``1/(1-e)``); ``trim`` drops people whose score lies outside
  ``[trim, 1 - trim]`` (Crump et al. 2009), with a warning.
* :func:`balance` -- standardised mean differences (SMD) before and after adjustment,
  ``(mean_t - mean_c) / sqrt((s_t^2 + s_c^2) / 2)`` with the *unadjusted* standard deviations
  in the denominator both times (Austin 2011; for 0/1 covariates ``s^2 = p(1-p)``). An
  absolute SMD above 0.1 after adjustment is flagged with a :class:`DataWarning`.

Assumptions: no unmeasured confounding (the covariates include everything that drives both
referral and reoffending -- the JDL's main caveat), overlap, and a correctly specified score.

References
----------
Rosenbaum, P. R. & Rubin, D. B. (1983). The central role of the propensity score in
observational studies for causal effects. *Biometrika* 70, 41-55.
Austin, P. C. (2011). Optimal caliper widths for propensity-score matching when estimating
differences in means and differences in proportions in observational studies.
*Pharmaceutical Statistics* 10, 150-161; and An introduction to propensity score methods for
reducing the effects of confounding in observational studies. *Multivariate Behavioral
Research* 46, 399-424.
Crump, R. K., Hotz, V. J., Imbens, G. W. & Mitnik, O. A. (2009). Dealing with limited overlap
in estimation of average treatment effects. *Biometrika* 96, 187-199.
Ministry of Justice (2013-), Justice Data Lab: methodology paper (gov.uk).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._compat import renamed_arguments
from .._utils import (
    check_choice,
    hash_frame,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import (
    ColumnError,
    ConvergenceWarning,
    DataFormatError,
    DataWarning,
    EstimationError,
    SpecificationError,
    format_examples,
)
from ..results import make_spec
from ._jdl_results import BalanceResult, MatchResult, PropensityResult, WeightResult

__all__ = ["propensity", "match", "weight", "balance", "standardized_differences"]


# ------------------------------------------------------------------------------------------
# checks
# ------------------------------------------------------------------------------------------
def _treatment_vector(data: pd.DataFrame, treatment: str) -> np.ndarray:
    require_columns(data, {"treatment": treatment})
    z = data[treatment]
    if z.isna().any():
        raise DataFormatError(
            f"Treatment column {treatment!r} has {int(z.isna().sum())} missing value(s); "
            "every person must be coded 1 (received the service) or 0 (did not).")
    vals = set(pd.unique(z.astype(float) if z.dtype.kind in "iufb" else z))
    if not vals <= {0.0, 1.0}:
        raise DataFormatError(
            f"Treatment column {treatment!r} must be coded 0/1 (or True/False); found "
            f"{format_examples(sorted(map(str, vals)))}.")
    zz = z.to_numpy(dtype=float).astype(np.int64)
    if zz.sum() == 0 or zz.sum() == len(zz):
        raise EstimationError(
            f"Treatment column {treatment!r} needs both treated (1) and comparison (0) people.")
    return zz


def _covariate_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> np.ndarray:
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise SpecificationError("Give at least one covariate.")
    require_columns(data, {"covariates": covariates})
    for c in covariates:
        s = data[c]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            raise ColumnError(
                f"Covariate {c!r} is not numeric; code categories as 0/1 dummy columns "
                "(e.g. pandas.get_dummies) first.")
        if s.isna().any():
            raise DataFormatError(
                f"Covariate {c!r} has {int(s.isna().sum())} missing value(s); fill or drop "
                "them (or add a missing-indicator column) before building a comparison group.")
    return data[covariates].to_numpy(dtype=float)


# ------------------------------------------------------------------------------------------
# propensity score
# ------------------------------------------------------------------------------------------
def _collinear(X: np.ndarray, names: list[str]) -> list[str]:
    """Covariates that are combinations of the intercept and the covariates before them."""
    kept = np.ones((X.shape[0], 1))
    out = []
    for j, c in enumerate(names):
        trial = np.column_stack([kept, X[:, j]])
        if np.linalg.matrix_rank(trial) < trial.shape[1]:
            out.append(c)
        else:
            kept = trial
    return out


def _separating(X: np.ndarray, z: np.ndarray, names: list[str]) -> list[str]:
    """Covariates that on their own split the treated from the comparison people."""
    t, c = X[z == 1], X[z == 0]
    return [n for j, n in enumerate(names)
            if t[:, j].min() > c[:, j].max() or t[:, j].max() < c[:, j].min()]


def _logit(X: np.ndarray, z: np.ndarray, names: list[str]) -> tuple[np.ndarray, bool]:
    """Logistic regression of ``z`` on an intercept and ``X`` by statsmodels (maximum
    likelihood, Newton); returns (coefficients, converged). Collinear covariates and perfect
    separation raise the library's error naming the covariates."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    bad = _collinear(X, names)
    if bad:
        raise EstimationError(
            f"The propensity model cannot be fitted: covariate(s) {format_examples(bad)} are "
            "combinations of the other covariates (collinear). Remove them.")
    sep = _separating(X, z, names)
    if sep:
        raise EstimationError(
            f"Covariate(s) {format_examples(sep)} separate the treated from the comparison "
            "people perfectly (no value is shared by both groups), so the propensity scores "
            "are 0 or 1 and there is nobody comparable to match or weight. Restrict the "
            "population to the range where both groups occur, or drop the covariate.")
    Xc = np.column_stack([np.ones(len(z)), X])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            fit = sm.Logit(z, Xc).fit(disp=0, maxiter=100)
        except (PerfectSeparationError, np.linalg.LinAlgError):
            fit = None
    separated = fit is None or any(issubclass(w.category, PerfectSeparationWarning)
                                   for w in rec)
    if separated:
        # the covariates pushing the fitted scores to 0 or 1: largest standardised slopes
        beta = np.zeros(X.shape[1]) if fit is None else np.asarray(fit.params)[1:]
        size = np.abs(beta) * X.std(axis=0)
        order = [names[j] for j in np.argsort(-size)] if size.any() else names
        raise EstimationError(
            "The covariates together separate the treated from the comparison people "
            f"perfectly (mostly {format_examples(order[:3])}): the propensity scores are 0 or "
            "1 and there is nobody comparable to match or weight. Use fewer covariates or "
            "restrict the population to where both groups occur.")
    return np.asarray(fit.params, dtype=float), bool(fit.mle_retvals.get("converged", True))


def propensity(data: pd.DataFrame, *, treatment: str, covariates: Sequence[str]
               ) -> PropensityResult:
    """Propensity scores ``P(treated | covariates)`` by logistic regression.

    Parameters
    ----------
    data : DataFrame
        One row per person (not modified).
    treatment : str
        0/1 column: 1 = received the service.
    covariates : list of str
        Numeric columns (code categories as 0/1 dummy columns first).

    Returns
    -------
    PropensityResult
        ``scores`` (aligned to ``data``'s rows), ``logit``, the coefficients ``params`` and
        ``treatment_values`` (the 0/1 column).

    Raises
    ------
    EstimationError
        Naming the covariate(s) when they separate the groups perfectly (scores of 0 or 1:
        no overlap) or are collinear. Warns (ConvergenceWarning) when some scores are still
        within 1e-8 of 0 or 1 (near separation).

    Notes
    -----
    Under no unmeasured confounding (the covariates include everything that drives both
    referral and the outcome), overlap, and a correctly specified model, comparing people
    with the same score removes the bias from the covariates (Rosenbaum & Rubin 1983).

    References
    ----------
    Rosenbaum, P. R. & Rubin, D. B. (1983). The central role of the propensity score in
    observational studies for causal effects. *Biometrika* 70, 41-55.

    Examples
    --------
    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import propensity
    >>> ps = propensity(load_rossi(), treatment="fin", covariates=["age", "prio"])
    >>> print(ps.params.round(3).to_string())
    (intercept)   -0.513
    age            0.020
    prio           0.004
    """
    require_frame(data)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    z = _treatment_vector(data, treatment)
    X = _covariate_matrix(data, covariates)
    beta, conv = _logit(X, z, covariates)
    eta = np.column_stack([np.ones(len(z)), X]) @ beta
    ps = 1 / (1 + np.exp(-np.clip(eta, -30, 30)))
    warns = []
    if not conv or np.any((ps < 1e-8) | (ps > 1 - 1e-8)):
        msg = ("The propensity model (nearly) separates the treated and comparison groups: some "
               "people have scores of almost 0 or 1, so there are people with no comparable "
               "counterpart (poor overlap). Results will rest on few people; consider fewer "
               "covariates or restricting the population.")
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        warns.append(msg)
    spec = make_spec("propensity", dict(treatment=treatment, covariates=covariates),
                     data_hash=hash_frame(data))
    return PropensityResult(
        method="Propensity score by logistic regression (Rosenbaum & Rubin 1983)",
        spec=spec, warnings=tuple(warns),
        scores=pd.Series(ps, index=data.index, name="propensity"),
        params=pd.Series(beta, index=["(intercept)"] + covariates),
        treatment=treatment, covariates=tuple(covariates), converged=conv,
        treatment_values=pd.Series(z, index=data.index, name=treatment))


def _scores(data, treatment, covariates, ps):
    if ps is None:
        if covariates is None:
            raise SpecificationError("Give covariates=[...] or a fitted propensity=... result.")
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            pr = propensity(data, treatment=treatment, covariates=covariates)
        for wi in w:
            warnings.warn(wi.message, wi.category, stacklevel=3)
        return pr.scores.to_numpy(), list(pr.warnings)
    s = ps.scores if isinstance(ps, PropensityResult) else ps
    s = np.asarray(s, dtype=float)
    if s.shape != (len(data),) or np.any(~np.isfinite(s)) or np.any((s <= 0) | (s >= 1)):
        raise SpecificationError(
            "propensity must be a PropensityResult or one score strictly between 0 and 1 per "
            "row of data.")
    return s, []


# ------------------------------------------------------------------------------------------
# matching
# ------------------------------------------------------------------------------------------
def _find(parent: list[int], i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return root


def _greedy_match(lt: np.ndarray, lc: np.ndarray, order: np.ndarray, ratio: int,
                  caliper: float, with_replacement: bool) -> list[tuple[int, int, float]]:
    """Pairs (treated index, control index, |logit distance|) in matching order."""
    cs = np.argsort(lc, kind="stable")
    v = lc[cs]
    nc = len(v)
    pos = np.searchsorted(v, lt)
    if with_replacement:  # vectorised: the k nearest lie among the k sorted neighbours on each side
        k = ratio
        cand = pos[order][:, None] + np.arange(-k, k)[None, :]
        valid = (cand >= 0) & (cand < nc)
        cc = np.clip(cand, 0, nc - 1)
        dist = np.where(valid, np.abs(v[cc] - lt[order][:, None]), np.inf)
        row = np.repeat(np.arange(len(order)), 2 * k)
        srt = np.lexsort((cs[cc].ravel(), dist.ravel(), row))
        best = srt.reshape(len(order), 2 * k)[:, :k].ravel()
        r, dd = row[best], dist.ravel()[best]
        ok = dd <= caliper
        return list(zip(order[r[ok]].tolist(), cs[cc.ravel()[best[ok]]].tolist(),
                        dd[ok].tolist()))
    # without replacement (greedy): right[i] = smallest unused >= i (nc = none);
    # left[i + 1] = largest unused <= i, stored shifted by one (0 = none). Plain lists: the
    # loop is in Python and list indexing is much faster than numpy scalar indexing.
    right = list(range(nc + 1))
    left = list(range(nc + 1))
    vl, csl, posl, ltl = v.tolist(), cs.tolist(), pos.tolist(), lt.tolist()
    done = [False] * len(lt)
    pairs: list[tuple[int, int, float]] = []
    for _ in range(ratio):
        for t in order.tolist():
            if done[t]:
                continue
            x = ltl[t]
            r = _find(right, posl[t])
            l_ = _find(left, posl[t]) - 1
            best, bd = -1, float("inf")
            if l_ >= 0:
                best, bd = l_, x - vl[l_]
            if r < nc:
                dr = vl[r] - x
                if dr < bd or (dr == bd and csl[r] < csl[best]):
                    best, bd = r, dr
            if best < 0 or bd > caliper:
                done[t] = True  # no (further) match within the caliper
                continue
            pairs.append((t, csl[best], bd))
            right[best] = best + 1
            left[best + 1] = best
    return pairs


@renamed_arguments(replace="with_replacement")
def match(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str] | None = None,
    propensity: PropensityResult | Sequence[float] | None = None,
    caliper: float | None = 0.2,
    ratio: int = 1,
    with_replacement: bool = False,
    random_state: int | np.random.Generator | None = None,
) -> MatchResult:
    """Nearest-neighbour propensity score matching on the logit, within a caliper.

    Parameters
    ----------
    data : DataFrame
        One row per person.
    treatment : str
        0/1 column (1 = received the service).
    covariates : list of str
        For the propensity model (or pass ``propensity=`` a fitted score).
    caliper : float or None
        Maximum distance, in standard deviations of the logit of the score (all people);
        0.2 by default (Austin 2011). None = no caliper.
    ratio : int
        Comparison people per treated person.
    with_replacement : bool
        Allow a comparison person to be matched to several treated people (old name:
        ``replace``, deprecated).
    random_state : int, Generator or None
        Fixes the order in which treated people are matched (greedy matching depends on it).

    Returns
    -------
    MatchResult
        ``pairs`` (``treated_row``, ``control_row`` as positions in ``data``, ``distance``),
        ``data`` (a copy with ``propensity`` and ``match_weight``: 1 for matched treated,
        the ATT weight for matched comparison people, 0 otherwise), ``unmatched`` treated.

    Notes
    -----
    Greedy matching in a random order (fixed by ``random_state`` and recorded in
    ``spec["seed"]``); the estimand is the effect on the treated people who could be matched.
    Matching inherits the propensity score's assumptions (no unmeasured confounding,
    overlap); check the result with :func:`balance`.

    References
    ----------
    Austin, P. C. (2011). Optimal caliper widths for propensity-score matching when
    estimating differences in means and differences in proportions in observational studies.
    *Pharmaceutical Statistics* 10, 150-161.

    Examples
    --------
    >>> import warnings
    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import match
    >>> with warnings.catch_warnings():  # 15 people have no match within the caliper
    ...     warnings.simplefilter("ignore")
    ...     m = match(load_rossi(), treatment="fin", covariates=["age", "prio"],
    ...               random_state=1)
    >>> print(m.n_treated, m.n_matched_treated, len(m.unmatched))
    216 201 15
    """
    require_frame(data)
    z = _treatment_vector(data, treatment)
    if not isinstance(ratio, (int, np.integer)) or ratio < 1:
        raise SpecificationError(f"ratio must be a whole number >= 1, not {ratio!r}.")
    if caliper is not None and not (np.isfinite(caliper) and caliper > 0):
        raise SpecificationError(f"caliper must be a positive number or None, not {caliper!r}.")
    rng, seed = resolve_random_state(random_state)
    ps, warns = _scores(data, treatment, covariates, propensity)
    ps_c = np.clip(ps, 1e-12, 1 - 1e-12)
    lg = np.log(ps_c / (1 - ps_c))
    width = np.inf if caliper is None else caliper * float(np.std(lg, ddof=1))
    ti, ci = np.flatnonzero(z == 1), np.flatnonzero(z == 0)
    if not with_replacement and len(ci) < len(ti) * ratio:
        msg = (f"There are fewer comparison people ({len(ci)}) than treated people x ratio "
               f"({len(ti) * ratio}); matching without replacement cannot find matches for "
               "everyone. Consider with_replacement=True.")
        warnings.warn(msg, DataWarning, stacklevel=3)  # past the renaming wrapper
        warns.append(msg)
    order = rng.permutation(len(ti))
    pairs = _greedy_match(lg[ti], lg[ci], order, int(ratio), width, bool(with_replacement))
    pt = np.array([ti[p[0]] for p in pairs], dtype=np.int64)
    pc = np.array([ci[p[1]] for p in pairs], dtype=np.int64)
    dist = np.array([p[2] for p in pairs], dtype=float)
    w = np.zeros(len(z))
    if len(pt):
        k = np.bincount(pt, minlength=len(z)).astype(float)  # matches per treated
        w[np.unique(pt)] = 1.0
        np.add.at(w, pc, 1.0 / k[pt])
    matched_t = np.unique(pt)
    unmatched = np.setdiff1d(ti, matched_t)
    if len(matched_t) == 0:
        raise EstimationError(
            "No treated person has a comparison person within the caliper; widen the caliper "
            "or check overlap of the propensity scores.")
    if len(unmatched):
        msg = (f"{len(unmatched)} of {len(ti)} treated people had no comparison person within "
               f"the caliper ({caliper} SD of the logit propensity score) and were left out: "
               "the comparison describes the treated people who could be matched.")
        warnings.warn(msg, DataWarning, stacklevel=3)  # past the renaming wrapper
        warns.append(msg)
    out = data.copy()
    out["propensity"] = ps
    out["match_weight"] = w
    spec = make_spec(
        "match", dict(treatment=treatment, covariates=None if covariates is None else
                      list(covariates), caliper=caliper, ratio=int(ratio),
                      with_replacement=bool(with_replacement), random_state=seed),
        data_hash=hash_frame(data), seed=seed)
    return MatchResult(
        method=("Nearest-neighbour propensity score matching "
                f"({'with' if with_replacement else 'without'} replacement, "
                f"1:{int(ratio)})"),
        spec=spec, warnings=tuple(warns),
        pairs=pd.DataFrame({"treated_row": pt, "control_row": pc, "distance": dist}),
        data=out,
        unmatched=data.iloc[unmatched].copy(),
        caliper=caliper, ratio=int(ratio), with_replacement=bool(with_replacement),
        n_treated=len(ti), n_matched_treated=len(matched_t),
        diagnostics={"caliper_logit_units": width},
    )


# ------------------------------------------------------------------------------------------
# weighting
# ------------------------------------------------------------------------------------------
def _kish(w: np.ndarray) -> float:
    return float(w.sum() ** 2 / np.sum(w**2)) if np.any(w > 0) else 0.0


def weight(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str] | None = None,
    propensity: PropensityResult | Sequence[float] | None = None,
    estimand: str = "ATT",
    trim: float | None = None,
) -> WeightResult:
    """Inverse probability of treatment weights.

    Parameters
    ----------
    data : DataFrame
        One row per person (not modified).
    treatment : str
        0/1 column: 1 = received the service.
    covariates : list of str, optional
        For the propensity model (or pass ``propensity=``).
    propensity : PropensityResult or array, optional
        Fitted scores to use instead of fitting a model.
    estimand : {"ATT", "ATE"}
        ``"ATT"``: treated 1, comparison ``e/(1-e)`` (the comparison group reweighted to look
        like the treated). ``"ATE"``: treated ``1/e``, comparison ``1/(1-e)``.
    trim : float, optional
        Give weight 0 to people whose score is outside ``[trim, 1 - trim]`` (e.g. 0.05;
        Crump et al. 2009), with a DataWarning.

    Returns
    -------
    WeightResult
        ``weights`` and ``scores`` aligned to ``data``'s rows; ``effective_n`` (Kish's
        effective sample size by group); ``diagnostics["weight_summary"]``.

    Notes
    -----
    Assumes no unmeasured confounding, overlap (scores away from 0 and 1) and a correctly
    specified propensity model. A comparison group whose effective size is far below its
    number of people is driven by a few heavily weighted people.

    References
    ----------
    Rosenbaum, P. R. & Rubin, D. B. (1983). The central role of the propensity score in
    observational studies for causal effects. *Biometrika* 70, 41-55.
    Crump, R. K., Hotz, V. J., Imbens, G. W. & Mitnik, O. A. (2009). Dealing with limited
    overlap in estimation of average treatment effects. *Biometrika* 96, 187-199.

    Examples
    --------
    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import weight
    >>> w = weight(load_rossi(), treatment="fin", covariates=["age", "prio"])
    >>> print({k: round(v, 1) for k, v in w.effective_n.items()})
    {'treated': 216.0, 'comparison': 212.7}
    """
    require_frame(data)
    check_choice("estimand", estimand, ("ATT", "ATE"))
    z = _treatment_vector(data, treatment)
    if trim is not None and not (0 < trim < 0.5):
        raise SpecificationError(f"trim must be between 0 and 0.5 (e.g. 0.05), not {trim!r}.")
    e, warns = _scores(data, treatment, covariates, propensity)
    if estimand == "ATT":
        w = np.where(z == 1, 1.0, e / (1 - e))
    else:
        w = np.where(z == 1, 1 / e, 1 / (1 - e))
    if trim is not None:
        out = (e < trim) | (e > 1 - trim)
        if out.any():
            msg = (f"{int(out.sum())} people ({int((out & (z == 1)).sum())} treated) have "
                   f"propensity scores outside [{trim}, {1 - trim}] and were given weight 0; "
                   "the estimate describes the remaining people.")
            warnings.warn(msg, DataWarning, stacklevel=2)
            warns.append(msg)
            w = np.where(out, 0.0, w)
        if not np.any(w[z == 1] > 0) or not np.any(w[z == 0] > 0):
            raise EstimationError("Trimming removed every treated or every comparison person.")
    ess = {"treated": _kish(w[z == 1]), "comparison": _kish(w[z == 0])}
    summ = pd.DataFrame([
        {"group": g, "n": int(m.sum()), "sum_weights": float(w[m].sum()),
         "min": float(w[m].min()), "median": float(np.median(w[m])), "max": float(w[m].max()),
         "effective_n": ess[g]}
        for g, m in (("treated", z == 1), ("comparison", z == 0))])
    spec = make_spec("weight", dict(treatment=treatment, covariates=None if covariates is None
                                    else list(covariates), estimand=estimand, trim=trim),
                     data_hash=hash_frame(data))
    return WeightResult(
        method=f"Inverse probability of treatment weights ({estimand})", spec=spec,
        warnings=tuple(warns), weights=pd.Series(w, index=data.index, name="weight"),
        scores=pd.Series(e, index=data.index, name="propensity"), estimand=estimand,
        trim=trim, effective_n=ess, diagnostics={"weight_summary": summ})


# ------------------------------------------------------------------------------------------
# balance
# ------------------------------------------------------------------------------------------
def _resolve_weights(data: pd.DataFrame, weights: Any, matched: Any) -> np.ndarray | None:
    if weights is not None and matched is not None:
        raise SpecificationError("Give weights= or matched=, not both.")
    if matched is not None:
        if not isinstance(matched, MatchResult):
            raise SpecificationError("matched= must be the result of match().")
        w = matched.weights.to_numpy()
    elif weights is None:
        return None
    elif isinstance(weights, WeightResult):
        w = weights.weights.to_numpy()
    elif isinstance(weights, MatchResult):
        w = weights.weights.to_numpy()
    elif isinstance(weights, str):
        require_columns(data, {"weights": weights})
        w = data[weights].to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float)
    if w.shape != (len(data),):
        raise SpecificationError(
            f"weights must have one value per row of data ({len(data)}), not {w.shape}.")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise DataFormatError("weights must be finite and >= 0.")
    return w


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    m = float(np.sum(w * x) / np.sum(w))
    return m, float(np.sum(w * (x - m) ** 2) / np.sum(w))


def standardized_differences(X: np.ndarray, z: np.ndarray, w: np.ndarray | None = None
                             ) -> tuple[np.ndarray, ...]:
    """Standardised mean differences of the columns of ``X`` (pure numpy).

    Parameters
    ----------
    X : array (n, p)
        Covariates.
    z : array (n,)
        0/1 treatment.
    w : array (n,), optional
        Weights for the adjusted means (matching or inverse-probability weights).

    Returns
    -------
    tuple of arrays
        ``(mean_treated, mean_comparison, smd, sd_pooled)``, one value per column.

    Notes
    -----
    ``smd = (mean_t - mean_c) / sqrt((s_t^2 + s_c^2) / 2)`` with the *unweighted* variances
    (sample variance; ``p(1-p)`` for 0/1 columns) in the denominator, so that adjusted and
    unadjusted differences share it (Austin 2011). An absolute value above 0.1 is usually
    read as imbalance.

    References
    ----------
    Austin, P. C. (2011). An introduction to propensity score methods for reducing the
    effects of confounding in observational studies. *Multivariate Behavioral Research* 46,
    399-424.

    Examples
    --------
    >>> import numpy as np
    >>> from wsa_eval.survival import standardized_differences
    >>> X = np.array([[20.0, 1], [30, 0], [25, 1], [35, 0]])
    >>> z = np.array([1, 1, 0, 0])
    >>> mt, mc, smd, sd = standardized_differences(X, z)
    >>> print(np.round(smd, 3))
    [-0.707  0.   ]
    """
    t, c = z == 1, z == 0
    binary = np.all((X == 0) | (X == 1), axis=0)
    vt = np.where(binary, X[t].mean(0) * (1 - X[t].mean(0)), X[t].var(0, ddof=1))
    vc = np.where(binary, X[c].mean(0) * (1 - X[c].mean(0)), X[c].var(0, ddof=1))
    sd = np.sqrt((vt + vc) / 2)
    if w is None:
        mt, mc = X[t].mean(0), X[c].mean(0)
    else:
        if w[t].sum() <= 0 or w[c].sum() <= 0:
            raise EstimationError("The weights are zero for every treated or every comparison "
                                  "person.")
        mt = (w[t] @ X[t]) / w[t].sum()
        mc = (w[c] @ X[c]) / w[c].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        smd = np.where(sd > 0, (mt - mc) / sd, 0.0)
    return mt, mc, smd, sd


def balance(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    weights: Any = None,
    matched: MatchResult | None = None,
    threshold: float = 0.1,
) -> BalanceResult:
    """Standardised mean differences before and (with weights or a match) after adjustment.

    Parameters
    ----------
    data : DataFrame
        One row per person (not modified).
    treatment : str
        0/1 column: 1 = received the service.
    covariates : list of str
        Numeric columns to compare.
    weights : column name, array, or a :func:`weight` / :func:`match` result, optional
        Adjustment weights, one per row.
    matched : MatchResult, optional
        A :func:`match` result (instead of ``weights``).
    threshold : float
        Absolute standardised difference above which a covariate is flagged (0.1).

    Returns
    -------
    BalanceResult
        ``table`` (``covariate``, group means, ``smd_unadjusted`` and, after adjustment,
        adjusted means and ``smd_adjusted``), ``balanced``, the numbers of people compared.
        Warns (DataWarning) for every covariate still beyond ``threshold`` after adjustment.

    Notes
    -----
    See :func:`standardized_differences`. Balance on the covariates measured says nothing
    about those not measured (the main caveat of the Justice Data Lab's comparisons).

    References
    ----------
    Austin, P. C. (2011). An introduction to propensity score methods for reducing the
    effects of confounding in observational studies. *Multivariate Behavioral Research* 46,
    399-424.

    Examples
    --------
    >>> import warnings
    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import balance, match
    >>> rossi = load_rossi()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = match(rossi, treatment="fin", covariates=["age", "prio"], random_state=1)
    >>> b = balance(rossi, treatment="fin", covariates=["age", "prio"], matched=m)
    >>> print(b.table[["covariate", "smd_unadjusted", "smd_adjusted"]].round(3)
    ...       .to_string(index=False))
    covariate  smd_unadjusted  smd_adjusted
          age           0.123         0.009
         prio          -0.002        -0.045
    >>> b.balanced
    True
    """
    require_frame(data)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    z = _treatment_vector(data, treatment)
    X = _covariate_matrix(data, covariates)
    w = _resolve_weights(data, weights, matched)
    mt, mc, smd, _ = standardized_differences(X, z)
    tab = pd.DataFrame({"covariate": covariates, "mean_treated": mt, "mean_comparison": mc,
                        "smd_unadjusted": smd})
    warns: list[str] = []
    if w is not None:
        at, ac, smd_a, _ = standardized_differences(X, z, w)
        tab["mean_treated_adjusted"] = at
        tab["mean_comparison_adjusted"] = ac
        tab["smd_adjusted"] = smd_a
        bad = tab[np.abs(smd_a) > threshold]
        if len(bad):
            items = ", ".join(f"{r.covariate} ({r.smd_adjusted:+.2f})" for r in
                              bad.itertuples())
            msg = (f"After adjustment the groups still differ on {len(bad)} covariate(s): "
                   f"{items}. A standardised mean difference beyond +/-{threshold} means the "
                   "comparison group is not yet similar enough; differences in reoffending may "
                   "partly reflect these characteristics.")
            warnings.warn(msg, DataWarning, stacklevel=2)
            warns.append(msg)
    spec = make_spec("balance", dict(treatment=treatment, covariates=covariates,
                                     threshold=threshold, adjusted=w is not None),
                     data_hash=hash_frame(data))
    kept = None if w is None else w > 0  # people the adjusted means rest on
    return BalanceResult(
        method="Covariate balance (standardised mean differences)", spec=spec,
        warnings=tuple(warns), table=tab, threshold=threshold, n_treated=int(z.sum()),
        n_comparison=int((z == 0).sum()),
        n_treated_adjusted=None if kept is None else int((kept & (z == 1)).sum()),
        n_comparison_adjusted=None if kept is None else int((kept & (z == 0)).sum()))
