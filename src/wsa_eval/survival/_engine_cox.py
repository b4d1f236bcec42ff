"""Cox regression from collapsed covariate-pattern x time tables (engine inputs).

With covariates that take few values, the engine sends the number of people ``n_c`` in each
cell ``c = (stratum, covariate pattern x_c, [cluster], [entry], time t_c, event e_c)``. People
in one cell have the same risk score ``r_c = exp(x_c' beta)``, are in the same risk sets and
die (or not) at the same time, so every person-level sum of the partial likelihood is a sum
over cells weighted by ``n_c``.

**Breslow** (1974). Block ``b`` (a distinct event time in a stratum) contributes
``sum_{deaths i} x_i' beta - d_b log S0_b`` with ``S0_b = sum_{c in R_b} n_c r_c`` and
``d_b = sum_{c dies in b} n_c``: the counts are frequency weights, exactly.

**Efron** (1977), exact for frequency weights. In the person-level data the ``d_b`` tied
deaths of block ``b`` are ``d_b`` separate people: the ``k``-th (``k = 0..d_b - 1``) sees the
denominator ``S0_b - (k / d_b) D0_b`` with ``D0_b = sum_{i dies in b} r_i = sum_{c dies in b}
n_c r_c``, and the mean ``(S1_b - (k / d_b) D1_b) / den_k`` with ``S1, D1`` the same sums of
``r x``. So the log-likelihood is ``sum_b [sum_{c dies in b} n_c x_c' beta - sum_{k=0}^{d_b
- 1} log(S0_b - (k / d_b) D0_b)]``: every term depends on the cells only through ``S0_b,
S1_b, S2_b, D0_b, D1_b, D2_b`` (sums weighted by ``n_c``) and on the number of tied *people*
``d_b``, not of tied cells. This differs from treating ``n_c`` as a case weight in R's
``coxph`` (which uses the number of tied *rows* and their mean weight, an approximation for
weighted data); here the death slots are the people, so the result is the person-level
Efron likelihood, its score and its information, exactly. :class:`FrequencyRiskSets` sets
the death slots from the counts; the rest of :mod:`wsa_eval.survival._cox_core` is unchanged.

**Robust variance** (Lin & Wei 1989). A person's score residual depends only on her
covariates, times, event and the per-block sums, so the ``n_c`` people of a cell share one
residual ``L_c`` and ``sum_i L_i L_i' = sum_c n_c L_c L_c'``. Cluster-robust: the cluster is
part of the cell, and the cluster's score is ``sum_{c in cluster} n_c L_c``. Both are exact.
A covariate with many values (continuous) cannot be collapsed: the engine refuses it,
naming the column. Concordance and the proportional-hazards test need the rows one by one
and are not computed here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_alpha, check_choice, hash_frame
from ..engine.survival import MAX_LEVELS, collapse
from ..errors import ConvergenceWarning, EstimationError, InferenceWarning, SpecificationError
from ..results import make_spec
from ._check import SurvivalData
from ._cox_core import RiskSets, fit_newton, score_residuals, weighted_gram
from ._results import CoxResult
from .cox import (
    _check_design,
    _effects,
    _fit_warnings,
    _global_tests,
    _headline_term,
    _resolve_inference,
)

__all__ = ["FrequencyRiskSets", "cox_engine", "design_from_cells"]

#: a cluster column may have at most this many levels on the engine
MAX_CLUSTERS = 20_000


class FrequencyRiskSets(RiskSets):
    """Risk sets of collapsed rows whose ``freq`` counts people: the tied-death slots of each
    block are its people (``d_b = sum of freq over its death rows``), as in the expanded
    data; the rows' case weights must be ``freq`` (so each death slot has weight one)."""

    def __init__(self, stop: np.ndarray, event: np.ndarray, freq: np.ndarray,
                 start: np.ndarray | None = None, strata: np.ndarray | None = None,
                 efron: bool = True):
        super().__init__(stop, event, start, strata, efron)
        k = self.K
        dead = np.bincount(self.piece, weights=freq, minlength=2 * k + 2)[2::2][:k]
        self.d = np.rint(dead).astype(np.int64)
        self.n_deaths = int(self.d.sum())
        self.slot_block = np.repeat(np.arange(k), self.d)
        self.bstart = np.concatenate([[0], np.cumsum(self.d)[:-1]])
        rank = np.arange(self.n_deaths) - self.bstart[self.slot_block]
        self.f = rank / self.d[self.slot_block] if efron else np.zeros(self.n_deaths)


def design_from_cells(cells: pd.DataFrame, covariates: Sequence[str],
                      text: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The design matrix of the cells: numbers and flags as they are, text categories as
    0/1 columns for every level but the first (sorted), named ``column_level`` as
    ``pandas.get_dummies(..., drop_first=True)`` names them."""
    cols, names = [], []
    for c in covariates:
        if c in text:
            levels = sorted(cells[c].unique().tolist())
            for lev in levels[1:]:
                cols.append((cells[c] == lev).to_numpy(dtype=float))
                names.append(f"{c}_{lev}")
        else:
            cols.append(cells[c].to_numpy(dtype=float))
            names.append(c)
    return np.column_stack(cols), names


def _codes(frame: pd.DataFrame) -> np.ndarray:
    if frame.shape[1] == 1:
        return pd.factorize(frame.iloc[:, 0], sort=True)[0].astype(np.int64)
    return np.asarray(pd.MultiIndex.from_frame(frame).factorize(sort=True)[0], dtype=np.int64)


def _robust(rs: RiskSets, X: np.ndarray, n: np.ndarray, st: Any, V: np.ndarray,
            cluster: np.ndarray | None) -> np.ndarray:
    L = score_residuals(rs, X, n, st)
    if cluster is not None:
        U = np.column_stack([np.bincount(cluster, weights=L[:, j] * n)
                             for j in range(L.shape[1])])
        meat = U.T @ U
    else:
        meat = weighted_gram(L, n)
    out = V @ meat @ V
    return (out + out.T) / 2


def cox_engine(data: Any, *, duration: str, event: str, covariates: Sequence[str],
               treatment: str | None = None, ties: str = "efron",
               inference: str | None = None, cluster: str | None = None,
               strata: str | Sequence[str] | None = None, weights: str | None = None,
               entry: str | None = None, alpha: float = 0.05,
               concordance: bool | None = None, robust: bool | None = None,
               max_levels: int = MAX_LEVELS) -> CoxResult:
    """:func:`~wsa_eval.survival.cox.cox` from the engine's covariate-pattern x time counts
    (see the module docstring). Text covariates are dummy-coded after collapsing."""
    alpha = check_alpha(alpha)
    check_choice("ties", ties, ("efron", "breslow"))
    inference = _resolve_inference(inference, robust, cluster)
    if weights is not None:
        raise SpecificationError(
            "cox() on the engine takes no case weights: people with the same covariates are "
            "already counted together. Fit on a pandas DataFrame for weighted models.")
    if concordance:
        raise SpecificationError(
            "concordance=True needs the rows one by one; on the engine it is not computed.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if treatment is not None:
        if not isinstance(treatment, str):
            raise SpecificationError(f"treatment must be a column name, not {treatment!r}.")
        if treatment not in covariates:
            covariates = [treatment] + covariates
    if len(covariates) == 0:
        raise SpecificationError("covariates is empty: name at least one column.")
    st_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    by = covariates + st_cols + ([cluster] if cluster is not None else [])
    if len(set(by)) != len(by):
        raise SpecificationError(f"a column is named twice among covariates, strata and "
                                 f"cluster: {by}.")
    roles = {**{c: "covariates" for c in covariates}, **{s: "strata" for s in st_cols}}
    if cluster is not None:
        roles[cluster] = "cluster"
    col = collapse(data, duration=duration, event=event, entry=entry, by=by, roles=roles,
                   covariates=covariates, max_levels=max_levels, what="a Cox model",
                   limits={cluster: MAX_CLUSTERS} if cluster is not None else None)
    cells = col.cells
    if treatment is not None and treatment in col.string_keys:
        raise SpecificationError(f"treatment={treatment!r} must be a 0/1 column, not text.")
    n = cells["n"].to_numpy(dtype=float)
    X, names = design_from_cells(cells, covariates, col.string_keys)
    x_mean = (X * n[:, None]).sum(axis=0) / n.sum()
    X = np.asfortranarray(X - x_mean)
    time = cells["time"].to_numpy(dtype=float)
    ev = cells["event"].to_numpy(dtype=float) == 1
    ent = None if entry is None else cells["entry"].to_numpy(dtype=float)
    s_codes = _codes(cells[st_cols]) if st_cols else None
    cl_codes = _codes(cells[[cluster]]) if cluster is not None else None
    sd = SurvivalData(time=time, event=ev, entry=ent, weights=n, X=X, covariates=tuple(names),
                      group=None, group_levels=(), strata=s_codes, strata_levels=(),
                      cluster=cl_codes, n_clusters=0 if cl_codes is None else
                      int(cl_codes.max()) + 1, index=pd.RangeIndex(len(cells)), x_mean=x_mean)
    spread = _check_design(sd, event)
    rs = FrequencyRiskSets(time, ev, n, ent, s_codes, efron=(ties == "efron"))
    st, info, st0, info0, iters, converged = fit_newton(rs, X, n)
    warn = _fit_warnings(st, iters, converged, sd, spread)
    try:
        V_model = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise EstimationError("The information matrix is singular at the solution.") from None
    kind = inference or ("robust" if cluster is not None else "model")
    msgs: list[str] = []
    if kind == "model":
        V, words = V_model, "model-based (inverse information)"
    else:
        V = _robust(rs, X, n, st, V_model, cl_codes)
        if cluster is not None:
            words = (f"cluster-robust (Lin & Wei 1989 sandwich, {sd.n_clusters} clusters of "
                     f"{cluster!r})")
            if sd.n_clusters < 30:
                msgs.append(f"Only {sd.n_clusters} clusters of {cluster!r}: cluster-robust "
                            "standard errors can be too small with fewer than about 30 "
                            "clusters.")
        else:
            words = "robust (Lin & Wei 1989 sandwich)"
    for msg in warn:
        warnings.warn(msg, ConvergenceWarning, stacklevel=3)
    for msg in msgs:
        warnings.warn(msg, InferenceWarning, stacklevel=3)
    effects = _effects(names, st.beta, V, alpha)
    term = _headline_term(treatment, names)
    head = (effects.set_index("term").loc[term] if term is not None else
            pd.Series(np.nan, index=effects.columns[1:]))
    spec = make_spec(
        "cox",
        dict(duration=duration, event=event, covariates=names, treatment=treatment, ties=ties,
             inference=kind, cluster=cluster, strata=strata, weights=None, entry=entry,
             alpha=alpha, engine=col.engine, data=col.label),
        data_hash=hash_frame(cells))
    return CoxResult(
        method=(f"Cox (1972) proportional hazards, {ties.capitalize()} ties (exact, from "
                "covariate-pattern x time counts)"),
        spec=spec, warnings=tuple(warn + msgs),
        estimate=float(head["estimate"]), se=float(head["std_error"]),
        ci_low=float(head["ci_low"]), ci_high=float(head["ci_high"]),
        p_value=float(head["p_value"]), alpha=alpha, inference=words,
        estimand=(f"log hazard ratio for {term}" if term is not None else
                  "none chosen (several covariates and no treatment=...): see effects"),
        effects=effects, n_obs=col.n, n_units=sd.n_clusters if cluster is not None else None,
        term=term, coef=pd.Series(st.beta, index=names, name="coef"),
        vcov=pd.DataFrame(V, index=names, columns=names),
        naive_vcov=pd.DataFrame(V_model, index=names, columns=names),
        loglik=st.loglik, loglik_null=st0.loglik, n_events=float(rs.n_deaths), ties=ties,
        robust=kind == "robust", tests=_global_tests(st, st0, info0, V), iterations=iters,
        converged=converged, concordance=float("nan"), covariates=tuple(names),
        fit_data=None)
