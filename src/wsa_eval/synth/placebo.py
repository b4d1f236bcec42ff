"""Placebo inference and robustness checks for a synthetic control.

* :func:`placebo_in_space` (Abadie, Diamond & Hainmueller 2010, Section 5): refit the
  synthetic control with each donor in turn as the "treated" unit (its donors: the other
  donors; the real treated unit is never a donor). The exact permutation p-value ranks the
  treated unit's post/pre RMSPE ratio among all ``J + 1`` units:
  ``p = #{j : r_j >= r_1} / (J + 1)``; the smallest attainable p-value is ``1 / (J + 1)``.
  ADH (2010) also discard placebos whose pre-period fit is much worse than the treated
  unit's (pre-period MSPE more than 20, 5 or 2 times the treated unit's): ``prune=k``.
  p-values are also given per post period (rank of the absolute gap) and for the mean
  post-period gap. Validity rests on the treated unit being exchangeable with the donors
  under the null of no effect anywhere (a permutation test of a sharp null).
* :func:`placebo_in_time` (Abadie, Diamond & Hainmueller 2015, AJPS): pretend the
  intervention started earlier, inside the pre-period, using only data before the real
  start; a large "effect" at a fake date casts doubt on the real one. Predictors are
  measured as many periods earlier as the start was moved (backdating, as ADH 2015 do).
* :func:`leave_one_out` (ADH 2015): refit dropping each donor with positive weight in turn,
  to show how much the estimate depends on any single donor.

The placebo-in-space refits are independent, so ``n_jobs=`` runs them in worker processes
(standard-library ``concurrent.futures``): donors are split into chunks of several refits,
results are put back in donor order and are bit-identical to the serial run.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_choice, progress_iter
from ..errors import EstimationError, SpecificationError
from ._adh_problem import _fit
from ._checks import fitted_problem

__all__ = ["placebo_in_space", "placebo_in_time", "leave_one_out", "rank_p_value"]


def rank_p_value(stat: np.ndarray, alternative: str = "greater") -> float:
    """Exact permutation p-value of ``stat[0]`` among ``stat`` (ties count against).

    ``"greater"``: share of units with a statistic at least ``stat[0]``; ``"less"``: at
    most; ``"two-sided"``: on absolute values.
    """
    s = np.asarray(stat, dtype=float)
    if alternative == "two-sided":
        s = np.abs(s)
    if alternative == "less":
        s = -s
    if np.isinf(s[0]):  # infinite statistics tie with each other
        return float(np.mean(s == s[0]))
    return float(np.mean(s >= s[0] - 1e-12 * max(abs(s[0]), 1.0)))


def _check_n_jobs(n_jobs: Any) -> int:
    """Number of worker processes for ``n_jobs`` (``None``/1: serial; -1: all cores)."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, (int, np.integer)) \
            or n_jobs == 0 or n_jobs < -1:
        raise SpecificationError(
            f"n_jobs must be a positive whole number of worker processes, or -1 for all "
            f"cores (None or 1: no parallel processing), not {n_jobs!r}.")
    return (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)


# -- worker side (module level, so it can be pickled under 'spawn' too) ---------------------
_WORKER_PROBLEM: Any = None


def _init_worker(prob: Any) -> None:
    global _WORKER_PROBLEM
    _WORKER_PROBLEM = prob


def _placebo_gap(prob: Any, j: int) -> np.ndarray:
    """Gap path of the placebo fit with donor row ``j`` as the treated unit."""
    others = np.array([d for d in prob.donors if d != j])
    return _fit(prob, int(j), others).gap


def _placebo_chunk(chunk: list[int]) -> tuple[list[np.ndarray], list[Any]]:
    """In a worker: the chunk's gap paths, and the warnings raised (re-issued by the parent)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gaps = [_placebo_gap(_WORKER_PROBLEM, j) for j in chunk]
    return gaps, [(w.category, str(w.message)) for w in caught]


def _pool_context() -> Any:
    """'fork' on Linux (no re-import of the caller's script or notebook, so it works from
    an unguarded script and from Jupyter); 'spawn' elsewhere (the platform default)."""
    import multiprocessing as mp

    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _parallel_gaps(prob: Any, donors: list[int], n_workers: int) -> Iterator[Any]:
    """Yield ``(chunk, gaps, warnings)`` chunk by chunk as they finish; the caller puts the
    gap paths back in donor order. A worker's error is re-raised as it is (the same
    library error as the serial path; if several chunks fail, that of the first donor)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # several refits per chunk (less overhead), about four chunks per worker (balance)
    size = max(2, math.ceil(len(donors) / (4 * n_workers)))
    chunks = [donors[i: i + size] for i in range(0, len(donors), size)]
    n_workers = min(n_workers, len(chunks))
    errors: dict[int, BaseException] = {}
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=_pool_context(),
                             initializer=_init_worker, initargs=(prob,)) as ex:
        futs = {ex.submit(_placebo_chunk, c): k for k, c in enumerate(chunks)}
        pending = set(futs)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=futs.__getitem__):
                    k = futs[fut]
                    if fut.cancelled():
                        continue
                    exc = fut.exception()
                    if exc is not None:
                        errors[k] = exc
                        # later chunks cannot change which error the serial run would raise
                        for f in pending:
                            if futs[f] > k:
                                f.cancel()
                        continue
                    if errors:
                        continue
                    yield (chunks[k], *fut.result())
        except BaseException:
            for f in pending:
                f.cancel()
            raise
    if errors:
        exc = errors[min(errors)]
        if isinstance(exc, BrokenProcessPool):
            raise EstimationError(
                "A worker process of the parallel placebo test stopped unexpectedly (for "
                "example out of memory); run it again with n_jobs=1.") from exc
        raise exc


def _refit_placebos(prob: Any, n_workers: int, progress: bool | None) -> dict[int, Any]:
    """Gap path of every placebo fit (each donor row treated in turn), serial or in worker
    processes; warnings raised in workers are re-issued here in donor order."""
    donors = [int(j) for j in prob.donors]
    by_donor: dict[int, np.ndarray] = {}
    if n_workers > 1 and len(donors) > 1:
        caught: list[Any] = []

        def one_by_one() -> Iterator[None]:  # the bar moves as each chunk finishes
            for chunk, chunk_gaps, chunk_warnings in _parallel_gaps(prob, donors, n_workers):
                by_donor.update(zip(chunk, chunk_gaps))
                caught.append((donors.index(chunk[0]), chunk_warnings))
                yield from (None for _ in chunk)

        for _ in progress_iter(one_by_one(), total=len(donors), desc="placebo in space",
                               progress=progress):
            pass
        for _, chunk_warnings in sorted(caught, key=lambda c: c[0]):  # in donor order
            for category, message in chunk_warnings:
                warnings.warn(message, category, stacklevel=3)
    else:
        for j in progress_iter(donors, desc="placebo in space", progress=progress):
            by_donor[j] = _placebo_gap(prob, j)
    return by_donor


def placebo_in_space(result: Any, *, prune: float | None = None,
                     alternative: str = "two-sided", n_starts: int | None = None,
                     progress: bool | None = None, n_jobs: int | None = None) -> Any:
    """Placebo-in-space test; returns a new result with p-values.

    Parameters
    ----------
    result : SyntheticControlResult
        A fit of :func:`synthetic_control`.
    prune : float, optional
        Drop placebos whose pre-period MSPE exceeds ``prune`` times the treated unit's
        (ADH 2010 use 20, 5 and 2). The treated unit is always kept.
    alternative : {"two-sided", "less", "greater"}
        For the per-period and mean-gap p-values ("less": the effect is a reduction). The
        RMSPE-ratio p-value is one-sided by construction (large ratios are extreme).
    n_starts : int, optional
        Starting points of the nested V search in each placebo fit (default: as in the
        original fit). When ``result`` already holds placebo fits and ``n_starts`` is not
        given they are reused, so trying several ``prune`` values refits nothing. Fewer
        starts are faster, but less well optimised placebo fits have larger pre-period
        RMSPEs, which favours the treated unit: keep the default for a final analysis.
    progress : bool, optional
        Show a progress bar (default: only in a terminal).
    n_jobs : int, optional
        Worker processes for the placebo refits: ``None`` or 1 (default) fits them one after
        another in this process; ``-1`` uses every core. The results are identical either
        way. On Linux the workers are forked (this works from scripts and notebooks alike);
        on Windows and macOS they are spawned, so a script that uses ``n_jobs`` there must
        put its code under ``if __name__ == "__main__":``.

    Returns
    -------
    SyntheticControlResult
        A copy of ``result`` with ``p_value`` (the rank of the treated unit's post/pre
        RMSPE ratio), per-period p-values in ``effects``, ``placebo_table`` (one row per
        unit: RMSPEs, ratio, mean gap, rank) and ``placebo_gaps`` (gap paths by unit).

    Raises
    ------
    SpecificationError
        ``result`` not a :func:`synthetic_control` fit, ``prune`` below 1, an unknown
        ``alternative`` or a bad ``n_jobs``.
    EstimationError
        Pruning left no placebo unit.

    See Also
    --------
    conformal_inference : intervals as well as p-values, from the time dimension.

    Notes
    -----
    Each donor in turn is treated as if it had received the scheme and gets its own
    synthetic control from the other donors (the real treated unit is never a donor).
    The p-value is the share of the ``J + 1`` units whose post/pre RMSPE ratio is at least
    the treated unit's, so the smallest attainable p-value is ``1 / (J + 1)`` ([1]_).

    Assumption: under the null of no effect anywhere, the treated unit is exchangeable
    with the donors (the scheme could as well have gone to any of them); otherwise the
    p-value says how unusual the treated unit is among its peers.

    References
    ----------
    .. [1] Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods
       for comparative case studies: estimating the effect of California's tobacco control
       program. *Journal of the American Statistical Association* 105(490), 493-505.

    Examples
    --------
    An outcome-only synthetic control for California (every pre-period's sales as a
    predictor, fast to refit). Two placebo states have larger RMSPE ratios, so p = 3/39;
    with the predictors of ADH (2010) California has the largest and p = 1/39:

    >>> from wsa_eval.datasets import load_prop99
    >>> from wsa_eval.synth import placebo_in_space, synthetic_control
    >>> prop99 = load_prop99()
    >>> fit = synthetic_control(prop99, outcome="cigsale", unit="state", time="year",
    ...                         treated="California", start=1989, random_state=0)
    >>> pl = placebo_in_space(fit)
    >>> print(f"p = {pl.p_value:.3f} (smallest possible 1/39 = {1 / 39:.3f})")
    p = 0.077 (smallest possible 1/39 = 0.026)
    >>> top = pl.placebo_table[["unit", "pre_rmspe", "ratio", "rank"]].head(3)
    >>> print(top.round(2).to_string(index=False))
          unit  pre_rmspe  ratio  rank
      Missouri       0.44  23.92   1.0
      Virginia       0.82  19.83   2.0
    California       1.66  12.44   3.0

    Dropping placebos that fit more than five times worse than California reuses the
    refits:

    >>> pl5 = placebo_in_space(pl, prune=5)
    >>> print(f"p = {pl5.p_value:.3f} among {pl5.diagnostics['placebo']['n_units']} units")
    p = 0.094 among 32 units
    """
    n_workers = _check_n_jobs(n_jobs)
    check_choice("alternative", alternative, ("two-sided", "less", "greater"))
    if prune is not None and not (np.isfinite(prune) and prune >= 1):
        raise SpecificationError(f"prune must be a number >= 1 (e.g. 2, 5 or 20), not {prune!r}.")
    prob = fitted_problem(result, "placebo_in_space")
    if n_starts is not None:
        from dataclasses import replace

        prob = replace(prob, n_starts=int(n_starts))
    times = prob.times
    post = times >= prob.start
    if result.placebo_gaps is not None and n_starts is None:
        G = result.placebo_gaps  # already refitted: only re-rank (e.g. another prune=)
    else:
        by_donor = _refit_placebos(prob, n_workers, progress)
        gaps = {prob.units[prob.treated]: result.path["gap"].to_numpy()}
        gaps.update((prob.units[j], by_donor[j]) for j in prob.donors)
        G = pd.DataFrame(gaps, index=pd.Index(times, name="time"))
    A = G.to_numpy()
    pre_mspe = np.mean(A[~post] ** 2, axis=0)
    post_mspe = np.mean(A[post] ** 2, axis=0)
    # a pre-period fit exact to rounding (common with few pre-periods and many donors) has
    # an infinite ratio: its rounding-error RMSPE must not rank it
    exact = pre_mspe <= (1e-9 * float(np.sqrt(np.mean(prob.Y[:, ~post] ** 2)))) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.sqrt(post_mspe / pre_mspe)
    ratio = np.where(exact, np.inf, ratio)
    mean_gap = A[post].mean(axis=0)
    keep = np.ones(A.shape[1], dtype=bool)
    if prune is not None:  # exact fits tie with an exact treated fit
        keep = (pre_mspe <= prune * pre_mspe[0]) | (exact & exact[0])
        keep[0] = True
    if keep.sum() < 2:
        raise EstimationError("Pruning left no placebo units; use a larger prune= value.")
    p_ratio = rank_p_value(ratio[keep], "greater")
    p_mean = rank_p_value(mean_gap[keep], alternative)
    p_t = np.full(len(times), np.nan)
    for i in np.flatnonzero(post):
        p_t[i] = rank_p_value(A[i, keep], alternative)
    n = int(keep.sum())
    table = pd.DataFrame({
        "unit": G.columns, "treated": [True] + [False] * (A.shape[1] - 1),
        "pre_rmspe": np.sqrt(pre_mspe), "post_rmspe": np.sqrt(post_mspe),
        "ratio": ratio, "mean_gap": mean_gap, "included": keep,
    })
    table["rank"] = np.nan
    order = table.loc[keep, "ratio"].rank(ascending=False, method="min")
    table.loc[keep, "rank"] = order
    table = table.sort_values(["included", "ratio"], ascending=[False, False],
                              kind="stable").reset_index(drop=True)
    eff = result.effects.copy()
    eff["p_value"] = p_t
    pruned = f", placebos with pre-period MSPE above {prune:g}x the treated unit's dropped" \
        if prune is not None else ""
    inference = (f"placebo-in-space permutation test (ADH 2010): rank of the post/pre RMSPE "
                 f"ratio among {n} units{pruned}; smallest attainable p-value 1/{n} = "
                 f"{1 / n:.3g}")
    diag = dict(result.diagnostics)
    diag["placebo"] = {"p_ratio": p_ratio, "p_mean_gap": p_mean, "n_units": n,
                       "n_starts": prob.n_starts,
                       "smallest_p_value": 1.0 / n, "prune": prune, "alternative": alternative}
    return result.replace(p_value=p_ratio, inference=inference, effects=eff,
                          placebo_table=table, placebo_gaps=G, diagnostics=diag,
                          ci_low=np.nan, ci_high=np.nan)


def _default_fake_starts(prob: Any) -> list[Any]:
    fit = [t for t in prob.fit_periods]
    n_min = max(2, (len(fit) + 1) // 2)
    pre = [t for t in prob.times if t < prob.start]
    return [t for t in pre if sum(1 for f in fit if f < t) >= n_min]


def placebo_in_time(result: Any, *, starts: Any = None, progress: bool | None = None) -> Any:
    """Refit with fake start dates inside the pre-period (data before the real start only).

    Parameters
    ----------
    result : SyntheticControlResult
        A fit of :func:`synthetic_control`.
    starts : period or list of periods, optional
        The fake start dates (default: every pre-period date that leaves at least half the
        fitting periods, and at least two, before it).
    progress : bool, optional
        Show a progress bar (default: only in a terminal).

    Returns
    -------
    SyntheticControlResult
        A copy of ``result`` with ``in_time`` (one row per fake start: pre-period RMSPE
        before the fake start, RMSPE and mean gap between the fake and the real start,
        their ratio, and the real fit's ratio for comparison) and ``in_time_paths`` (the
        refitted paths).

    Raises
    ------
    SpecificationError
        ``result`` not a :func:`synthetic_control` fit, or a fake start that is not a
        pre-period date after the first period.
    EstimationError
        A pre-period too short to leave two fitting periods before a fake start.

    See Also
    --------
    placebo_in_space, leave_one_out : the other robustness checks.

    Notes
    -----
    The scheme is pretended to start earlier, inside the pre-period, using only data
    before the real start; predictors are measured as many periods earlier as the start
    was moved ([1]_). A large "effect" at a fake date, compared with the real one, casts
    doubt on the real estimate (a poor fit, or something else happening to the treated
    unit).

    References
    ----------
    .. [1] Abadie, A., Diamond, A. and Hainmueller, J. (2015). Comparative politics and
       the synthetic control method. *American Journal of Political Science* 59(2),
       495-510.

    Examples
    --------
    California with fake starts in 1980 and 1985: the gaps after them are smaller than
    after the real start (ratios 5.7 and 7.7 against 12.4):

    >>> from wsa_eval.datasets import load_prop99
    >>> from wsa_eval.synth import placebo_in_time, synthetic_control
    >>> prop99 = load_prop99()
    >>> fit = synthetic_control(prop99, outcome="cigsale", unit="state", time="year",
    ...                         treated="California", start=1989, random_state=0)
    >>> r = placebo_in_time(fit, starts=[1980, 1985])
    >>> cols = ["fake_start", "pre_rmspe", "mean_gap", "ratio", "actual_ratio"]
    >>> print(r.in_time[cols].round(2).to_string(index=False))
     fake_start  pre_rmspe  mean_gap  ratio  actual_ratio
           1980       0.84     -3.37   5.74         12.44
           1985       0.86     -6.13   7.72         12.44
    """
    prob = fitted_problem(result, "placebo_in_time")
    times = prob.times
    pre_times = [t for t in times if t < prob.start]
    if starts is None:
        starts = _default_fake_starts(prob)
    elif np.isscalar(starts):
        starts = [starts]
    starts = list(starts)
    bad = [s for s in starts if s not in set(pre_times) or s == pre_times[0]]
    if bad:
        raise SpecificationError(f"Fake start(s) {bad} must be pre-period dates after the first "
                                 f"period (pre-period: {pre_times[0]} to {pre_times[-1]}).")
    if not starts:
        raise EstimationError("The pre-period is too short for a placebo in time: it needs at "
                              "least two fitting periods before a fake start.")
    pos_real = int(np.searchsorted(times, prob.start))
    rows, paths = [], []
    for s in progress_iter(starts, desc="placebo in time", progress=progress):
        shift = pos_real - int(np.searchsorted(times, s))
        preds = [p.shifted(times, shift) for p in prob.predictors]
        preds = [p for p in preds if p is not None]
        fitp = [t for t in prob.fit_periods if t < s]
        if len(fitp) < 2 or not preds:
            raise EstimationError(f"Fake start {s}: fewer than two fitting periods or no "
                                  "predictor can be measured before it.")
        f = _fit(prob, prob.treated, prob.donors, start=s, preds=preds, fit_periods=fitp)
        gap = f.gap[: pos_real]
        tt = times[: pos_real]
        before, after = tt < s, tt >= s
        pre_r = float(np.sqrt(np.mean(gap[before] ** 2)))
        post_r = float(np.sqrt(np.mean(gap[after] ** 2)))
        rows.append({"fake_start": s, "pre_rmspe": pre_r, "post_rmspe": post_r,
                     "ratio": post_r / pre_r if pre_r > 0 else np.inf,
                     "mean_gap": float(gap[after].mean())})
        paths.append(pd.DataFrame({"fake_start": s, "time": tt, "treated": prob.Y[prob.treated,
                                   : pos_real], "synthetic": f.synthetic[: pos_real],
                                   "gap": gap}))
    table = pd.DataFrame(rows)
    real_ratio = result.post_rmspe / result.pre_rmspe if result.pre_rmspe > 0 else np.inf
    table["actual_ratio"] = real_ratio
    return result.replace(in_time=table, in_time_paths=pd.concat(paths, ignore_index=True))


def leave_one_out(result: Any, *, progress: bool | None = None, min_weight: float = 1e-3) -> Any:
    """Refit dropping, in turn, each donor whose weight exceeds ``min_weight``.

    Parameters
    ----------
    result : SyntheticControlResult
        A fit of :func:`synthetic_control`.
    progress : bool, optional
        Show a progress bar (default: only in a terminal).
    min_weight : float
        Donors with a weight above this are dropped in turn (default 0.001).

    Returns
    -------
    SyntheticControlResult
        A copy of ``result`` with ``loo`` (one row per dropped donor: its weight, the
        estimate and pre-period RMSPE without it, and the change in the estimate) and
        ``loo_paths`` (synthetic paths, long format).

    Raises
    ------
    SpecificationError
        ``result`` not a :func:`synthetic_control` fit.
    EstimationError
        Fewer than three donors (two must remain after dropping one).

    See Also
    --------
    placebo_in_space, placebo_in_time : the other robustness checks.

    Notes
    -----
    The fit is repeated without each donor that carries weight, keeping the predictors
    and predictor weights of the original specification ([1]_). An estimate that moves a
    lot when one donor goes rests on that donor: check that nothing else happened to it.

    References
    ----------
    .. [1] Abadie, A., Diamond, A. and Hainmueller, J. (2015). Comparative politics and
       the synthetic control method. *American Journal of Political Science* 59(2),
       495-510.

    Examples
    --------
    The outcome-only synthetic California: whichever donor is dropped, the estimate
    (-19.5 with all of them) moves by at most 1.6 packs:

    >>> from wsa_eval.datasets import load_prop99
    >>> from wsa_eval.synth import leave_one_out, synthetic_control
    >>> prop99 = load_prop99()
    >>> fit = synthetic_control(prop99, outcome="cigsale", unit="state", time="year",
    ...                         treated="California", start=1989, random_state=0)
    >>> r = leave_one_out(fit)
    >>> tab = r.loo.sort_values("weight", ascending=False)
    >>> print(tab[["dropped", "weight", "estimate"]].round(2).to_string(index=False))
          dropped  weight  estimate
             Utah    0.39    -19.14
          Montana    0.23    -17.97
           Nevada    0.20    -19.17
      Connecticut    0.11    -20.51
    New Hampshire    0.05    -19.78
         Colorado    0.01    -19.60
    """
    prob = fitted_problem(result, "leave_one_out")
    w = result.weights
    drop = [u for u in w.index if w[u] > min_weight]
    if len(prob.donors) - 1 < 2:
        raise EstimationError("Too few donors to leave one out.")
    post = prob.times >= prob.start
    label_row = {prob.units[i]: int(i) for i in prob.donors}
    rows, paths = [], []
    for u in progress_iter(drop, desc="leave one out", progress=progress):
        others = np.array([d for d in prob.donors if d != label_row[u]])
        f = _fit(prob, prob.treated, others)
        rows.append({"dropped": u, "weight": float(w[u]),
                     "estimate": float(f.gap[post].mean()),
                     "pre_rmspe": float(np.sqrt(np.mean(f.gap[~post] ** 2))),
                     "change": float(f.gap[post].mean()) - result.estimate})
        paths.append(pd.DataFrame({"dropped": u, "time": prob.times,
                                   "synthetic": f.synthetic, "gap": f.gap}))
    table = pd.DataFrame(rows, columns=["dropped", "weight", "estimate", "pre_rmspe", "change"])
    lp = pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(
        columns=["dropped", "time", "synthetic", "gap"])
    return result.replace(loo=table, loo_paths=lp)
