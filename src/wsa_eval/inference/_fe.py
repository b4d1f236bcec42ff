"""Fixed-effect helpers shared by the few-treated-units inference methods.

Small pure functions: codes for labels, one-way within transformation, the balanced
``units x periods`` outcome matrix, and the two-way fixed-effects (TWFE) design used by the
wild cluster bootstrap (unit effects absorbed by demeaning when units are nested in clusters,
period effects as explicit dummies so that cluster scores stay exact; see Roodman, MacKinnon,
Nielsen & Webb 2019, section 3.5, on absorbing fixed effects that are not nested in clusters).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError, format_examples

__all__ = [
    "codes",
    "demean_by",
    "balanced_matrix",
    "nested_in",
    "twfe_design",
]


def codes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..G-1 for labels, and the sorted unique labels."""
    uniq, inv = np.unique(np.asarray(values), return_inverse=True)
    return inv.astype(np.intp), uniq


def demean_by(a: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Subtract group means (one-way within transformation) from each column of ``a``."""
    a = np.asarray(a, dtype=float)
    two_d = a.ndim == 2
    a2 = a if two_d else a[:, None]
    n_g = int(group.max()) + 1
    counts = np.bincount(group, minlength=n_g).astype(float)
    out = np.empty_like(a2)
    for j in range(a2.shape[1]):
        means = np.bincount(group, weights=a2[:, j], minlength=n_g) / counts
        out[:, j] = a2[:, j] - means[group]
    return out if two_d else out[:, 0]


def balanced_matrix(
    data: pd.DataFrame, unit: str, time: str, value: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(units, times, matrix) with ``matrix[i, t]`` the value of unit i in period t.

    Raises EstimationError naming the unit-periods missing when the panel is not balanced.
    """
    wide = data.pivot(index=unit, columns=time, values=value)
    if wide.isna().to_numpy().any():
        miss = wide.isna().stack()
        miss = miss[miss]
        pairs = [f"({u}, {t})" for u, t in miss.index[:5]]
        raise EstimationError(
            "This method needs a balanced panel (every unit observed in every period); "
            f"missing unit-periods include {format_examples(pairs, quote=False)}."
        )
    return wide.index.to_numpy(), wide.columns.to_numpy(), wide.to_numpy(dtype=float)


def nested_in(inner: np.ndarray, outer: np.ndarray) -> bool:
    """True when every value of ``inner`` sits inside one value of ``outer``."""
    df = pd.DataFrame({"i": inner, "o": outer})
    return bool((df.groupby("i")["o"].nunique() <= 1).all())


def twfe_design(
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    y: np.ndarray,
    regressors: np.ndarray,
    names: Sequence[str],
    *,
    absorb_unit: bool,
) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Design for ``y ~ regressors + unit FE + period FE``.

    Period effects enter as dummies (first period dropped). Unit effects are absorbed by the
    within transformation when ``absorb_unit`` (valid for the cluster scores only when units
    are nested in clusters), otherwise they enter as dummies too (first unit dropped, with an
    intercept). Returns ``(X, y, column names, number of absorbed parameters)``; the
    regressors of interest are the first columns of X.
    """
    regressors = np.asarray(regressors, dtype=float)
    if regressors.ndim == 1:
        regressors = regressors[:, None]
    n_t = int(time_codes.max()) + 1
    n_u = int(unit_codes.max()) + 1
    tdum = np.zeros((len(y), n_t - 1))
    rows = np.flatnonzero(time_codes > 0)
    tdum[rows, time_codes[rows] - 1] = 1.0
    tnames = [f"period_{k}" for k in range(1, n_t)]
    if absorb_unit:
        X = demean_by(np.column_stack([regressors, tdum]), unit_codes)
        yy = demean_by(np.asarray(y, dtype=float), unit_codes)
        cols = [*names, *tnames]
        absorbed = n_u
    else:
        udum = np.zeros((len(y), n_u - 1))
        rows = np.flatnonzero(unit_codes > 0)
        udum[rows, unit_codes[rows] - 1] = 1.0
        X = np.column_stack([regressors, tdum, np.ones(len(y)), udum])
        yy = np.asarray(y, dtype=float).copy()
        cols = [*names, *tnames, "const", *[f"unit_{k}" for k in range(1, n_u)]]
        absorbed = 0
    # drop columns that vanished (e.g. a period dummy collinear after demeaning)
    keep = np.linalg.norm(X, axis=0) > 1e-12
    keep[: regressors.shape[1]] = True
    return X[:, keep], yy, [c for c, k in zip(cols, keep) if k], absorbed
