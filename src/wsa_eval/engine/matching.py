"""Exact and coarsened exact matching in the engine (Justice Data Lab comparisons).

Exact matching keeps the strata -- people sharing every matching variable -- that hold both
someone who received the service and someone who did not. Coarsened exact matching (Iacus,
King & Porro 2012) first puts continuous variables into bands (``coarsen={"age": [18, 21,
25, 30, 40, 50]}``: band ``k`` holds values with ``k`` cut points at or below them) and then
matches exactly. Weights (Iacus, King & Porro 2012, sec. 3): 1 for a matched treated person,
``(m_T(s) / m_C(s)) * (M_C / M_T)`` for a matched comparison person in stratum ``s`` (``m``:
matched people of the stratum, ``M``: of all matched strata), 0 for the unmatched; the
weighted comparison group then has the treated group's distribution over strata and its own
size.

Outcome means by arm come back with their linearisation variance ``sum w^2 (y - m)^2 /
(sum w)^2`` (weights held fixed, as :func:`wsa_eval.survival.jdl.reoffending_effects`), from
sums computed in the engine.

Reference: Iacus, S. M., King, G. & Porro, G. (2012). Causal inference without balance
checking: coarsened exact matching. *Political Analysis* 20, 1-24.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, EstimationError, SpecificationError
from ._backend import quote as q
from ._inputs import check_kind, open_sources, require

__all__ = ["EngineMatch", "exact_strata"]


@dataclass
class EngineMatch:
    backend: Any
    strata: pd.DataFrame  # key columns, n_treated, n_control, matched, control_weight
    matched: Any  # relation / Spark frame of the matched people with stratum and match_weight
    outcomes: pd.DataFrame  # outcome, arm, n, sum_w, mean, variance
    label: str
    n_treated: int
    n_control: int


def _band_sql(col: str, cuts: Sequence[float]) -> str:
    parts = " + ".join(f"(CASE WHEN {q(col)} >= {float(c)!r} THEN 1 ELSE 0 END)"
                       for c in cuts)
    return f"({parts})"


def exact_strata(data: Any, *, treatment: str, covariates: Sequence[str],
                 coarsen: Mapping[str, Sequence[float]] | None = None,
                 outcomes: Sequence[str] = ()) -> EngineMatch:
    """Strata, weights and outcome sums of (coarsened) exact matching; see the docstring."""
    (src,) = open_sources({"data": data})
    covariates = list(covariates)
    coarsen = {k: sorted(float(c) for c in v) for k, v in dict(coarsen or {}).items()}
    outcomes = list(outcomes)
    require(src, {"treatment": treatment, "covariates": covariates,
                  "coarsen": list(coarsen), "outcomes": outcomes})
    if not covariates:
        raise SpecificationError("Give at least one covariate to match on.")
    extra = [c for c in coarsen if c not in covariates]
    if extra:
        raise SpecificationError(f"coarsen names {extra}, which are not in covariates.")
    check_kind(src, treatment, "treatment", "number or flag")
    for c in coarsen:
        check_kind(src, c, "coarsen", "number")
    for c in outcomes:
        check_kind(src, c, "outcomes", "number or flag")
    b = src.backend
    z = f"CAST({q(treatment)} AS BIGINT)"
    bad = b.fetch(f"SELECT COUNT(*) AS n FROM {src.ref} WHERE {q(treatment)} IS NULL OR "
                  f"{z} NOT IN (0, 1)")["n"].iloc[0]
    if bad:
        raise ColumnError(f"treatment={treatment!r} in {src.label} must be 0 or 1 on every row; "
                          f"{int(bad)} row(s) are missing or have other values.")
    k = [f"__k{i}" for i in range(len(covariates))]
    keys = ", ".join(q(ki) for ki in k)
    orig = [c for c in src.types if c not in ("stratum", "match_weight")]
    inner = ("SELECT " + ", ".join(
        [f"{q(c)}" for c in orig]
        + [(_band_sql(c, coarsen[c]) if c in coarsen else q(c)) + f" AS {q(ki)}"
           for c, ki in zip(covariates, k)]
        + [f"{z} AS __z"]
        + [f"CAST({q(c)} AS DOUBLE) AS {q('__y' + str(j))}" for j, c in enumerate(outcomes)])
        + f" FROM {src.ref}")
    strata = b.fetch(f"SELECT {keys}, SUM(__z) AS n_treated, SUM(1 - __z) AS n_control "
                     f"FROM ({inner}) AS s GROUP BY {keys}")
    strata.columns = covariates + ["n_treated", "n_control"]
    miss = strata[covariates].isna().to_numpy().any(axis=0)
    if miss.any():
        c = covariates[int(np.argmax(miss))]
        raise ColumnError(f"Column {c!r} (covariates) in {src.label} has missing values: "
                          "drop them or give them a level first.")
    strata = strata.sort_values(covariates, kind="stable").reset_index(drop=True)
    strata.insert(0, "stratum", np.arange(len(strata), dtype=np.int64))
    matched = (strata["n_treated"] > 0) & (strata["n_control"] > 0)
    MT = float(strata.loc[matched, "n_treated"].sum())
    MC = float(strata.loc[matched, "n_control"].sum())
    if MT == 0:
        raise EstimationError(
            "No stratum holds both a treated and a comparison person: nobody can be matched "
            "exactly. Coarsen the covariates (coarsen={...}) or match on fewer of them.")
    strata["matched"] = matched
    ratio = strata["n_treated"] / strata["n_control"].where(matched, 1)
    strata["control_weight"] = np.where(matched, ratio * MC / MT, 0.0)
    # the weights go back to the engine as a small table joined on the stratum keys
    wframe = strata.loc[matched, covariates + ["stratum", "control_weight"]].copy()
    wframe.columns = k + ["stratum", "control_weight"]
    wtab = b.register_frame(wframe.reset_index(drop=True))
    join = " AND ".join(f"s.{q(ki)} = w.{q(ki)}" for ki in k)
    all_name, _ = b.materialise(
        f"SELECT s.*, w.stratum, CASE WHEN s.__z = 1 THEN 1.0 ELSE w.control_weight END "
        f"AS match_weight FROM ({inner}) AS s JOIN {q(wtab)} AS w ON {join}", "matched")
    _, rel = b.view("SELECT " + ", ".join(q(c) for c in orig + ["stratum", "match_weight"])
                    + f" FROM {q(all_name)}", "matched")
    rows = []
    for j, c in enumerate(outcomes):
        y = q("__y" + str(j))
        sums = b.fetch(f"""
            SELECT __z AS arm, COUNT({y}) AS n, SUM(match_weight) AS sw,
                   SUM(match_weight * {y}) AS swy, SUM(match_weight * match_weight) AS sw2,
                   SUM(match_weight * match_weight * {y}) AS sw2y,
                   SUM(match_weight * match_weight * {y} * {y}) AS sw2y2
            FROM {q(all_name)} WHERE {y} IS NOT NULL GROUP BY __z""")
        for _, r in sums.sort_values("arm").iterrows():
            m = r["swy"] / r["sw"]
            var = (r["sw2y2"] - 2 * m * r["sw2y"] + m * m * r["sw2"]) / r["sw"] ** 2
            rows.append({"outcome": c, "arm": int(r["arm"]), "n": int(r["n"]),
                         "sum_w": float(r["sw"]), "mean": float(m), "variance": float(var)})
    out = pd.DataFrame(rows, columns=["outcome", "arm", "n", "sum_w", "mean", "variance"])
    return EngineMatch(backend=b, strata=strata, matched=rel, outcomes=out, label=src.label,
                       n_treated=int(strata["n_treated"].sum()),
                       n_control=int(strata["n_control"].sum()))
