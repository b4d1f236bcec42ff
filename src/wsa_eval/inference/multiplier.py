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
Rademacher (+-1).

Cost: the draws are ``V S / n`` for a ``reps x C`` matrix of weights ``V`` and the ``C x k``
cluster sums ``S``. The weights are made and used in blocks of ``UNIT_BLOCK`` clusters by
``DRAW_BLOCK`` draws (about 12 MB each), so time grows linearly in ``reps x C`` and memory
stays bounded whatever the number of units; each block of ``S`` is read once per block of
draws while it is still in cache. The weights come from 16-bit uniforms cut from the raw
64-bit output of the generator (four weights per 64-bit draw), which is about twice as fast
as drawing bounded integers. The block layout is fixed, so a seed gives the same draws on
every machine.
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
#: Mammen's two points and the probability of the first one (exact values)
MAMMEN_LOW = (1.0 - _SQRT5) / 2.0
MAMMEN_HIGH = (1.0 + _SQRT5) / 2.0
MAMMEN_P_LOW = (_SQRT5 + 1.0) / (2.0 * _SQRT5)
_IQR_NORMAL = 1.3489795003921634  # qnorm(0.75) - qnorm(0.25)


_RES = 65536  # weights are drawn from 16-bit uniforms
_MAMMEN_THR = round(MAMMEN_P_LOW * _RES)
_P = _MAMMEN_THR / _RES
#: the two points, adjusted to the 16-bit probability so that mean 0 and variance 1 are exact
_MAMMEN_A = -math.sqrt((1 - _P) / _P)  # taken with probability _P (~0.7236)
_MAMMEN_B = math.sqrt(_P / (1 - _P))


def _two_point(kind: str) -> tuple[int, float, float]:
    """(threshold, value below, value at or above) for 16-bit uniform draws."""
    if kind == "rademacher":
        return _RES // 2, -1.0, 1.0
    return _MAMMEN_THR, _MAMMEN_A, _MAMMEN_B


def _uniform16(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` independent uniform integers on 0..65535 (the generator's raw 64-bit
    output cut into four 16-bit pieces)."""
    raw = rng.bit_generator.random_raw((count + 3) // 4)
    return raw.view(np.uint16)[:count]


def multiplier_weights(rng: np.random.Generator, size: tuple[int, ...],
                       kind: str = "mammen") -> np.ndarray:
    """Draw multiplier weights with mean 0 and variance 1 (``mammen`` or ``rademacher``).

    Mammen's two-point distribution takes ``(1 - sqrt 5)/2`` with probability
    ``(sqrt 5 + 1)/(2 sqrt 5)`` and ``(1 + sqrt 5)/2`` otherwise; here the probability is
    resolved to 1/65,536 and the two points adjusted so that mean 0 and variance 1 stay
    exact (third moment 0.99997 instead of 1).
    """
    check_choice("weights", kind, ("mammen", "rademacher"))
    thr, lo, hi = _two_point(kind)
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    u = _uniform16(rng, int(np.prod(size))).reshape(size)
    return np.where(u < thr, lo, hi)


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


#: clusters and draws per block of weights (2 + 4 bytes each: about 12 MB per block)
UNIT_BLOCK = 8192
DRAW_BLOCK = 256


def multiplier_draws(
    psi: np.ndarray,
    *,
    n: int | None = None,
    reps: int = 1000,
    weights: str = "mammen",
    cluster: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
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
    random_state, progress
        Seed or generator; progress bar over blocks of clusters.
    """
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 2:
        raise SpecificationError(f"The number of bootstrap draws must be an integer >= 2, "
                                 f"not {reps!r}.")
    check_choice("weights", weights, ("mammen", "rademacher"))
    psi = np.asarray(psi, dtype=float)
    if psi.ndim == 1:
        psi = psi[:, None]
    n = psi.shape[0] if n is None else int(n)
    s = cluster_sums(psi, cluster)
    rng = as_generator(random_state)
    return MultiplierDraws(draws=_draw_blocks(s, int(reps), weights, rng, progress) / n,
                           weights=weights, n_clusters=s.shape[0])


def _draw_blocks(s: np.ndarray, reps: int, weights: str, rng: np.random.Generator,
                 progress: bool | None) -> np.ndarray:
    """``V @ s`` for ``reps`` rows of i.i.d. two-point weights ``V``, block by block.

    With ``V = hi + (lo - hi) 1{u < thr}``: ``V s = hi colsum(s) + (lo - hi) B s`` for the
    0/1 matrix ``B``; ``B`` and ``s`` are held in single precision (rounding ~1e-7 relative,
    far below the Monte Carlo error) and each block's product is added in double precision.
    """
    n_c, k = s.shape
    thr, lo, hi = _two_point(weights)
    s32 = np.ascontiguousarray(s, dtype=np.float32)
    acc = np.zeros((reps, k))
    bits = np.empty(DRAW_BLOCK * UNIT_BLOCK, dtype=np.float32)
    starts: Iterable[int] = range(0, n_c, UNIT_BLOCK)
    for u0 in progress_iter(list(starts), desc="multiplier bootstrap", progress=progress):
        u1 = min(n_c, u0 + UNIT_BLOCK)
        block = s32[u0:u1]
        for b0 in range(0, reps, DRAW_BLOCK):
            b1 = min(reps, b0 + DRAW_BLOCK)
            size = (b1 - b0) * (u1 - u0)
            bmat = bits[:size].reshape(b1 - b0, u1 - u0)
            np.less(_uniform16(rng, size).reshape(b1 - b0, u1 - u0), thr, out=bmat)
            acc[b0:b1] += bmat @ block
    return hi * s.sum(axis=0) + (lo - hi) * acc


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
