"""Callaway & Sant'Anna without covariates on a balanced panel, from cohort moments.

Private engine of :mod:`wsa_eval.did.staggered`. Without covariates every ATT(g,t) is a
difference of weighted cohort means (Callaway & Sant'Anna 2021, eq. 2.6 with the
unconditional 2x2 of Sant'Anna & Zhao 2020),

.. math:: ATT(g,t) = \\bar Y_{g,t} - \\bar Y_{g,b} - (\\bar Y_{C,t} - \\bar Y_{C,b}),

where ``C`` (the comparison units) is a union of cohorts, so one pass that sums the
outcome by cohort and period gives every cell. Its influence function (scaled as R
``did``), for unit ``i`` in cohort ``h`` with weight ``w_i``,

.. math:: \\psi_k(i) = n\\, a_k(h)\\, w_i\\, (e_k' Y_i - c_k(h)),

with ``e_k`` picking ``Y_t - Y_b``, ``a_k(h) = 1/s_1`` for the treated cohort, ``-1/s_0``
for comparison cohorts (``s`` the weight totals) and ``c_k`` the matching mean change, is
linear in ``Y_i`` within a cohort. Every entry of the Gram matrix ``S'S`` of the basis
``[psi_1..psi_K, D_1..D_G]`` (``D_g = w 1{G=g} - p_g``, the cohort shares' influence
functions) is therefore a function of, per cohort ``h``: the weight totals
``W_h = sum w``, ``A_h = sum w^2``, the weighted means ``mu_h``, and the centred moments
``B_h = sum w^2 (Y - mu_h)`` and ``Q_h = sum w^2 (Y - mu_h)(Y - mu_h)'`` (``T x T``).
Centring keeps the sums of squares accurate when the outcome's level is large relative to
its spread. Nothing of size ``n x cells`` is ever built: the cost is one pass over the
outcome for the sums and one ``n x T x T`` product for the moments, whatever the number of
cells. The numbers equal those of the unit-level engine
(:func:`wsa_eval.did._cs_engine.estimate_panel`) to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ._cs_engine import CellPlan

__all__ = ["CohortMoments", "cohort_moments", "moment_cells", "quick_panel", "hash_arrays"]


@dataclass(frozen=True)
class CohortMoments:
    """Sufficient statistics by cohort ``h`` (treated cohorts first, in ``glist`` order,
    then the never-treated group)."""

    n: int
    ref: np.ndarray  # (T,) a reference row (the first unit's outcomes)
    W: np.ndarray  # (H,) sum of weights
    A: np.ndarray  # (H,) sum of squared weights
    mu: np.ndarray  # (H, T) weighted means of Y - ref
    B: np.ndarray  # (H, T) sum w^2 (Y - mu)
    Q: np.ndarray  # (H, T, T) sum w^2 (Y - mu)(Y - mu)'


def cohort_moments(Y: np.ndarray, h: np.ndarray, H: int,
                   w: np.ndarray | None = None) -> CohortMoments:
    """Moments of the rows of ``Y`` (units x periods) by cohort code ``h`` (0..H-1).

    Everything is computed on ``Y - ref`` for a reference row ``ref`` (the first unit's
    outcomes): the sums then carry rounding errors of the size of the outcome's spread, not
    of its level, so outcomes such as 1e6 + noise keep their accuracy.
    """
    n, T = Y.shape
    ref = np.array(Y[0], dtype=float)
    W, A = np.zeros(H), np.zeros(H)
    mu, B, Q = np.zeros((H, T)), np.zeros((H, T)), np.zeros((H, T, T))
    for j in range(H):
        rows = h == j
        Yj = Y[rows] - ref  # a copy, shifted
        if Yj.shape[0] == 0:
            continue
        if w is None:
            W[j] = A[j] = Yj.shape[0]
            mu[j] = Yj.mean(axis=0)
            Yj -= mu[j]
            Q[j] = Yj.T @ Yj
        else:
            wj = w[rows]
            w2 = wj * wj
            W[j], A[j] = wj.sum(), w2.sum()
            mu[j] = (wj @ Yj) / W[j]
            Yj -= mu[j]
            B[j] = w2 @ Yj
            Q[j] = (Yj * w2[:, None]).T @ Yj
    return CohortMoments(n=n, ref=ref, W=W, A=A, mu=mu, B=B, Q=Q)


def moment_cells(m: CohortMoments, plan: list[CellPlan], controls: list[np.ndarray],
                 times: np.ndarray, n_cohorts: int) -> tuple[np.ndarray, np.ndarray]:
    """ATT of every planned cell and the Gram matrix ``S'S`` of the basis.

    ``controls[k]`` lists the cohort codes that form the comparison group of cell ``k``
    (codes ``0..G-1`` are the treated cohorts, ``G`` the never treated).
    """
    K, G, H = len(plan), n_cohorts, m.W.shape[0]
    T = m.mu.shape[1]
    a = np.zeros((K, H))  # a_k(h)
    d = np.zeros((K, H))  # e_k' mu_h - c_k(h)
    E = np.zeros((K, T))
    att = np.zeros(K)
    for k, c in enumerate(plan):
        if c.reference:
            continue
        # each cohort's mean change (the reference row's change cancels in every contrast)
        change = (m.mu[:, c.ti] - m.mu[:, c.bi]) + (m.ref[c.ti] - m.ref[c.bi])
        ctrl = controls[k]
        s1, s0 = m.W[c.gidx], m.W[ctrl].sum()
        if not s0 > 0:
            raise EstimationError(
                f"Cohort {_fmt(c.g)} has no comparison units in period {_fmt(times[c.ti])} "
                f"(base period {_fmt(times[c.bi])}): every other unit is already treated. "
                "Use control_group='never_treated' with never-treated units, or drop the "
                "periods after the last cohort starts.")
        m1 = change[c.gidx]
        m0 = float(m.W[ctrl] @ change[ctrl]) / s0
        att[k] = m1 - m0
        a[k, c.gidx], a[k, ctrl] = 1.0 / s1, -1.0 / s0
        d[k, c.gidx], d[k, ctrl] = 0.0, change[ctrl] - m0
        E[k, c.ti], E[k, c.bi] = 1.0, -1.0
    n = m.n
    gram = np.zeros((K + G, K + G))
    for j in range(H):
        if not a[:, j].any():
            continue
        eb = E @ m.B[j]
        M = E @ m.Q[j] @ E.T + np.outer(eb, d[:, j]) + np.outer(d[:, j], eb)
        M += m.A[j] * np.outer(d[:, j], d[:, j])
        gram[:K, :K] += (n * n) * np.outer(a[:, j], a[:, j]) * M
    # psi_k . D_j = sum over cohort j of w_i psi_k(i) (sum_i psi_k(i) = 0 exactly)
    cross = n * a[:, :G] * (E @ m.B[:G].T + d[:, :G] * m.A[:G])
    gram[:K, K:] = cross
    gram[K:, :K] = cross.T
    gram[K:, K:] = np.diag(m.A[:G]) - np.outer(m.W[:G], m.W[:G]) / n
    return att, gram


def quick_panel(data: pd.DataFrame, *, unit: str, time: str, outcome: str,
                first_treated: str, anticipation: int, control_group: str,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The common clean case, checked in a few numpy passes: numeric columns, rows sorted by
    unit then time, balanced, no missing or infinite outcome, a first treated period that is
    constant within units, never-treated units, and no unit treated before the data start
    or after it ends. Returns ``(Y, g_unit, times, units)`` (``Y`` units x periods, a view
    of the caller's column when it is float) or None when anything else is found: then
    :func:`wsa_eval.panel.validate_panel` runs and reports it.
    """
    cols = [unit, time, outcome, first_treated]
    if len(set(cols)) < 4 or any(c not in data.columns for c in cols):
        return None
    u, t = data[unit].to_numpy(), data[time].to_numpy()
    y, g = data[outcome].to_numpy(), data[first_treated].to_numpy()
    if (u.dtype.kind not in "iu" or t.dtype.kind not in "iuf" or y.dtype.kind not in "iuf"
            or g.dtype.kind not in "iuf" or len(u) < 4):
        return None
    T = _first_run(u)
    N = len(u)
    if T < 2 or N % T:
        return None
    n = N // T
    U, Tm = u.reshape(n, T), t.reshape(n, T)
    times = Tm[0]
    if not (np.all(times[1:] > times[:-1]) and np.all(U[1:, 0] > U[:-1, 0])):
        return None  # periods not strictly increasing, or units not sorted and distinct
    if not ((Tm == times).all() and (U == U[:, :1]).all()):
        return None
    times = times.astype(float)
    if T > 2:
        steps = np.diff(times)
        if not np.allclose(steps, steps.min()):
            return None  # gaps in the period grid: validate_panel warns
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        return None
    # constant within units, compared bit for bit (NaN equals NaN; anything unusual such as
    # -0.0 beside 0.0 goes to validate_panel)
    Gm = (g.view(np.int64) if g.dtype == np.float64 else g).reshape(n, T)
    if not (Gm == Gm[:, :1]).all():
        return None
    gu = g.reshape(n, T)[:, 0].astype(float)
    never = np.isnan(gu) | np.isinf(gu) | (gu == 0)
    gf = gu[~never]
    if (not never.any() or not len(gf) or (gf < 0).any() or (gf > times[-1]).any()
            or (gf - anticipation <= times[0]).any()):
        return None
    g_unit = np.where(never, np.inf, gu)
    Y = y.reshape(n, T) if y.dtype == np.float64 else y.reshape(n, T).astype(float)
    return Y, g_unit, times, U[:, 0]


def _first_run(u: np.ndarray) -> int:
    """Length of the run of equal values at the start of ``u``."""
    size = 64
    while True:
        head = u[:size]
        diff = np.flatnonzero(head != u[0])
        if len(diff):
            return int(diff[0])
        if size >= len(u):
            return len(u)
        size *= 8


_BLOCK = 1 << 16  # words per block of the data hash
_WEIGHTS = (np.arange(1, _BLOCK + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
            ) | np.uint64(1)  # odd, position-dependent multipliers


def hash_arrays(*arrays: np.ndarray, names: tuple[str, ...] = ()) -> str:
    """A short content hash of numeric arrays (for ``spec['data_hash']``).

    Each array's 8-byte words are combined by a position-dependent 64-bit multiply-add
    (modulo 2^64) and an xor, block by block in cache, then the sums go through SHA-1 with
    the names, dtypes and shapes. About two passes over the data instead of SHA-1 over every
    byte; it identifies the data (non-cryptographic), it does not protect it.
    """
    import hashlib

    h = hashlib.sha1(",".join(names).encode())
    for arr in arrays:
        a = np.ascontiguousarray(arr)
        h.update(a.dtype.str.encode() + str(a.shape).encode())
        b = a.reshape(-1).view(np.uint8)
        tail = b.size % 8
        words = b[: b.size - tail].view(np.uint64)
        acc = np.uint64(0)
        with np.errstate(over="ignore"):
            for i0 in range(0, words.size, _BLOCK):
                blk = words[i0:i0 + _BLOCK]
                acc += np.add.reduce(blk * _WEIGHTS[: blk.size])
                acc += np.uint64(i0) * np.add.reduce(blk)
        xor = np.bitwise_xor.reduce(words) if words.size else np.uint64(0)
        h.update(int(acc).to_bytes(8, "little") + int(xor).to_bytes(8, "little")
                 + b[b.size - tail:].tobytes())
    return h.hexdigest()[:16]


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)
