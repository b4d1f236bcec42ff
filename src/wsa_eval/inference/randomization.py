"""Randomization (permutation) inference for DiD with one or a few treated areas.

References
----------
* Fisher (1935); Abadie, Diamond & Hainmueller (2010) for placebo-in-space inference with
  one treated unit.
* MacKinnon & Webb (2020), "Randomization inference for difference-in-differences with few
  treated clusters", Journal of Econometrics 218(2): RI on the coefficient ("RI-beta") and
  on the cluster-robust t-statistic ("RI-t"), and when each holds its size.
* Conley & Taber (2011) for the related residual-based approach (see ``conley_taber``).

The treatment is reassigned, with the same start period, to every other set of the same
number of units (all sets when there are few, otherwise random draws). The statistic is
recomputed for each reassignment; the p-value is the share of reassignments (the actual one
included) whose statistic is at least as extreme as the observed one. With one treated unit
and J comparison units the p-value is a multiple of ``1 / (J + 1)``, and that is also the
smallest p-value the method can give: with J = 41 areas it is about 0.024.

Assumptions: under the null of no effect for any unit, the assignment of the scheme to the
area(s) is as good as random among the areas in the pool (exchangeability); areas whose
outcome paths are much noisier than the treated one (e.g. small areas) make "did" RI
unreliable, and the t-statistic version ("t") is then preferred (MacKinnon & Webb 2020).
The interval inverts the test under a constant additive effect in every treated period.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import field
from itertools import combinations
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._compat import renamed_arguments
from .._utils import (
    as_generator,
    check_alpha,
    check_choice,
    hash_frame,
    progress_iter,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import EstimationError, InferenceWarning, SpecificationError, format_examples
from ..panel import validate_panel
from ..results import EffectResult, make_spec, result_dataclass, tidy_frame
from ._fe import balanced_matrix

__all__ = ["RandomizationResult", "randomization_inference", "randomization_test",
           "did_statistic", "t_statistic", "assignments", "panel_setup"]

Statistic = Callable[[np.ndarray, np.ndarray, np.ndarray], float]


# -- built-in statistics, vectorised over assignments --------------------------------------

def did_statistic(Y: np.ndarray, Z: np.ndarray, post: np.ndarray) -> np.ndarray:
    """DiD estimate for each assignment row of ``Z`` (B x N, 0/1), ``Y`` N x T, ``post`` T.

    Mean post-minus-pre change of the assigned units minus that of the others; in a balanced
    panel with a common start this equals the TWFE coefficient.
    """
    Z = np.atleast_2d(Z).astype(float)
    delta = Y[:, post].mean(axis=1) - Y[:, ~post].mean(axis=1)
    k = Z.sum(axis=1)
    return Z @ delta / k - (1 - Z) @ delta / (Z.shape[1] - k)


def t_statistic(Y: np.ndarray, Z: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Cluster-robust (by unit, CRV1 with G/(G-1)) t-statistic of the TWFE coefficient."""
    Z = np.atleast_2d(Z).astype(float)
    N = Y.shape[0]
    Yd = Y - Y.mean(axis=1, keepdims=True) - Y.mean(axis=0, keepdims=True) + Y.mean()
    pc = post.astype(float) - post.mean()
    sp = float(pc @ pc)
    h = Yd @ pc  # N
    dc = Z - Z.mean(axis=1, keepdims=True)  # B x N
    sd = np.einsum("bn,bn->b", dc, dc)
    beta = dc @ h / (sd * sp)
    score = dc * (h[None, :] - beta[:, None] * dc * sp)
    var = N / (N - 1) * np.einsum("bn,bn->b", score, score) / (sd * sp) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return beta / np.sqrt(var)


_BUILTIN: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "did": did_statistic, "t": t_statistic}


def assignments(
    n_units: int, treated_idx: np.ndarray, reps: int, rng: np.random.Generator
) -> tuple[np.ndarray, bool]:
    """0/1 assignment matrix (first row = the actual one) and whether all were enumerated
    (when there are at most ``reps + 1``; otherwise ``reps`` random ones)."""
    k = len(treated_idx)
    actual = np.zeros(n_units)
    actual[treated_idx] = 1.0
    if math.comb(n_units, k) <= reps + 1:
        Z = np.zeros((math.comb(n_units, k), n_units))
        for r, c in enumerate(combinations(range(n_units), k)):
            Z[r, list(c)] = 1.0
        is_actual = (Z == actual).all(axis=1)
        Z = np.vstack([actual, Z[~is_actual]])
        return Z, True
    Z = np.zeros((reps + 1, n_units))
    Z[0] = actual
    for b in range(1, reps + 1):
        Z[b, rng.choice(n_units, size=k, replace=False)] = 1.0
    return Z, False


def _pvalue(stats: np.ndarray, alternative: str) -> float:
    s0 = stats[0]
    tol = 1e-10 * max(1.0, float(np.nanmax(np.abs(stats))))
    if alternative == "two-sided":
        ext = np.abs(stats) >= abs(s0) - tol
    elif alternative == "less":
        ext = stats <= s0 + tol
    else:
        ext = stats >= s0 - tol
    ok = np.isfinite(stats)
    return float(np.sum(ext & ok) / np.sum(ok))


@renamed_arguments(max_draws="reps")
def randomization_test(
    Y: np.ndarray,
    post: np.ndarray,
    treated_idx: Any,
    *,
    statistic: str | Statistic = "did",
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    reps: int = 9999,
    alpha: float = 0.05,
    ci: bool = True,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    labels: Any = None,
) -> dict[str, Any]:
    """Pure-array core: ``Y`` (units x periods), ``post`` (periods, bool), treated rows.

    ``statistic`` is "did", "t" or a callable ``f(Y, treated_mask, post_mask) -> float``.
    Returns a dict with ``estimate``, ``p_value``, ``ci_low``, ``ci_high``, ``stats``
    (first = observed), ``Z`` (assignments), ``enumerated``, ``min_p_value`` and
    ``nonfinite`` (rows of ``Z`` whose statistic is not finite). Those reassignments are
    left out of the p-value with an :class:`InferenceWarning` naming them (by ``labels``,
    the units' names, when given; else by row number).
    """
    Y = np.asarray(Y, dtype=float)
    post = np.asarray(post, dtype=bool)
    treated_idx = np.atleast_1d(np.asarray(treated_idx, dtype=np.intp))
    N = Y.shape[0]
    if N - len(treated_idx) < 2:
        raise EstimationError(
            f"Randomization inference needs at least 2 comparison units; there are "
            f"{N - len(treated_idx)}.")
    if post.all() or not post.any():
        raise SpecificationError("Need at least one period before and one after the start.")
    check_choice("alternative", alternative, ("two-sided", "less", "greater"))
    alpha = check_alpha(alpha)
    rng = as_generator(random_state)
    Z, enumerated = assignments(N, treated_idx, int(reps), rng)

    if callable(statistic):
        fn = statistic

        def stat_fn(Ym: np.ndarray) -> np.ndarray:
            out = np.empty(Z.shape[0])
            for b in progress_iter(range(Z.shape[0]), total=Z.shape[0],
                                   desc="randomization", progress=progress):
                out[b] = float(fn(Ym, Z[b].astype(bool), post))
            return out
    else:
        check_choice("statistic", statistic, tuple(_BUILTIN))
        vec = _BUILTIN[statistic]

        def stat_fn(Ym: np.ndarray) -> np.ndarray:
            return vec(Ym, Z, post)

    stats = stat_fn(Y)
    if not np.isfinite(stats[0]):
        raise EstimationError("The statistic is not finite for the actual assignment.")
    nonfinite = np.flatnonzero(~np.isfinite(stats))
    if len(nonfinite):
        _warn_nonfinite(Z, nonfinite, labels)
    p = _pvalue(stats, alternative)
    n_assign = int(np.isfinite(stats).sum())
    est = float(did_statistic(Y, Z[:1], post)[0])
    lo = hi = math.nan
    if ci:
        D = np.outer(Z[0], post.astype(float))
        if statistic == "did":
            s_y, s_d = stats, did_statistic(D, Z, post)

            def pfun(tau: float) -> float:
                return _pvalue(s_y - tau * s_d, "two-sided")
        else:
            def pfun(tau: float) -> float:
                return _pvalue(stat_fn(Y - tau * D), "two-sided")
        scale = float(np.nanstd(did_statistic(Y, Z, post))) or 1.0
        if 1.0 / n_assign > alpha:
            lo, hi = -math.inf, math.inf
        else:
            from .wild import _invert

            lo, hi = _invert(pfun, est, scale, alpha, progress=False)
    return {"estimate": est, "p_value": p, "ci_low": lo, "ci_high": hi, "stats": stats,
            "Z": Z, "enumerated": enumerated, "min_p_value": 1.0 / n_assign,
            "n_assignments": n_assign, "nonfinite": nonfinite}


def _warn_nonfinite(Z: np.ndarray, rows: np.ndarray, labels: Any) -> None:
    """Say which reassignments gave a non-finite statistic (they leave the p-value)."""
    def name(b: int) -> str:
        idx = np.flatnonzero(Z[b] > 0)
        return "+".join(str(labels[i]) for i in idx) if labels is not None else f"row {b}"

    shown = format_examples([name(int(b)) for b in rows], 5)
    warnings.warn(
        f"{len(rows)} of {Z.shape[0]} reassignments give a statistic that is not finite "
        f"(treating {shown}); they are left out, so the p-value is computed over the other "
        f"{Z.shape[0] - len(rows)}. Check those units' outcomes (constant or missing "
        "values make a t-statistic undefined).", InferenceWarning, stacklevel=4)


# -- panel wrapper --------------------------------------------------------------------------

@result_dataclass
class RandomizationResult(EffectResult):
    """DiD estimate with a randomization (placebo-in-space) p-value and interval.

    ``placebo`` lists each reassignment (the treated unit(s) it uses) and its statistic;
    the first row is the actual assignment.
    """

    placebo: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_p_value: float = math.nan

    _plot_kinds: ClassVar[dict[str, str]] = {
        "effects": "wsa_eval.plotting:effects_plot",
        "placebo": "wsa_eval.plotting.honest:placebo_plot"}


def panel_setup(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, treated: Any,
    start: Any, exclude: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[Any]]:
    """Validate; return (units, times, Y, post, treated row indices, treated labels).

    Shared by randomization inference and Conley-Taber.
    """
    require_frame(data)
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    if treated is None:
        raise SpecificationError("treated= is required (the treated area label(s)).")
    if isinstance(start, dict):
        raise SpecificationError("Give one common start period (a number), not a dict.")
    tu = [treated] if np.isscalar(treated) else list(treated)
    if len(tu) == 0:
        raise SpecificationError("treated= is empty.")
    present = set(pd.unique(data[unit]))
    missing = [u for u in tu if u not in present]
    if missing:
        raise SpecificationError(
            f"Treated unit(s) {format_examples(missing)} do not appear in the {unit!r} column. "
            f"Units in the data include {format_examples(sorted(map(str, present)), 8)}.")
    df = data
    if exclude is not None:
        ex = [exclude] if np.isscalar(exclude) else list(exclude)
        clash = [u for u in ex if u in tu]
        if clash:
            raise SpecificationError(
                f"Unit(s) {format_examples(clash)} are both treated and excluded.")
        df = data.loc[~data[unit].isin(ex)]
    times_all = np.sort(pd.unique(df[time].dropna()))
    try:
        start_f = float(start)
    except (TypeError, ValueError) as exc:
        raise SpecificationError(f"start={start!r} must be a period number.") from exc
    if not (len(times_all) and times_all[0] < start_f <= times_all[-1]):
        lo_t = times_all[0] if len(times_all) else "?"
        hi_t = times_all[-1] if len(times_all) else "?"
        raise SpecificationError(
            f"start={start!r} must be after the first period ({lo_t}) and no later than the "
            f"last ({hi_t}), so that there are periods both before and after it.")
    rep = validate_panel(df, unit=unit, time=time, outcome=outcome, treated=tu,
                         start=start, balanced=True)
    clean = rep.data
    units, times, Y = balanced_matrix(clean, unit, time, outcome)
    post = times.astype(float) >= start_f
    idx = np.array([int(np.flatnonzero(units == u)[0]) for u in tu])
    return units, times, Y, post, idx, tu


@renamed_arguments(treated_units="treated", max_draws="reps")
def randomization_inference(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    statistic: str | Statistic = "did",
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    exclude: Any = None,
    reps: int = 9999,
    alpha: float = 0.05,
    ci: bool = True,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
) -> RandomizationResult:
    """Randomization inference for a DiD with one or a few treated areas.

    Parameters
    ----------
    data : DataFrame
        Balanced panel, one row per unit and period. Never modified.
    outcome, unit, time : str
        Column names.
    treated : label or list of labels
        The treated unit(s); all start in the same period ``start`` (``treated_units`` is
        the old name).
    start : number
        First treated period.
    statistic : {"did", "t"} or callable
        "did" (default): the DiD / TWFE coefficient; "t": its cluster-robust t-statistic
        (MacKinnon & Webb 2020's RI-t, more robust when units differ in noise); or a
        callable ``f(Y, treated_mask, post_mask) -> float`` on the units x periods matrix.
    alternative : {"two-sided", "less", "greater"}
        Direction of the test ("less": evidence of a reduction).
    exclude : label or list, optional
        Units to drop from the comparison pool (e.g. areas with their own scheme).
    reps : int
        All reassignments are used when there are at most ``reps + 1``; otherwise ``reps``
        random ones (p-value ``(1 + count) / (reps + 1)``). ``max_draws`` is the old name.
        Reassignments whose statistic is not finite are left out with a warning naming
        them.
    alpha : float
        Level of the interval (two-sided, whatever ``alternative``; test inversion under a
        constant additive effect).
    ci : bool
        Compute the interval.
    random_state, progress
        Seed or Generator (used only for random draws); progress bar for callables.

    Returns
    -------
    RandomizationResult
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated,
                start=start, statistic=statistic if isinstance(statistic, str) else "callable",
                alternative=alternative, exclude=exclude, reps=reps, alpha=alpha, ci=ci)
    units, times, Y, post, idx, tu = panel_setup(
        data, outcome=outcome, unit=unit, time=time, treated=treated,
        start=start, exclude=exclude)
    rng, seed = resolve_random_state(random_state)
    out = randomization_test(Y, post, idx, statistic=statistic, alternative=alternative,
                             reps=reps, alpha=alpha, ci=ci,
                             random_state=rng, progress=progress, labels=units)
    J = len(units) - len(tu)
    warns = []
    if out["min_p_value"] > alpha:
        warns.append(
            f"With {J} comparison units the smallest p-value this test can give is "
            f"{out['min_p_value']:.3g}, above alpha = {alpha:g}: it cannot show an effect at "
            "that level, whatever the data; the interval is unbounded.")
    elif ci and not (math.isfinite(out["ci_low"]) and math.isfinite(out["ci_high"])):
        warns.append("The randomization interval is unbounded on at least one side.")
    for w in warns:
        warnings.warn(w, InferenceWarning, stacklevel=3)
    Z = out["Z"]
    labels = [", ".join(map(str, units[Z[b] > 0])) for b in range(Z.shape[0])]
    placebo = pd.DataFrame({"assigned": labels, "statistic": out["stats"],
                            "actual": np.arange(Z.shape[0]) == 0})
    sname = statistic if isinstance(statistic, str) else "user statistic"
    how = ("all " + str(out["n_assignments"]) + " reassignments" if out["enumerated"]
           else f"{Z.shape[0] - 1} random reassignments plus the actual one")
    inference = (f"randomization inference ({sname} statistic, {alternative}) reassigning "
                 f"treatment across {len(units)} units, {how}; smallest attainable p-value "
                 f"{out['min_p_value']:.3g}; interval by test inversion under a constant "
                 "effect")
    eff = tidy_frame(["post-period DiD"], [out["estimate"]], alpha=alpha,
                     p_values=[out["p_value"]],
                     ci=(np.array([out["ci_low"]]), np.array([out["ci_high"]])))
    return RandomizationResult(
        method="DiD with randomization inference (MacKinnon & Webb 2020)",
        estimate=out["estimate"], ci_low=out["ci_low"], ci_high=out["ci_high"],
        p_value=out["p_value"], alpha=alpha, inference=inference,
        estimand="average post-period effect on the treated (DiD)", effects=eff,
        n_obs=int(Y.size), n_units=len(units), n_treated=len(tu),
        spec=make_spec("randomization_inference", args, data_hash=hash_frame(data),
                       seed=seed),
        diagnostics={"min_p_value": out["min_p_value"], "n_assignments": out["n_assignments"],
                     "enumerated": out["enumerated"], "n_controls": J,
                     "n_nonfinite": int(len(out["nonfinite"])),
                     "statistic": sname},
        warnings=tuple(warns), placebo=placebo, min_p_value=out["min_p_value"],
    )
