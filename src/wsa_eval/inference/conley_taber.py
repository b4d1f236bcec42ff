"""Conley & Taber (2011) confidence intervals for DiD with few treated groups.

Reference: Conley & Taber (2011), "Inference with 'difference in differences' with a small
number of policy changes", Review of Economics and Statistics 93(1), 113-125.

Model: ``Y_jt = alpha D_jt + theta_j + gamma_t + eta_jt`` with a few treated groups and many
controls. As the number of controls grows with T fixed, the DiD estimate satisfies
``alpha_hat - alpha -> W``, where W depends only on the treated groups' errors: for one
treated group with a common start, ``W = mean_post(eta_1) - mean_pre(eta_1)``. Since the
treated group's errors have the same distribution as the controls', the distribution of W is
estimated from the controls' residuals ``eta_hat_jt`` (two-way fixed effects fitted on the
controls only): ``W_j = mean_post(eta_hat_j) - mean_pre(eta_hat_j)`` for each control j.
With k treated groups, W is the mean of k such terms (all k-tuples of controls with
replacement when few, otherwise random draws). The interval is
``[alpha_hat - q(1 - a/2), alpha_hat - q(a/2)]`` with q the quantiles of the W's, taken as
order statistics so that coverage is at least ``1 - a`` on the empirical distribution.

Assumptions (state them in a report):
* errors are independent across groups and identically distributed across groups (in
  particular, the same variance for the treated area as for the controls: areas of very
  different sizes break this; Conley & Taber discuss a population-weighted extension, not
  implemented here);
* treatment is unrelated to the errors (exogenous adoption), constant effect alpha;
* many control groups: with J controls the interval uses order statistics of J values, so
  with fewer than about ``2 / alpha - 1`` controls it is unbounded.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import field
from itertools import product
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._compat import renamed_arguments
from .._utils import as_generator, check_alpha, hash_frame, resolve_random_state
from ..errors import InferenceWarning
from ..results import EffectResult, make_spec, result_dataclass, tidy_frame
from .randomization import panel_setup

__all__ = ["ConleyTaberResult", "conley_taber", "conley_taber_arrays"]


@renamed_arguments(max_draws="reps")
def conley_taber_arrays(
    Y: np.ndarray,
    post: np.ndarray,
    treated_idx: Any,
    *,
    alpha: float = 0.05,
    reps: int = 9999,
    random_state: int | np.random.Generator | None = None,
) -> dict[str, Any]:
    """Pure-array core: ``Y`` units x periods (balanced), ``post`` bool, treated rows."""
    Y = np.asarray(Y, dtype=float)
    post = np.asarray(post, dtype=bool)
    tr = np.zeros(Y.shape[0], dtype=bool)
    tr[np.atleast_1d(treated_idx)] = True
    k = int(tr.sum())
    Yc = Y[~tr]
    J = Yc.shape[0]
    # controls-only two-way FE residuals
    eta = Yc - Yc.mean(axis=1, keepdims=True) - Yc.mean(axis=0, keepdims=True) + Yc.mean()
    Wj = eta[:, post].mean(axis=1) - eta[:, ~post].mean(axis=1)
    delta = Y[:, post].mean(axis=1) - Y[:, ~post].mean(axis=1)
    est = float(delta[tr].mean() - delta[~tr].mean())
    if k == 1:
        W, enumerated = Wj.copy(), True
    elif J**k <= reps:
        W = np.array([np.mean(c) for c in product(Wj, repeat=k)])
        enumerated = True
    else:
        rng = as_generator(random_state)
        W = Wj[rng.integers(0, J, size=(reps, k))].mean(axis=1)
        enumerated = False
    n = len(W)
    Ws = np.sort(W)
    r = int(math.floor(alpha / 2 * (n + 1)))
    if r < 1:
        lo, hi = -math.inf, math.inf
    else:
        lo, hi = est - Ws[n - r], est - Ws[r - 1]
    p_hi = (1 + np.sum(W >= est)) / (n + 1)
    p_lo = (1 + np.sum(W <= est)) / (n + 1)
    p = float(min(1.0, 2 * min(p_hi, p_lo)))
    return {"estimate": est, "ci_low": float(lo), "ci_high": float(hi), "p_value": p,
            "W": W, "W_controls": Wj, "enumerated": enumerated, "n_controls": J}


@result_dataclass
class ConleyTaberResult(EffectResult):
    """DiD estimate with a Conley-Taber interval; ``W`` holds the simulated error terms."""

    W: np.ndarray = field(default_factory=lambda: np.array([]))

    _plot_kinds: ClassVar[dict[str, str]] = {
        "effects": "wsa_eval.plotting:effects_plot",
        "placebo": "wsa_eval.plotting.honest:placebo_plot"}


@renamed_arguments(treated_units="treated", max_draws="reps")
def conley_taber(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    alpha: float = 0.05,
    exclude: Any = None,
    reps: int = 9999,
    random_state: int | np.random.Generator | None = None,
) -> ConleyTaberResult:
    """Conley & Taber (2011) interval for a DiD with one or a few treated units.

    Parameters
    ----------
    data : DataFrame
        Balanced panel (never modified).
    outcome, unit, time : str
        Column names.
    treated : label or list
        Treated unit(s), all starting in ``start``.
    start : number
        First treated period.
    alpha : float
        1 - coverage of the interval.
    exclude : label or list, optional
        Units to leave out of the comparison pool.
    reps, random_state
        With several treated units, the number of simulated W's when not all k-tuples of
        controls are enumerated (``max_draws`` is the old name), and the seed.

    Returns
    -------
    ConleyTaberResult
    """
    alpha = check_alpha(alpha)
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated,
                start=start, alpha=alpha, exclude=exclude, reps=reps)
    units, times, Y, post, idx, tu = panel_setup(
        data, outcome=outcome, unit=unit, time=time, treated=treated,
        start=start, exclude=exclude)
    rng, seed = resolve_random_state(random_state)
    out = conley_taber_arrays(Y, post, idx, alpha=alpha, reps=reps,
                              random_state=rng)
    warns = []
    if not (math.isfinite(out["ci_low"]) and math.isfinite(out["ci_high"])):
        warns.append(f"With {out['n_controls']} comparison units the Conley-Taber interval at "
                     f"level {1 - alpha:.0%} is unbounded (too few controls to estimate the "
                     "tails of the treated area's error).")
    if out["n_controls"] < 20:
        warns.append(f"Only {out['n_controls']} comparison units: Conley-Taber intervals rely "
                     "on many controls and may be inaccurate.")
    for w in warns:
        warnings.warn(w, InferenceWarning, stacklevel=3)
    inference = (f"Conley-Taber (2011) interval from the distribution of the treated error "
                 f"term estimated with {out['n_controls']} comparison units' residuals "
                 "(assumes errors identically distributed across areas); equal-tailed p-value")
    eff = tidy_frame(["post-period DiD"], [out["estimate"]], alpha=alpha,
                     p_values=[out["p_value"]],
                     ci=(np.array([out["ci_low"]]), np.array([out["ci_high"]])))
    return ConleyTaberResult(
        method="DiD with Conley-Taber (2011) inference",
        estimate=out["estimate"], ci_low=out["ci_low"], ci_high=out["ci_high"],
        p_value=out["p_value"], alpha=alpha, inference=inference,
        estimand="average post-period effect on the treated (DiD)", effects=eff,
        n_obs=int(Y.size), n_units=len(units), n_treated=len(tu),
        spec=make_spec("conley_taber", args, data_hash=hash_frame(data),
                       seed=seed),
        diagnostics={"n_controls": out["n_controls"], "enumerated": out["enumerated"],
                     "n_W": int(len(out["W"]))},
        warnings=tuple(warns), W=out["W"],
    )
