"""The three headline numbers of a claim check, and the identity that ties them.

For a claim measured from ``baseline`` to ``end`` in the treated area, with ``y0`` and
``y1`` the area's outcome in those years and ``g`` the estimated effect of the scheme in
``end`` (the gap between the actual outcome and the estimate without the scheme: log
points on the log scale, outcome units on the level scale):

* actual change ``A = y1 / y0 - 1``;
* counterfactual change ``C = y1_hat / y0 - 1``, where ``y1_hat`` is the estimate of the
  outcome in ``end`` without the scheme (``y1 * exp(-g)`` on the log scale, ``y1 - g`` on
  the level scale);
* attributable change ``E = y1 / y1_hat - 1`` (``exp(g) - 1`` on the log scale).

They refer to the same years and satisfy ``(1 + A) = (1 + C) * (1 + E)`` exactly (on the
log scale: ``log(1 + A) = log(1 + C) + g``). The estimand is therefore the *end-year
effect*: the scheme's effect in the claim's last year.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["claim_changes", "attributable_change", "end_year_inference"]


def attributable_change(y1: float, g: float, scale: str) -> float:
    """``E`` for an end-year gap ``g`` (NaN when the no-scheme estimate is not positive)."""
    if not math.isfinite(g):
        return math.nan
    if scale == "log":
        return float(np.expm1(g))
    y1_hat = y1 - g
    return float(y1 / y1_hat - 1) if y1_hat > 0 else math.nan


def claim_changes(y0: float, y1: float, g: float, scale: str) -> tuple[float, float, float]:
    """``(A, C, E)`` as fractions; see the module docstring."""
    actual = float(y1 / y0 - 1) if y0 > 0 else math.nan
    if scale == "log":
        y1_hat = y1 * math.exp(-g) if math.isfinite(g) else math.nan
    else:
        y1_hat = y1 - g
    counterfactual = float(y1_hat / y0 - 1) if (y0 > 0 and y1_hat > 0) else math.nan
    return actual, counterfactual, attributable_change(y1, g, scale)


def end_year_inference(g: float, placebo_g: np.ndarray, alpha: float
                       ) -> dict[str, float]:
    """Placebo inference for the end-year gap.

    ``placebo_g``: the end-year gap of every comparison area given the scheme in turn
    (the treated area left out). Returns the placebo standard error (the spread of the
    placebo gaps, as Arkhangelsky et al.'s Algorithm 4 for one treated unit: standard
    deviation with divisor J), the normal ``1 - alpha`` interval, and the exact permutation
    p-value ``(1 + #{|placebo| >= |g|}) / (J + 1)`` with the number of placebos at least as
    large.
    """
    from scipy import stats

    pg = np.asarray(placebo_g, dtype=float)
    pg = pg[np.isfinite(pg)]
    J = len(pg)
    se = float(np.std(pg, ddof=0)) if J > 1 else math.nan
    z = float(stats.norm.ppf(1 - alpha / 2))
    n_ge = int(np.sum(np.abs(pg) >= abs(g) * (1 - 1e-12)))
    return {
        "estimate": float(g),
        "std_error": se,
        "ci_low": g - z * se,
        "ci_high": g + z * se,
        "p_value": (1 + n_ge) / (J + 1) if J else math.nan,
        "n_as_large": n_ge,
        "n_placebos": J,
        "min_p_value": 1 / (J + 1) if J else math.nan,
    }
