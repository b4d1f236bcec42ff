"""Harrell's concordance (C) of a risk score with survival times, as R's ``concordance()``.

A pair of people is *comparable* when person ``i`` has the event and person ``j`` (same
stratum) is still at risk after ``t_i`` or is censored at ``t_i``; it is *concordant* when
``i`` has the higher risk score, *discordant* when ``j`` has, and *tied* when the scores are
equal (counting one half). ``C = (concordant + tied / 2) / (concordant + discordant + tied)``
with case weights ``w_i w_j`` (Harrell et al. 1982; Therneau & Atkinson, *The concordance
statistic*, survival package vignette). Pairs with tied event times are not comparable.

Algorithm, ``O(n log n)`` and vectorised: order people by stratum and time (latest first,
the censored before the events at a tied time). The people comparable with event ``i`` are
then a contiguous range of that order, and what is needed is, for each range, the weight of
the people in it whose score rank is below (or at most) ``i``'s: a *range rank count*. It is
answered for all events at once with a wavelet matrix (Claude, Navarro & Ordonez 2015):
one level per bit of the score rank, each level a stable partition of the people by that bit
and prefix sums of the weights, so each level costs ``O(n)`` and there are ``log2(n)``
levels. Inputs are numpy arrays, so an engine can feed the ranks and the range bounds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["concordance", "weight_below"]


def weight_below(values: np.ndarray, weights: np.ndarray, start: np.ndarray, stop: np.ndarray,
                 bound: np.ndarray) -> np.ndarray:
    """For each query ``q``: ``sum(weights[k] for k in range(start[q], stop[q]) if
    values[k] < bound[q])`` (``values`` non-negative integers), by a wavelet matrix.

    At each bit level (most significant first) the positions are stably partitioned, zeros
    first; a query whose bound has a 1 at this bit collects the weight of the zeros in its
    range (all smaller), and follows the ones; otherwise it follows the zeros.
    """
    vals = np.asarray(values, dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    s = np.asarray(start, dtype=np.int64).copy()
    e = np.asarray(stop, dtype=np.int64).copy()
    b = np.asarray(bound, dtype=np.int64)
    out = np.zeros(b.shape[0])
    top = int(max(int(vals.max(initial=0)), int(b.max(initial=0))))
    # bounds above every value count the whole range at the top level's split
    for level in range(max(top.bit_length(), 1) - 1, -1, -1):
        bits = (vals >> level) & 1
        zero = bits == 0
        z = np.concatenate([[0], np.cumsum(zero)])
        wz = np.concatenate([[0.0], np.cumsum(np.where(zero, w, 0.0))])
        n_zero = int(z[-1])
        qbit = (b >> level) & 1
        one = qbit == 1
        out[one] += wz[e[one]] - wz[s[one]]
        zs, ze = z[s], z[e]
        s = np.where(one, n_zero + (s - zs), zs)
        e = np.where(one, n_zero + (e - ze), ze)
        order = np.concatenate([np.flatnonzero(zero), np.flatnonzero(~zero)])
        vals, w = vals[order], w[order]
    return out


def concordance(time: np.ndarray, event: np.ndarray, score: np.ndarray,
                weights: np.ndarray | None = None, strata: np.ndarray | None = None) -> float:
    """Harrell's C of ``score`` (higher = earlier event expected) as R ``concordance()``."""
    n = time.shape[0]
    event = np.asarray(event, dtype=bool)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    st = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, np.int64)
    rank = np.unique(score, return_inverse=True)[1].reshape(-1).astype(np.int64)
    # people by stratum, time descending, censored before events at a tied time
    order = np.lexsort((event, -time, st))
    st_o, t_o, ev_o = st[order], time[order], event[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (st_o[1:] != st_o[:-1]) | (t_o[1:] != t_o[:-1]) | (ev_o[1:] != ev_o[:-1])
    group_start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    new_st = np.ones(n, dtype=bool)
    new_st[1:] = st_o[1:] != st_o[:-1]
    strat_start = np.maximum.accumulate(np.where(new_st, np.arange(n), 0))
    ev_pos = np.flatnonzero(ev_o)  # events, in the sorted order
    lo, hi = strat_start[ev_pos], group_start[ev_pos]  # comparable people: [lo, hi)
    r_sorted, w_sorted = rank[order], w[order]
    r_ev = r_sorted[ev_pos]
    k = ev_pos.shape[0]
    counts = weight_below(r_sorted, w_sorted, np.r_[lo, lo], np.r_[hi, hi],
                          np.r_[r_ev, r_ev + 1])
    less, leq = counts[:k], counts[k:]
    cw = np.concatenate([[0.0], np.cumsum(w_sorted)])
    total = cw[hi] - cw[lo]
    wi = w_sorted[ev_pos]
    conc = float(wi @ less)
    tied = float(wi @ (leq - less))
    disc = float(wi @ (total - leq))
    denom = conc + disc + tied
    return (conc + tied / 2) / denom if denom > 0 else float("nan")
