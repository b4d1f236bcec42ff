"""Rambachan & Roth (2023) sensitivity analysis for event studies ("HonestDiD").

References
----------
* Rambachan & Roth (2023), "A more credible approach to parallel trends", Review of
  Economic Studies 90(5), 2555-2591.
* Andrews, Roth & Pakes (2023), "Inference for linear conditional moment inequalities",
  Review of Economic Studies 90(6): the conditional and hybrid (conditional-least-favourable)
  tests used for relative magnitudes.
* Armstrong & Kolesar (2018, Econometrica) for fixed-length confidence intervals (FLCI),
  used for smoothness restrictions.

Set-up. ``betahat = (beta_pre, beta_post)`` are event-study coefficients (the reference
period, usually -1, omitted) with covariance ``sigma``; ``beta = tau + delta`` where
``delta`` is the difference in trends (``tau_pre = 0``). The target is
``theta = l' tau_post`` (default: the first post period). Instead of assuming
``delta_post = 0`` (parallel trends), ``delta`` is restricted to a set:

* ``method="relative_magnitudes"`` (Delta^RM(Mbar)): every post-period change
  ``|delta_{t+1} - delta_t|`` is at most ``Mbar`` times the largest pre-period change.
  Confidence sets invert the ARP hybrid test (least-favourable first stage at level
  ``alpha / 10``, then the conditional test), one polyhedron per location and sign of the
  largest pre-period change, united; as in the R package, only the moments that involve
  post-period coefficients enter the test.
* ``method="smoothness"`` (Delta^SD(M)): the slope of ``delta`` changes by at most ``M``
  between consecutive periods (``M = 0``: linear trends only). Confidence intervals are the
  optimal fixed-length intervals ``l'beta_post - w'beta_pre +/- chi``, with ``w`` chosen to
  minimise the half-length ``chi = sd * cv_alpha(max bias / sd)`` (the worst-case bias over
  Delta^SD(M) is ``M * ||mu(w)||_1``, computed exactly by linear-programming duality).

Assumptions: ``betahat`` is approximately normal with known covariance ``sigma`` (so at
least moderately many clusters behind ``sigma``; with one treated area the covariance
itself is unreliable: read the results as a sensitivity check, not as exact inference),
and the chosen restriction holds. Differences from the R package: the least-favourable
critical value is simulated with our own random draws (seeded), the FLCI uses the exact
folded-normal quantile and a continuous search rather than a grid, and the boundaries of
the relative-magnitudes set are refined by bisection rather than read off a grid.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import renamed_arguments
from .._utils import check_alpha, check_choice, resolve_random_state
from ..errors import ConvergenceWarning, EstimationError, InferenceWarning, SpecificationError
from ..results import Result, make_spec, result_dataclass
from ._honest_rm import _a_rm, _Dual, _rm_poly_accept, ci_rm  # noqa: F401 - re-exported
from ._honest_sd import _cv_folded, _second_diff, flci_sd, original_ci  # noqa: F401

__all__ = ["HonestResult", "honest_did", "original_ci", "flci_sd", "ci_rm"]


# -- result and user-facing function ---------------------------------------------------------

@result_dataclass
class HonestResult(Result):
    """Robust confidence sets over a grid of M (or Mbar), with the breakdown value."""

    robust: pd.DataFrame
    original: dict[str, float] = field(default_factory=dict)
    breakdown: float = math.nan
    restriction: str = ""
    alpha: float = 0.05
    l_vec: tuple[float, ...] = ()

    _plot_kinds: ClassVar[dict[str, str]] = {
        "sensitivity": "wsa_eval.plotting.honest:sensitivity_plot"}
    _default_plot: ClassVar[str | None] = "sensitivity"

    def to_frame(self) -> pd.DataFrame:
        """Columns ``M, ci_low, ci_high, method`` (plus ``restriction``)."""
        return self.robust.copy()

    def _summary_header(self) -> list[tuple[str, Any]]:
        o = self.original
        name = "Mbar" if self.restriction == "relative_magnitudes" else "M"
        return [("Restriction", self.restriction), ("Target (l_vec)", str(list(self.l_vec))),
                ("Estimate", o.get("estimate", math.nan)),
                (f"{100 * (1 - self.alpha):.0f}% CI under parallel trends",
                 f"[{o.get('ci_low', math.nan):.4g}, {o.get('ci_high', math.nan):.4g}]"),
                (f"Breakdown {name}", self.breakdown)]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Robust confidence sets", self.to_frame())]

    def interpret(self) -> str:
        name = "Mbar" if self.restriction == "relative_magnitudes" else "M"
        o = self.original
        sig = o.get("ci_low", 0) > 0 or o.get("ci_high", 0) < 0
        if not sig:
            return ("inconclusive: not enough evidence either way. Even under exact parallel "
                    "trends the interval includes zero, so allowing for violations cannot "
                    "make the conclusion firmer.")
        if math.isnan(self.breakdown):
            return (f"The effect is significant under parallel trends, but not once any "
                    f"violation on the grid is allowed (smallest {name} tried): the "
                    "conclusion rests fully on parallel trends.")
        what = ("post-period changes in the trend difference up to "
                f"{self.breakdown:.3g} times the largest pre-period change"
                if self.restriction == "relative_magnitudes" else
                f"the slope of the trend difference changing by up to {self.breakdown:.3g} "
                "per period")
        if self.diagnostics.get("breakdown_beyond_grid"):
            return (f"The conclusion (the interval excludes zero) survives every value tried, "
                    f"up to {what}; the breakdown value is at least {name} = "
                    f"{self.breakdown:.3g}.")
        return (f"The conclusion (the interval excludes zero) survives {what} (breakdown "
                f"value {name} = {self.breakdown:.3g}), and not beyond.")


def _parse_input(obj: Any, num_pre: int | None, num_post: int | None):
    if isinstance(obj, tuple):
        if len(obj) == 4:
            b, S, num_pre, num_post = obj
        elif len(obj) == 2:
            b, S = obj
        else:
            raise SpecificationError("Pass (betahat, sigma, num_pre, num_post) or a result.")
        b = np.asarray(b, dtype=float).ravel()
        S = np.asarray(S, dtype=float)
        labels = None
    else:
        eff = obj.to_frame() if hasattr(obj, "to_frame") else getattr(obj, "effects", None)
        if eff is None or "event_time" not in eff.columns:
            raise SpecificationError("The result needs an effects table with event_time.")
        V = getattr(obj, "vcov", None)
        if V is None and hasattr(obj, "diagnostics"):
            V = obj.diagnostics.get("vcov")
        if V is None:
            raise SpecificationError("The result has no covariance matrix (vcov).")
        et = eff["event_time"].to_numpy(dtype=float)
        order = np.argsort(et, kind="stable")
        b = eff["estimate"].to_numpy(dtype=float)[order]
        S = np.asarray(V, dtype=float)[np.ix_(order, order)]
        et = et[order]
        num_pre, num_post = int((et < 0).sum()), int((et >= 0).sum())
        labels = et
    if num_pre is None or num_post is None:
        raise SpecificationError("num_pre and num_post are required with (betahat, sigma).")
    num_pre, num_post = int(num_pre), int(num_post)
    if num_pre < 1 or num_post < 1:
        raise SpecificationError("Need at least one pre-period and one post-period "
                                 "coefficient.")
    if len(b) != num_pre + num_post or S.shape != (len(b), len(b)):
        raise SpecificationError(
            f"betahat has {len(b)} entries and sigma is {S.shape}; expected "
            f"num_pre + num_post = {num_pre + num_post}.")
    if not (np.isfinite(b).all() and np.isfinite(S).all()):
        raise EstimationError("betahat or sigma is not finite.")
    if np.linalg.eigvalsh((S + S.T) / 2).min() < -1e-10 * max(1.0, np.abs(S).max()):
        raise SpecificationError("sigma is not positive semi-definite.")
    return b, (S + S.T) / 2, num_pre, num_post, labels


@renamed_arguments(sims="reps")
def honest_did(
    result: Any,
    *,
    method: Literal["relative_magnitudes", "smoothness"] = "relative_magnitudes",
    M: Any = None,
    l_vec: Any = None,
    alpha: float = 0.05,
    num_pre: int | None = None,
    num_post: int | None = None,
    grid_points: int = 400,
    grid_width: float = 20.0,
    reps: int = 10000,
    random_state: int | np.random.Generator | None = None,
    breakdown: Literal["grid", "refine"] = "grid",
) -> HonestResult:
    """Rambachan-Roth robust confidence sets over a grid of M (smoothness) or Mbar (RM).

    Parameters
    ----------
    result : event-study result or tuple
        A result whose effects table has ``event_time`` and ``estimate`` (negative event
        times = pre-periods; the reference period omitted) and a ``vcov`` aligned with its
        rows; or ``(betahat, sigma, num_pre, num_post)`` with pre-periods first.
    method : {"relative_magnitudes", "smoothness"}
    M : sequence of float, optional
        Grid of Mbar (default 0, 0.5, ..., 2) or of M (default: 10 values from 0 to an upper
        bound for the largest pre-period second difference).
    l_vec : array, optional
        Weights on the post-period effects (default: the first post period).
    alpha : float
    grid_points, grid_width
        Relative magnitudes: theta grid of ``grid_points`` points over ``estimate +/-
        grid_width * sd(estimate)``; boundaries are then refined by bisection.
    reps, random_state
        Draws for the least-favourable critical value of the hybrid test (the R package
        uses 1000; more draws make the interval endpoints less noisy), and their seed
        (None: a seed is drawn and recorded in ``spec["seed"]``). ``sims`` is the old name
        of ``reps``.
    breakdown : {"grid", "refine"}
        The breakdown value is the largest M on the grid whose interval excludes zero
        ("grid", as the R package reports it), or that value refined by bisection between
        it and the next grid value ("refine", 12 extra interval computations).

    Returns
    -------
    HonestResult
    """
    check_choice("method", method, ("relative_magnitudes", "smoothness"))
    alpha = check_alpha(alpha)
    b, S, num_pre, num_post, _ = _parse_input(result, num_pre, num_post)
    lv = (np.eye(num_post)[0] if l_vec is None else np.asarray(l_vec, dtype=float).ravel())
    if len(lv) != num_post:
        raise SpecificationError(f"l_vec has {len(lv)} entries; there are {num_post} "
                                 "post-period coefficients.")
    if not np.any(lv):
        raise SpecificationError("l_vec must not be all zeros.")
    est, se, olo, ohi = original_ci(b, S, num_pre, lv, alpha)
    check_choice("breakdown", breakdown, ("grid", "refine"))
    warns: list[str] = []
    seed_record = None
    if method == "smoothness":
        M = _default_m_sd(b, S, num_pre, alpha) if M is None else M

        def solve(m: float) -> dict[str, Any]:
            r = flci_sd(b, S, num_pre, num_post, lv, m, alpha)
            _convergence(r, f"M = {m:g}", warns)
            return r
        kind = ("FLCI", "DeltaSD")
    else:
        M = np.arange(0, 2.01, 0.5) if M is None else M
        grid = np.linspace(est - grid_width * se, est + grid_width * se, int(grid_points))
        gen, seed_record = resolve_random_state(random_state)
        seed = None if isinstance(random_state, np.random.Generator) else int(seed_record)

        def solve(m: float) -> dict[str, Any]:
            return ci_rm(b, S, num_pre, num_post, lv, m, alpha, grid=grid, sims=reps,
                         random_state=seed if seed is not None else gen)
        kind = ("C-LF", "DeltaRM")
    rows = []
    for m in np.sort(np.atleast_1d(np.asarray(M, dtype=float))):
        if m < 0:
            raise SpecificationError(f"M (Mbar) must be >= 0, not {m}.")
        r = solve(float(m))
        _set_warnings(r, float(m), warns)
        rows.append((float(m), r["ci_low"], r["ci_high"], *kind))
    robust = pd.DataFrame(rows, columns=["M", "ci_low", "ci_high", "method", "restriction"])
    bd, beyond = _breakdown(robust, solve, refine=breakdown == "refine")
    if beyond and len(robust) > 1:
        warns.append("Every M on the grid gives an interval excluding zero: the breakdown "
                     "value is at least the largest M tried; extend the grid.")
    for w in warns:
        cls = ConvergenceWarning if w.startswith("The optimiser") else InferenceWarning
        warnings.warn(w, cls, stacklevel=3)
    name = "relative magnitudes (Delta^RM)" if method == "relative_magnitudes" else \
        "smoothness (Delta^SD)"
    spec = make_spec("honest_did", dict(method=method, M=[float(x) for x in robust["M"]],
                                         l_vec=[float(x) for x in lv], alpha=alpha,
                                         num_pre=num_pre, num_post=num_post,
                                         grid_points=grid_points, reps=reps),
                     seed=seed_record)
    return HonestResult(
        method=f"Rambachan & Roth (2023) sensitivity analysis, {name}",
        robust=robust, original={"estimate": est, "se": se, "ci_low": olo, "ci_high": ohi},
        breakdown=bd, restriction=method, alpha=alpha,
        l_vec=tuple(float(x) for x in lv), spec=spec, warnings=tuple(warns),
        diagnostics={"num_pre": num_pre, "num_post": num_post, "breakdown_method": breakdown,
                     "breakdown_beyond_grid": beyond},
    )


def _convergence(r: dict[str, Any], where: str, warns: list[str]) -> None:
    """Record the optimiser runs of an FLCI that stopped without converging."""
    if r.get("failures"):
        warns.append(f"The optimiser did not converge for the FLCI at {where} "
                     f"({'; '.join(r['failures'])}); the interval may not be the shortest.")


def _default_m_sd(b: np.ndarray, S: np.ndarray, num_pre: int, alpha: float) -> np.ndarray:
    """Default grid of M for smoothness: 0 to an upper bound for the largest pre-period
    second difference."""
    if num_pre < 2:
        raise SpecificationError("Give M= explicitly: with one pre-period the default "
                                 "grid cannot be set from pre-period curvature.")
    A = _second_diff(num_pre, 0)[: num_pre - 1][:, :num_pre]
    sdv = np.sqrt(np.diag(A @ S[:num_pre, :num_pre] @ A.T))
    mub = float(np.max(np.abs(A @ b[:num_pre]) + stats.norm.ppf(1 - alpha) * sdv))
    return np.linspace(0, mub, 10)


def _set_warnings(r: dict[str, Any], m: float, warns: list[str]) -> None:
    """What a relative-magnitudes confidence set says about itself."""
    if r.get("empty"):
        warns.append(f"At Mbar = {m:g} the robust confidence set is empty: the "
                     "pre-period estimates are inconsistent with this restriction.")
    if r.get("edge"):
        warns.append(f"At Mbar = {m:g} the confidence set reaches the edge of the "
                     "search grid: it is reported as unbounded on that side.")
    if r.get("gaps"):
        warns.append(f"At Mbar = {m:g} the confidence set is not an interval; its "
                     "hull is reported.")


def _breakdown(robust: pd.DataFrame, solve: Any, *, refine: bool) -> tuple[float, bool]:
    """The largest M whose interval excludes zero (grid value, or refined by 12 bisection
    steps towards the next grid value) and whether every grid value excludes zero."""
    excl = ((robust["ci_low"] > 0) | (robust["ci_high"] < 0)).to_numpy()
    if not excl[0]:
        return math.nan, False
    first_fail = np.flatnonzero(~excl)
    beyond = len(first_fail) == 0
    last = len(robust) - 1 if beyond else first_fail[0] - 1
    bd = float(robust["M"].iloc[last])
    if refine and not beyond:
        lo_m, hi_m = bd, float(robust["M"].iloc[last + 1])
        for _ in range(12):
            mid = 0.5 * (lo_m + hi_m)
            r = solve(mid)
            if r["ci_low"] > 0 or r["ci_high"] < 0:
                lo_m = mid
            else:
                hi_m = mid
        bd = lo_m
    return bd, beyond
