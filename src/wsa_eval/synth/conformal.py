"""Conformal inference for synthetic controls (Chernozhukov, Wuthrich & Zhu 2021, JASA).

Under a hypothesised effect path ``theta = (theta_{T0+1}, ..., theta_T)`` (default zero), the
treated unit's untreated outcome is known in every period: ``Y_1t - theta_t``. Fit the
synthetic control on *all* periods with this null imposed (canonical SC: simplex-constrained
least squares of the adjusted treated outcome on the donors' outcomes) and take residuals
``u_t``. If the null holds and the residuals are exchangeable (i.i.d. permutations) or
stationary and weakly dependent (moving-block, i.e. cyclic shifts of time), the test statistic

    S(u) = (T1^(-1/2) * sum_{t > T0} |u_t|^q)^(1/q)

computed on the permuted residuals gives an exact (i.i.d.) or approximately valid
(moving-block) p-value ``p = share of permutations with S(u_pi) >= S(u)``.

Confidence sets come from test inversion over a grid: per post period ``t`` (data: the
pre-period and period ``t`` only, ``T* = 1``) and, for the headline, for a constant effect
over the whole post-period. With moving-block permutations of ``T0 + 1`` periods the smallest
attainable p-value is ``1 / (T0 + 1)``: with few pre-periods a 95% interval can be unbounded,
and the result then says so (infinite limits and a warning) rather than pretending.

One model. The test refits the synthetic control under every null, on all periods, which is
what makes the permutation argument work; CWZ use the canonical (outcome-only) SC for this,
and so does this module. The estimate, the per-period gaps and the intervals of the returned
result all come from that one model: the outcome-only SC fitted on the pre-period (the null
of no effect restricted to the pre-period). The nested-V ADH estimate the call started from
is kept in ``diagnostics["conformal"]["adh_estimate"]`` for comparison; it is not mixed with
the conformal interval. (Re-running the nested V optimisation at every grid point would be
the only way to invert the test for the ADH model itself.)

An accepted set can be empty (every effect size on the grid is rejected, e.g. when the model
cannot fit the pre-period): it is reported as "empty" (NaN limits), never as "unbounded".

Reference: Chernozhukov, V., Wuthrich, K. & Zhu, Y. (2021). An exact and robust conformal
inference method for counterfactual and synthetic controls. JASA 116(536), 1849-1864.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .._compat import renamed_arguments
from .._utils import check_choice, progress_iter, resolve_random_state
from ..errors import InferenceWarning, SpecificationError
from ._qp import simplex_ls

__all__ = ["conformal_inference", "conformal_p_value"]


def _stat(u: np.ndarray, post: np.ndarray, q: float) -> float:
    a = np.abs(u[post])
    return float((np.sum(a ** q) / math.sqrt(post.sum())) ** (1.0 / q))


def _perm_stats(u: np.ndarray, post: np.ndarray, q: float, scheme: str, perms: Any) -> np.ndarray:
    T = u.size
    if scheme == "moving_block":
        # all T cyclic shifts, the identity first
        idx = (np.arange(T)[None, :] + np.arange(T)[:, None]) % T
    else:
        idx = perms
    U = np.abs(u[idx][:, post])
    return (np.sum(U ** q, axis=1) / math.sqrt(post.sum())) ** (1.0 / q)


class _SC:
    """Canonical SC refitted under many nulls that differ only in the treated outcome."""

    def __init__(self, Y0: np.ndarray):
        self.Y0 = Y0
        self.G = Y0.T @ Y0
        self.w = None

    def residuals(self, y: np.ndarray) -> np.ndarray:
        r = simplex_ls(G=self.G, c=self.Y0.T @ y, const=float(y @ y), w0=self.w)
        self.w = r.w
        return y - self.Y0 @ r.w


@renamed_arguments(n_permutations="reps")
def conformal_p_value(y1: np.ndarray, Y0: np.ndarray, post: np.ndarray, theta: Any = 0.0, *,
                      q: float = 1.0, permutations: str = "moving_block",
                      reps: int = 999, rng: np.random.Generator | None = None,
                      _sc: _SC | None = None) -> float:
    """CWZ p-value for ``H0: effect = theta`` in the ``post`` periods (pure numpy).

    ``y1`` (T,), ``Y0`` (T, J), ``post`` boolean (T,); ``theta`` scalar or one value per post
    period.
    """
    y = np.asarray(y1, dtype=float).copy()
    y[post] = y[post] - theta
    sc = _sc or _SC(Y0)
    u = sc.residuals(y)
    s0 = _stat(u, post, q)
    if permutations == "moving_block":
        s = _perm_stats(u, post, q, "moving_block", None)
        return float(np.mean(s >= s0 - 1e-12 * max(s0, 1.0)))
    rng = rng or np.random.default_rng(0)
    perms = np.argsort(rng.random((reps, u.size)), axis=1)
    s = _perm_stats(u, post, q, "iid", perms)
    return float((1 + np.sum(s >= s0 - 1e-12 * max(s0, 1.0))) / (reps + 1))


def _invert(y1, Y0, post, centre, halfwidth, *, n_grid, alpha, q, permutations, reps, rng):
    """Accepted set {theta: p(theta) > alpha} for a constant effect over ``post``.

    Returns ``(low, high, status)``: status "bounded", "unbounded" (an end of the widened
    grid is still accepted: infinite limit) or "empty" (nothing accepted: NaN limits)."""
    sc = _SC(Y0)
    lo_lim, hi_lim = centre - halfwidth, centre + halfwidth
    for _ in range(4):  # widen the grid while its ends are accepted
        grid = np.linspace(lo_lim, hi_lim, n_grid)
        p = np.array([conformal_p_value(y1, Y0, post, th, q=q, permutations=permutations,
                                        reps=reps,
                                        rng=np.random.default_rng(rng.integers(2**32)),
                                        _sc=sc) for th in grid])
        acc = p > alpha
        if not acc.any():
            return math.nan, math.nan, "empty"
        if acc[0] or acc[-1]:
            w = hi_lim - lo_lim
            lo_lim, hi_lim = lo_lim - w, hi_lim + w
            continue
        return float(grid[acc].min()), float(grid[acc].max()), "bounded"
    return (-math.inf if acc[0] else float(grid[acc].min()),
            math.inf if acc[-1] else float(grid[acc].max()), "unbounded")


def _sc_model(y1: np.ndarray, Y0: np.ndarray, post: np.ndarray) -> np.ndarray:
    """The conformal model's donor weights: outcome-only SC fitted on the pre-period (the
    null of no effect where it is known to hold)."""
    return simplex_ls(Y0[~post], y1[~post]).w


def _per_period(y1, Y0, post, gaps, scale, *, alpha, q, permutations, reps, n_grid, rng,
                progress):
    """CWZ per-period tests: data = the pre-period and one post period (T* = 1)."""
    rows = []
    pre_idx = np.flatnonzero(~post)
    for i in progress_iter(list(np.flatnonzero(post)), desc="conformal", progress=progress):
        sel = np.concatenate([pre_idx, [i]])
        pp = np.zeros(sel.size, dtype=bool)
        pp[-1] = True
        p0 = conformal_p_value(y1[sel], Y0[sel], pp, 0.0, q=q, permutations=permutations,
                               reps=reps, rng=rng)
        g = float(gaps[i])
        lo_t, hi_t, status = _invert(y1[sel], Y0[sel], pp, g, 3 * (abs(g) + 3 * scale),
                                     n_grid=n_grid, alpha=alpha, q=q,
                                     permutations=permutations, reps=reps, rng=rng)
        rows.append({"row": i, "estimate": g, "p_value": p0, "ci_low": lo_t,
                     "ci_high": hi_t, "ci_status": status})
    return rows


def _set_messages(status: str, period_status: list[str], T0: int, alpha: float) -> list[str]:
    msgs = []
    if status == "unbounded" or "unbounded" in period_status:
        msgs.append(
            f"Some conformal confidence intervals are unbounded: with {T0} pre-period(s) the "
            f"smallest p-value a single post period can reach is 1/{T0 + 1} = "
            f"{1 / (T0 + 1):.3g}, so no effect size can be rejected at alpha = {alpha:g}. "
            "More pre-periods are needed for informative per-period intervals.")
    if status == "empty" or "empty" in period_status:
        msgs.append(
            "Some conformal confidence sets are empty: every effect size tried was rejected, "
            "i.e. no constant effect makes the post-period residuals look like the "
            "pre-period ones. The synthetic control probably fits the pre-period poorly or "
            "the effect is not constant; read the gaps, not the interval.")
    return msgs


@renamed_arguments(n_permutations="reps")
def conformal_inference(result: Any, *, null: Any = 0.0, permutations: str = "moving_block",
                        q: float = 1.0, reps: int = 999, n_grid: int = 101,
                        per_period: bool = True, alpha: float | None = None,
                        random_state: int | np.random.Generator | None = None,
                        progress: bool | None = None) -> Any:
    """Conformal p-value and confidence intervals for a synthetic-control result.

    Parameters
    ----------
    result : SyntheticControlResult
    null : float or sequence
        Hypothesised effect in each post period (default 0: no effect).
    permutations : {"moving_block", "iid"}
        Cyclic shifts of time (valid under weak dependence; all ``T`` of them) or random
        i.i.d. permutations (exact under exchangeability; ``reps`` draws).
    q : float
        The norm in the test statistic (1 by default, as in CWZ's application).
    reps : int
        Random permutations for ``permutations="iid"`` (formerly ``n_permutations``).
    n_grid : int
        Grid points for test inversion (the grid is widened automatically when its ends
        are accepted).
    per_period : bool
        Also invert the test period by period (pre-period plus that period).
    random_state : int, Generator or None
        Seeds the i.i.d. permutations (the seed used is recorded in ``spec["seed"]``).

    Returns
    -------
    SyntheticControlResult
        From ONE model, the outcome-only synthetic control of CWZ: ``estimate`` and
        ``effects`` (its gaps), ``p_value`` (the test of ``null``), ``ci_low``/``ci_high``
        (the confidence set for a constant post-period effect; NaN when the set is empty),
        per-period p-values and intervals in ``effects`` and ``conformal_table`` (with
        ``ci_status``: "bounded", "unbounded" or "empty").
    """
    import pandas as pd

    check_choice("permutations", permutations, ("moving_block", "iid"))
    if not (q > 0):
        raise SpecificationError(f"q must be positive, not {q!r}.")
    alpha = result.alpha if alpha is None else alpha
    rng, seed = resolve_random_state(random_state)
    prob = result.problem
    times = prob.times
    post = times >= prob.start
    y1 = prob.Y[prob.treated].astype(float)
    Y0 = prob.Y[prob.donors].T.astype(float)
    null_arr = np.broadcast_to(np.asarray(null, dtype=float), (int(post.sum()),)) \
        if np.ndim(null) == 0 else np.asarray(null, dtype=float)
    if null_arr.shape != (int(post.sum()),):
        raise SpecificationError(f"null must be a number or {int(post.sum())} values (one per "
                                 f"post period), not {np.shape(null)}.")
    w = _sc_model(y1, Y0, post)
    synthetic = Y0 @ w
    gaps = y1 - synthetic
    est = float(gaps[post].mean())
    pre_rmspe = float(np.sqrt(np.mean(gaps[~post] ** 2)))
    kw = dict(q=q, permutations=permutations, reps=reps)
    p_joint = conformal_p_value(y1, Y0, post, null_arr, rng=rng, **kw)
    scale = max(pre_rmspe, 1e-8 * max(np.abs(y1).max(), 1.0))
    lo, hi, status = _invert(y1, Y0, post, est, 3 * (abs(est) + 3 * scale), n_grid=n_grid,
                             alpha=alpha, rng=rng, **kw)
    T0 = int((~post).sum())
    eff = result.effects.copy()
    eff["estimate"] = gaps
    eff["synthetic"] = synthetic
    eff[["p_value", "ci_low", "ci_high"]] = np.nan
    rows = _per_period(y1, Y0, post, gaps, scale, alpha=alpha, n_grid=n_grid, rng=rng,
                       progress=progress, **kw) if per_period else []
    for r in rows:
        eff.loc[r["row"], ["p_value", "ci_low", "ci_high"]] = [r["p_value"], r["ci_low"],
                                                               r["ci_high"]]
    table = pd.DataFrame([{"time": times[r.pop("row")], **r} for r in rows],
                         columns=["time", "estimate", "p_value", "ci_low", "ci_high",
                                  "ci_status"])
    smallest = 1.0 / (T0 + 1) if permutations == "moving_block" else 1.0 / (reps + 1)
    new_msgs = _set_messages(status, list(table["ci_status"]), T0, alpha)
    for m in new_msgs:
        warnings.warn(m, InferenceWarning, stacklevel=3)
    words = (f"conformal inference (Chernozhukov, Wuthrich & Zhu 2021) on the outcome-only "
             f"synthetic control, {permutations.replace('_', '-')} permutations, q = {q:g}; "
             f"p-value for the null {'of no effect' if not np.any(null_arr) else 'given'} "
             f"over all {int(post.sum())} post periods; interval for a constant effect by "
             f"test inversion ({status}); smallest attainable per-period p-value "
             f"{smallest:.3g}")
    diag = dict(result.diagnostics)
    diag["conformal"] = {"p_value": p_joint, "permutations": permutations, "q": q,
                         "smallest_per_period_p_value": smallest, "null": null_arr.tolist(),
                         "ci_status": status, "adh_estimate": result.estimate,
                         "adh_weights": result.weights,
                         "model": "outcome-only synthetic control (CWZ)",
                         "pre_rmspe": pre_rmspe, "seed": seed}
    spec = dict(result.spec)
    spec["conformal"] = {"permutations": permutations, "q": q, "reps": reps,
                         "n_grid": n_grid, "per_period": per_period, "seed": seed}
    path = result.path.assign(synthetic=synthetic, gap=gaps)
    return result.replace(
        method="Synthetic control, outcome-only (the model of the conformal test, "
               "Chernozhukov, Wuthrich & Zhu 2021)",
        weights=pd.Series(w, index=result.weights.index, name="weight"), path=path,
        pre_rmspe=pre_rmspe, post_rmspe=float(np.sqrt(np.mean(gaps[post] ** 2))),
        estimate=est, p_value=p_joint, ci_low=lo, ci_high=hi, inference=words, effects=eff,
        conformal_table=table, diagnostics=diag, warnings=tuple(result.warnings) + tuple(
            new_msgs), alpha=alpha, spec=spec,
        estimand=f"mean post-period gap in {prob.outcome} (treated minus the outcome-only "
                 "synthetic control of the conformal test)")
