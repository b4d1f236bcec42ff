"""Small helpers shared by the engine paths of the survival estimators.

Each estimator module (``km``, ``logrank``, ``cif``, ``gray``, ``cox``) ends with the
function its user function hands an engine input to (a Parquet/CSV path, a DuckDB relation,
an ibis table or a Spark frame): the engine (:mod:`wsa_eval.engine.survival`) returns the
table of counts by ``(group, [entry], time, event)`` (for Cox, by covariate pattern as well);
the counts enter the module's pure functions as frequency weights, which reproduce the
person-level sums exactly (every sum in Kaplan-Meier, Greenwood, the log-rank statistic and
its variance, the Aalen-Johansen estimator and cmprsk's variance, and Gray's test is a sum
over people that groups by time and group). Only a curve's number of people ``n`` is set
from the counts (a weighted curve counts rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecificationError

__all__ = ["sorted_levels", "frequencies", "engine_args"]


def sorted_levels(values: pd.Series) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Integer codes and sorted levels (as the pandas path's ``factorize(sort=True)``)."""
    codes, levels = pd.factorize(values, sort=True)
    return codes.astype(np.int64), tuple(levels.tolist())


def frequencies(cells: pd.DataFrame, weights: str | None) -> np.ndarray:
    """People (or summed whole-number weights) per cell."""
    if weights is None:
        return cells["n"].to_numpy(dtype=float)
    if (cells["wfrac"] > 0).any():
        raise SpecificationError(
            f"weights={weights!r} has non-integer values. On the engine, weights must be whole "
            "numbers (frequencies): the robust variance that non-integer weights need is built "
            "person by person. Fit on a pandas DataFrame for inverse-probability weights.")
    return cells["w"].to_numpy(dtype=float)


def engine_args(col: Any) -> dict[str, Any]:
    return {"engine": col.engine, "data": col.label}
