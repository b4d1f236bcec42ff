"""Exact and coarsened exact matching for Justice Data Lab style comparisons.

The Justice Data Lab compares people who received a service with people who did not but
look alike on what predicts reoffending. :func:`match` does this by propensity score (it
needs the rows in memory); :func:`exact_match` keeps, instead, the strata of people who
share every matching variable exactly -- after banding the continuous ones with
``coarsen`` (coarsened exact matching, Iacus, King & Porro 2012) -- and weights the
comparison group to the treated group's mix over the strata. It runs in the engine
(:mod:`wsa_eval.engine.matching`) on any input: a pandas DataFrame, a Parquet/CSV path, a
DuckDB relation, an ibis table or a Spark DataFrame; only the strata come back.

Assumptions: no unmeasured confounding given the matching variables (and, with
``coarsen``, within the bands); the effect is among the treated people who could be
matched. Standard errors hold the weights fixed (as the JDL's weighted comparison does).

Reference: Iacus, S. M., King, G. & Porro, G. (2012). Causal inference without balance
checking: coarsened exact matching. *Political Analysis* 20, 1-24.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_alpha, hash_frame
from ..engine.matching import exact_strata
from ..results import make_spec, tidy_frame
from ._engine_results import ExactMatchResult

__all__ = ["exact_match"]


def exact_match(
    data: Any,
    *,
    treatment: str,
    covariates: Sequence[str],
    coarsen: Mapping[str, Sequence[float]] | None = None,
    outcomes: Sequence[str] = (),
    alpha: float = 0.05,
) -> ExactMatchResult:
    """Exact or coarsened exact matching of treated and comparison people.

    Parameters
    ----------
    data : DataFrame, path, DuckDB relation, ibis table or Spark DataFrame
        One row per person (not modified).
    treatment : str
        0/1 column: 1 = received the service.
    covariates : list of str
        Matching variables (numbers, flags or text categories).
    coarsen : mapping column -> cut points, optional
        Band these covariates before matching: band ``k`` holds the values with ``k`` cut
        points at or below them (``{"age": [21, 25, 30, 40, 50]}``).
    outcomes : list of str
        Numeric outcome columns (e.g. ``reoffended``, ``n_reoffences``) compared between the
        treated and the weighted comparison group; missing values are left out.
    alpha : float
        1 - confidence level.

    Returns
    -------
    ExactMatchResult
        ``strata``, ``data`` (the matched people with ``match_weight``), ``effects``.
    """
    alpha = check_alpha(alpha)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    m = exact_strata(data, treatment=treatment, covariates=covariates, coarsen=coarsen,
                     outcomes=outcomes)
    st = m.strata
    ok = st["matched"]
    effects = pd.DataFrame()
    if outcomes:
        o = m.outcomes
        terms, est, se, tv, cv, nt, nc = [], [], [], [], [], [], []
        for c in outcomes:
            t = o[(o["outcome"] == c) & (o["arm"] == 1)]
            k = o[(o["outcome"] == c) & (o["arm"] == 0)]
            if t.empty or k.empty:
                continue
            t, k = t.iloc[0], k.iloc[0]
            terms.append(c)
            tv.append(t["mean"])
            cv.append(k["mean"])
            est.append(t["mean"] - k["mean"])
            se.append(float(np.sqrt(t["variance"] + k["variance"])))
            nt.append(int(t["n"]))
            nc.append(int(k["n"]))
        effects = tidy_frame(terms, est, se, alpha=alpha,
                             extra={"treated_value": tv, "comparison_value": cv,
                                    "n_treated": nt, "n_comparison": nc})
    data_out = m.matched.df() if isinstance(data, pd.DataFrame) else m.matched
    how = "Coarsened exact matching" if coarsen else "Exact matching"
    spec = make_spec("exact_match", dict(treatment=treatment, covariates=covariates,
                                         coarsen={k: list(v) for k, v in (coarsen or {}).items()},
                                         outcomes=outcomes, alpha=alpha,
                                         engine=m.backend.name, data=m.label),
                     data_hash=hash_frame(st))
    return ExactMatchResult(
        method=f"{how} (Iacus, King & Porro 2012 weights)", spec=spec, strata=st,
        data=data_out, effects=effects, treatment=treatment, covariates=tuple(covariates),
        coarsen={k: tuple(v) for k, v in (coarsen or {}).items()},
        n_treated=m.n_treated, n_matched_treated=int(st.loc[ok, "n_treated"].sum()),
        n_control=m.n_control, n_matched_control=int(st.loc[ok, "n_control"].sum()),
        alpha=alpha)
