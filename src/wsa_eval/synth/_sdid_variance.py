"""The three variance methods of synthetic difference-in-differences (Arkhangelsky et al.
2021, Section 5): placebo (Algorithm 4; with one treated unit also the exact version over
every comparison unit), unit bootstrap (Algorithm 2) and fixed-weight jackknife
(Algorithm 3). Each returns the replication estimates and the per-period effect curves."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._utils import progress_iter
from ..errors import EstimationError, format_examples
from . import _sdid_core as core
from ._sdid_prepare import fit_cohorts

__all__ = ["placebo_replications", "bootstrap_replications", "jackknife_replications"]

def _fmt(t: Any) -> str:
    if isinstance(t, (float, np.floating)) and float(t).is_integer():
        return str(int(t))
    return str(t)


def _sum_normalize(w: np.ndarray) -> np.ndarray:
    s = w.sum(axis=-1, keepdims=True)
    uniform = np.full_like(w, 1.0 / w.shape[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s != 0, w / np.where(s != 0, s, 1.0), uniform)


def placebo_replications(kind, panel, specs, fits, reps, rng, progress, exact=False):
    """Placebo replications (Arkhangelsky et al. 2021, Algorithm 4): comparison units are
    given the treated units' timing and the estimator is rerun on the comparison units only.

    ``exact=True`` (one treated unit): every comparison unit is the placebo once, the
    others its comparisons -- the whole placebo distribution, J members, no draws.
    Otherwise ``reps`` random permutations of the comparison units (R synthdid). Weights
    are warm-started from the full-sample fit, as in R."""
    n_co = panel.n_co
    n_tr = sum(len(sp.rows) for sp in specs)
    if n_co <= n_tr:
        raise EstimationError(
            f"The placebo standard error needs more comparison units ({n_co}) than treated "
            f"units ({n_tr}). Use inference='bootstrap' or inference='jackknife' with several "
            "treated units.")
    if exact:
        perms = np.array([np.r_[np.delete(np.arange(n_co), j), j] for j in range(n_co)])
        reps = n_co
    else:
        perms = np.array([rng.permutation(n_co) for _ in range(reps)])
    C = perms[:, : n_co - n_tr]
    sizes = np.cumsum([0] + [len(sp.rows) for sp in specs])
    P = [perms[:, n_co - n_tr + sizes[k]: n_co - n_tr + sizes[k + 1]]
         for k in range(len(specs))]
    om0 = [_sum_normalize(f.omega[0][C]) for f in fits]
    lam0 = [np.broadcast_to(f.lam[0], (reps, f.lam.shape[1])) for f in fits]
    chunks = _chunks(reps, progress)
    res = [np.zeros(reps) for _ in specs]
    gap_k = [np.zeros((reps, panel.Y.shape[1])) for _ in specs]
    for sl in progress_iter(chunks, total=len(chunks), desc="placebo", progress=progress):
        sub = fit_cohorts(kind, panel, [C[sl]] * len(specs), [p[sl] for p in P], specs,
                          omega_init=[o[sl] for o in om0], lambda_init=[lz[sl] for lz in lam0])
        for k, f in enumerate(sub):
            res[k][sl] = f.tau
            gap_k[k][sl] = f.gaps
    taus = np.zeros(reps)
    for k, sp in enumerate(specs):
        taus += sp.weight * res[k]
    return taus, gap_k


def _chunks(reps: int, progress) -> list[slice]:
    """One batch normally; 10 batches when a progress bar is wanted."""
    n = 10 if progress else 1
    edges = np.linspace(0, reps, n + 1).astype(int)
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def bootstrap_replications(kind, panel, specs, fits, reps, rng, progress):
    n_co = panel.n_co
    N = panel.Y.shape[0]
    n_tr = N - n_co
    if n_tr < 2:
        raise EstimationError(
            "Bootstrap standard errors need at least two treated units. With one treated "
            "unit, resampling units either leaves it out or repeats it, so the spread of the "
            "estimates says nothing about the uncertainty of its effect (Arkhangelsky et al. "
            "2021, Section 5; R synthdid returns NA here). Use inference='placebo'.")
    draws = []
    while len(draws) < reps:
        ind = np.sort(rng.integers(0, N, size=N))
        if (ind < n_co).all() or (ind >= n_co).all():
            continue
        draws.append(ind)
    draws = np.array(draws)
    cohort_of = np.full(N, -1)
    for k, sp in enumerate(specs):
        cohort_of[sp.rows] = k
    T = panel.Y.shape[1]
    tau_k = np.full((reps, len(specs)), np.nan)
    gap_k = [np.full((reps, T), np.nan) for _ in specs]
    is_co = draws < n_co
    C, Cm = _pad([row[m] for row, m in zip(draws, is_co)])
    for k, sp in enumerate(specs):
        in_k = cohort_of[draws] == k
        rr = np.flatnonzero(in_k.any(axis=1))
        if rr.size == 0:
            continue
        P, Pm = _pad([draws[r][in_k[r]] for r in rr])
        w = fits[k].omega[0][C[rr]] * Cm[rr]
        tot = w.sum(axis=1, keepdims=True)
        om0 = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0),
                       Cm[rr] / Cm[rr].sum(axis=1, keepdims=True))
        lam0 = np.broadcast_to(fits[k].lam[0], (rr.size, sp.T0))
        for sl in progress_iter(_chunks(rr.size, progress), desc=f"bootstrap cohort {k + 1}",
                                progress=progress):
            opts = dict(sp.opts)
            opts.pop("lambda_zero", None)
            f = core.fit_cohort_batch(panel.Y, C[rr[sl]], P[sl], sp.T0, omega_init=om0[sl],
                                      lambda_init=lam0[sl], C_mask=Cm[rr[sl]], P_mask=Pm[sl],
                                      **opts)
            tau_k[rr[sl], k] = f.tau
            gap_k[k][rr[sl]] = f.gaps
    t1 = np.array([T - sp.T0 for sp in specs])
    counts = np.stack([(cohort_of[draws] == k).sum(axis=1) for k in range(len(specs))], 1)
    wts = counts * t1
    wts = wts / wts.sum(axis=1, keepdims=True)
    taus = np.nansum(tau_k * wts, axis=1)
    gaps = [g[~np.isnan(g[:, 0])] for g in gap_k]
    return taus, gaps


def _pad(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack index arrays of different lengths: (indices padded with 0, mask of real ones)."""
    width = max(len(r) for r in rows)
    idx = np.zeros((len(rows), width), dtype=int)
    mask = np.zeros((len(rows), width), dtype=bool)
    for j, r in enumerate(rows):
        idx[j, : len(r)] = r
        mask[j, : len(r)] = True
    return idx, mask


def jackknife_replications(panel, specs, fits):
    n_co = panel.n_co
    Y = panel.Y
    N, T = Y.shape
    n_tr = N - n_co
    if n_tr < 2:
        raise EstimationError(
            "Jackknife standard errors need at least two treated units: leaving out the only "
            "treated unit leaves nothing to estimate (Arkhangelsky et al. 2021, Algorithm 3; "
            "R synthdid returns NA here). Use inference='placebo'.")
    small = [sp.start for sp in specs if len(sp.rows) < 2]
    if small:
        raise EstimationError(
            f"The jackknife needs at least two treated units in every adoption cohort; the "
            f"cohort(s) starting in {format_examples([_fmt(s) for s in small], quote=False)} "
            "have one. Use inference='placebo' or inference='bootstrap'.")
    for f in fits:
        if np.count_nonzero(f.omega[0]) == 1:
            raise EstimationError(
                "The fixed-weight jackknife is undefined when one comparison unit carries all "
                "the weight (leaving it out leaves no weighted comparison). Use "
                "inference='placebo'.")
    t1 = np.array([T - sp.T0 for sp in specs])
    taus = np.zeros(N)
    gaps = [np.zeros((N, T)) for _ in specs]
    for u in range(N):
        tk = np.zeros(len(specs))
        nk = np.array([len(sp.rows) for sp in specs], dtype=float)
        for k, (sp, f) in enumerate(zip(specs, fits)):
            om = f.omega[0].copy()
            tr = sp.rows
            if u < n_co:
                keep = np.arange(n_co) != u
                om = _sum_normalize(om[keep])
                co_path = om @ Y[:n_co][keep]
            else:
                co_path = om @ Y[:n_co]
                if u in tr:
                    tr = tr[tr != u]
                    nk[k] -= 1
            diff = Y[tr].mean(axis=0) - co_path
            g = diff - diff[: sp.T0] @ f.lam[0]
            gaps[k][u] = g
            tk[k] = g[sp.T0:].mean()
        w = nk * t1
        taus[u] = float(tk @ (w / w.sum()))
    return taus, gaps
