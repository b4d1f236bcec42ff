"""Multiplier (wild) bootstrap of asymptotically linear estimators.

An estimator with influence function :math:`\\psi_i` satisfies
:math:`\\hat\\theta - \\theta \\approx n^{-1} \\sum_i \\psi_i`. The multiplier bootstrap draws
i.i.d. weights :math:`V_c` with mean 0 and variance 1 (one per cluster, or per unit) and uses
:math:`\\hat\\theta^*_b - \\hat\\theta = n^{-1} \\sum_c V_{c,b} S_c`, where :math:`S_c` is the
sum of the influence function over cluster :math:`c`; the estimates are never recomputed.
This is the procedure of Callaway & Sant'Anna (2021, J. Econometrics 225(2), Section 4),
as implemented in the R package ``did`` (``mboot``):

* the bootstrap standard error is the interquartile range of the draws divided by the
  interquartile range of the standard normal (robust to a few extreme draws);
* the simultaneous (uniform) band uses the sup-t critical value, the ``1 - alpha`` quantile
  of :math:`\\max_k |\\hat\\theta^*_{b,k} - \\hat\\theta_k| / \\hat\\sigma_k` over draws.

Weights: Mammen's (1993) two-point distribution (R ``did``'s choice; third moment 1) or
Rademacher (+-1). Draws are made in chunks so memory stays bounded by
``chunk_elements`` doubles whatever the number of units.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .._utils import as_generator, check_choice, progress_iter
from ..errors import SpecificationError

__all__ = [
    "MultiplierDraws",
    "multiplier_weights",
    "cluster_sums",
    "multiplier_draws",
    "bootstrap_se",
    "sup_t_critical_value",
]

_SQRT5 = math.sqrt(5.0)
#: Mammen's two points and the probability of the first one
MAMMEN_LOW = (1.0 - _SQRT5) / 2.0
MAMMEN_HIGH = (1.0 + _SQRT5) / 2.0
MAMMEN_P_LOW = (_SQRT5 + 1.0) / (2.0 * _SQRT5)
_IQR_NORMAL = 1.3489795003921634  # qnorm(0.75) - qnorm(0.25)


def multiplier_weights(rng: np.random.Generator, size: tuple[int, ...],
                       kind: str = "mammen") -> np.ndarray:
    """Draw multiplier weights with mean 0 and variance 1 (``mammen`` or ``rademacher``)."""
    check_choice("weights", kind, ("mammen", "rademacher"))
    u = rng.random(size, dtype=np.float32)
    if kind == "rademacher":
        return np.where(u < 0.5, -1.0, 1.0)
    return np.where(u < MAMMEN_P_LOW, MAMMEN_LOW, MAMMEN_HIGH)


def cluster_sums(psi: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """Sum the rows of ``psi`` (n x k) within clusters ``codes`` (ints 0..C-1; None = rows)."""
    psi = np.asarray(psi, dtype=float)
    if codes is None:
        return psi
    codes = np.asarray(codes)
    n_c = int(codes.max()) + 1 if codes.size else 0
    out = np.zeros((n_c, psi.shape[1]))
    for j in range(psi.shape[1]):
        out[:, j] = np.bincount(codes, weights=psi[:, j], minlength=n_c)
    return out


@dataclass(frozen=True)
class MultiplierDraws:
    """Bootstrap draws of :math:`n^{-1} \\sum_c V_{c,b} S_c` (``reps x k``).

    Any linear combination ``draws @ a`` is the bootstrap draw of the estimator whose
    influence function is ``psi @ a``: aggregations reuse the same draws.
    """

    draws: np.ndarray
    weights: str
    n_clusters: int

    @property
    def reps(self) -> int:
        return int(self.draws.shape[0])


def multiplier_draws(
    psi: np.ndarray,
    *,
    n: int | None = None,
    reps: int = 1000,
    weights: str = "mammen",
    cluster: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
    chunk_elements: int = 4_000_000,
    progress: bool | None = None,
) -> MultiplierDraws:
    """Multiplier-bootstrap draws for the columns of an influence-function matrix.

    Parameters
    ----------
    psi : ndarray (n, k)
        Influence functions, one row per unit (or observation), one column per estimate.
    n : int, optional
        The divisor (number of units); defaults to ``psi.shape[0]``.
    reps : int
        Number of bootstrap draws.
    weights : {"mammen", "rademacher"}
    cluster : ndarray of int codes (n,), optional
        Cluster of each row (0..C-1); weights are drawn per cluster. None: per row.
    chunk_elements : int
        At most this many weights are held in memory at once.
    """
    if not isinstance(reps, (int, np.integer)) or reps < 2:
        raise SpecificationError(f"The number of bootstrap draws must be an integer >= 2, "
                                 f"not {reps!r}.")
    check_choice("weights", weights, ("mammen", "rademacher"))
    psi = np.asarray(psi, dtype=float)
    if psi.ndim == 1:
        psi = psi[:, None]
    n = psi.shape[0] if n is None else int(n)
    s = cluster_sums(psi, cluster)
    n_c = s.shape[0]
    rng = as_generator(random_state)
    out = np.empty((int(reps), s.shape[1]))
    step = max(1, min(int(reps), chunk_elements // max(n_c, 1)))
    starts: Iterable[int] = range(0, int(reps), step)
    for b0 in progress_iter(list(starts), desc="multiplier bootstrap", progress=progress):
        b1 = min(int(reps), b0 + step)
        v = multiplier_weights(rng, (b1 - b0, n_c), weights)
        out[b0:b1] = (v @ s) / n
    return MultiplierDraws(draws=out, weights=weights, n_clusters=n_c)


def _quantile_type1(x: np.ndarray, q: float, axis: int = 0) -> np.ndarray:
    """R's ``quantile(type = 1)`` (inverse of the empirical distribution function)."""
    return np.quantile(x, q, axis=axis, method="inverted_cdf")


def bootstrap_se(draws: np.ndarray) -> np.ndarray:
    """Interquartile-range standard errors of bootstrap draws (columns); NaN when degenerate."""
    d = np.asarray(draws, dtype=float)
    if d.ndim == 1:
        d = d[:, None]
    iqr = _quantile_type1(d, 0.75) - _quantile_type1(d, 0.25)
    se = iqr / _IQR_NORMAL
    tiny = math.sqrt(np.finfo(float).eps) * 10
    return np.where(se > tiny, se, np.nan)


def sup_t_critical_value(draws: np.ndarray, se: np.ndarray, alpha: float) -> float:
    """The ``1 - alpha`` quantile of the maximum absolute t-statistic across columns.

    Columns with a missing standard error are left out; NaN when none is usable.
    """
    d = np.asarray(draws, dtype=float)
    if d.ndim == 1:
        d = d[:, None]
    se = np.asarray(se, dtype=float)
    ok = np.isfinite(se)
    if not ok.any():
        return math.nan
    t = np.max(np.abs(d[:, ok] / se[ok]), axis=1)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return math.nan
    return float(_quantile_type1(t, 1.0 - alpha))
