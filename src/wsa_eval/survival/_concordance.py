"""Harrell's concordance (C) of a risk score with survival times, as R's ``concordance()``.

A pair of people is *comparable* when person ``i`` has the event and person ``j`` (same
stratum) is still at risk after ``t_i`` or is censored at ``t_i``; it is *concordant* when
``i`` has the higher risk score, *discordant* when ``j`` has, and *tied* when the scores are
equal (counting one half). ``C = (concordant + tied / 2) / (concordant + discordant + tied)``
with case weights ``w_i w_j`` (Harrell et al. 1982; Therneau & Atkinson, *The concordance
statistic*, survival package vignette). Pairs with tied event times are not comparable.

Algorithm, ``O(n log n)`` and vectorised: put people in order of stratum and score. For an
event ``i`` the people with a lower score in its stratum are then a contiguous range of that
order, and the concordant weight is the weight of those in the range whose *time key*
(``2 x time code + 1 if censored``) is at least ``2 x i's time code + 1``: a range count of
values below a bound, answered for all events at once with a wavelet matrix (Claude, Navarro
& Ordonez 2015): one level per bit of the time key, each a stable partition of the people by
that bit with prefix sums of the weights, ``O(n)`` per level and ``log2(2 x distinct times)``
levels (about 11 for day-resolution times over two years). Tied scores and the comparable
totals are sums over sorted keys (``searchsorted``). Inputs are numpy arrays, so an engine
can feed the codes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["concordance", "weight_below"]


def weight_below(values: np.ndarray, weights: np.ndarray | None, start: np.ndarray,
                 stop: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """For each query ``q``: ``sum(weights[k] for k in range(start[q], stop[q]) if
    values[k] < bound[q])`` (``values`` non-negative integers; ``weights`` None = ones), by
    a wavelet matrix.

    At each bit level (most significant first) the positions are stably partitioned, zeros
    first; a query whose bound has a 1 at this bit collects the weight of the zeros in its
    range (all smaller), and follows the ones; otherwise it follows the zeros.
    """
    vals = np.asarray(values, dtype=np.int64)
    w = None if weights is None else np.asarray(weights, dtype=float)
    s = np.asarray(start, dtype=np.int64).copy()
    e = np.asarray(stop, dtype=np.int64).copy()
    b = np.asarray(bound, dtype=np.int64)
    out = np.zeros(b.shape[0])
    top = int(max(int(vals.max(initial=0)), int(b.max(initial=0))))
    for level in range(max(top.bit_length(), 1) - 1, -1, -1):
        zero = ((vals >> level) & 1) == 0
        z = np.zeros(vals.shape[0] + 1, dtype=np.int64)
        np.cumsum(zero, out=z[1:])
        if w is None:
            wz = z
        else:
            wz = np.zeros(vals.shape[0] + 1)
            np.cumsum(w * zero, out=wz[1:])
        n_zero = int(z[-1])
        one = ((b >> level) & 1) == 1
        zs, ze = z[s], z[e]
        out[one] += wz[e[one]] - wz[s[one]]
        s = np.where(one, n_zero + s - zs, zs)
        e = np.where(one, n_zero + e - ze, ze)
        vals = np.concatenate([vals[zero], vals[~zero]])
        if w is not None:
            w = np.concatenate([w[zero], w[~zero]])
    return out


def _starts(key: np.ndarray) -> np.ndarray:
    """For sorted ``key``: the position where each element's run of equal keys starts."""
    new = np.ones(key.shape[0], dtype=bool)
    new[1:] = key[1:] != key[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(key.shape[0]), 0))


def _weight_in(sorted_key: np.ndarray, cum_w: np.ndarray, lo: np.ndarray, hi: np.ndarray
               ) -> np.ndarray:
    """Weight of the elements whose key lies in ``[lo, hi)`` (``sorted_key`` ascending)."""
    return (cum_w[np.searchsorted(sorted_key, hi, side="left")]
            - cum_w[np.searchsorted(sorted_key, lo, side="left")])


def _sort_key(*parts: tuple[np.ndarray, int]) -> np.ndarray:
    """Argsort by several non-negative integer keys (most significant first), as one
    int64 key when it fits, else by lexsort."""
    size = 1
    for _, top in parts:
        size *= max(top, 1)
    if size < 2**62:
        key = np.zeros(parts[0][0].shape[0], dtype=np.int64)
        for arr, top in parts:
            key *= max(top, 1)
            key += arr
        return np.argsort(key)
    return np.lexsort(tuple(arr for arr, _ in reversed(parts)))


def concordance(time: np.ndarray, event: np.ndarray, score: np.ndarray,
                weights: np.ndarray | None = None, strata: np.ndarray | None = None,
                time_codes: np.ndarray | None = None) -> float:
    """Harrell's C of ``score`` (higher = earlier event expected) as R ``concordance()``.

    ``time_codes``: the rank of each time among the distinct times, when already known.
    """
    n = time.shape[0]
    event = np.asarray(event, dtype=bool)
    w = None if weights is None else np.asarray(weights, dtype=float)
    st = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, np.int64)
    n_st = int(st.max()) + 1
    rank = np.unique(score, return_inverse=True)[1].reshape(-1).astype(np.int64)
    m = int(rank.max()) + 1
    tcode = (np.unique(time, return_inverse=True)[1].reshape(-1) if time_codes is None
             else np.asarray(time_codes)).astype(np.int64)
    tkey = 2 * tcode + ~event  # the censored at a time come after its events
    span = int(tkey.max()) + 2
    # people by (stratum, score rank, time key)
    order = _sort_key((st, n_st), (rank, m), (tkey, span))
    st_o, rank_o, tk_o = st[order], rank[order], tkey[order]
    w_o = np.ones(n) if w is None else w[order]
    cum = np.concatenate([[0.0], np.cumsum(w_o)])
    ev = np.flatnonzero(event[order])  # events, by position in that order
    bound = 2 * tcode[order][ev] + 1  # comparable: time key >= bound (same stratum)
    # lower score in the same stratum: positions [stratum start, start of i's score group)
    group = st_o * m + rank_o
    group_start = _starts(group)
    lo_pos = _starts(st_o)[ev]
    hi_pos = group_start[ev]
    below = weight_below(tk_o, None if w is None else w_o, lo_pos, hi_pos, bound)
    conc_i = cum[hi_pos] - cum[lo_pos] - below
    # same score, comparable: the group's people with time key >= bound (sorted by it);
    # only groups of more than one person can hold such a person
    tied_i = np.zeros(ev.shape[0])
    size = np.diff(np.r_[np.flatnonzero(np.r_[True, group[1:] != group[:-1]]), n])
    shared = np.repeat(size > 1, size)[ev]
    if shared.any():
        gid = np.cumsum(np.r_[True, group[1:] != group[:-1]]) - 1
        gkey = gid * span + tk_o
        gs = gid[ev[shared]]
        tied_i[shared] = _weight_in(gkey, cum, gs * span + bound[shared], (gs + 1) * span)
    # all comparable people: same stratum, time key >= bound (weights by key, suffix sums)
    skey = st * span + tkey
    if n_st * span <= max(4 * n, 1 << 20):
        hist = np.bincount(skey, weights=w, minlength=n_st * span)
        upto = np.concatenate([[0.0], np.cumsum(hist)])
        se = st_o[ev]
        total_i = upto[(se + 1) * span] - upto[se * span + bound]
    else:
        sorder = np.argsort(skey)
        scum = np.concatenate([[0.0], np.cumsum(np.ones(n) if w is None else w[sorder])])
        total_i = _weight_in(skey[sorder], scum, st_o[ev] * span + bound,
                             (st_o[ev] + 1) * span)
    wi = w_o[ev]
    conc = float(wi @ conc_i)
    tied = float(wi @ tied_i)
    disc = float(wi @ (total_i - conc_i - tied_i))
    denom = conc + disc + tied
    return (conc + tied / 2) / denom if denom > 0 else float("nan")
