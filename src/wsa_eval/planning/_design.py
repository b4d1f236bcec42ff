"""The maths of the evaluation planner: placebo injection into the comparison areas' series.

Each comparison area ``j`` in turn plays the treated area: it gets the scheme on paper from
the planned start and the estimator is fitted with the other areas as its comparisons (one
batch of fits, :func:`wsa_eval.synth.sdid.placebo_fits`, the claim check's own placebo
machinery). ``g_j`` is its effect in the end year (or averaged over the post-period). The
other areas' placebo effects ``g_k, k != j`` are the reference distribution the claim check
would use for it.

A true effect ``delta`` (log points) added to area ``j``'s outcomes from the start on moves
its estimate to ``g_j + delta`` *exactly*: the unit weights are fitted on the pre-period, the
time weights on the comparison areas only, so neither changes (Arkhangelsky et al. 2021;
checked in the tests). The claim check's verdict rule -- the placebo-standard-error interval
excludes zero AND the permutation p-value is at most ``alpha`` -- then reports a reduction
exactly when ``g_j + delta < -c_j``, with ``c_j`` the larger of ``z * sd(g_k)`` and the
permutation threshold (the ``m+1``-th largest ``|g_k|``, ``m = floor(alpha * J) - 1``). So
the power against ``delta`` is the share of areas with ``delta < -c_j - g_j`` (no
simulation: exact over the areas), and the minimum detectable effect at power ``pi`` is the
``ceil(pi * J)``-th largest of the thresholds ``-c_j - g_j``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["placebo_effects", "detection_thresholds", "power_at", "mde_from_thresholds"]


def placebo_effects(kind: str, Y: np.ndarray, times: np.ndarray, start: Any,
                    rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """End-period effect and average post-period effect of each area in ``rows`` given the
    scheme from ``start`` with every other row of ``Y`` (areas x periods) as comparisons."""
    from ..synth.sdid import placebo_fits

    fast = placebo_fits(kind, Y, times, start, rows)
    if fast is None:
        from ..errors import EstimationError

        raise EstimationError(
            "The placebo fits cannot be computed on this panel (fewer than three areas, "
            "fewer than two periods before the start, or a comparison pool whose outcome does "
            "not change before the start).")
    avg, G = fast
    return np.asarray(G)[:, -1].astype(float), np.asarray(avg, dtype=float)


def detection_thresholds(g: np.ndarray, alpha: float, direction: str = "reduction",
                         references: list[np.ndarray] | None = None) -> np.ndarray:
    """For each area ``j``: the largest true effect (log points) still reported as a
    reduction (``direction="reduction"``: detected when ``delta < threshold``) or the
    smallest still reported as an increase (detected when ``delta > threshold``).
    ``-inf`` / ``+inf`` when the design can never reach ``alpha`` (too few areas).

    ``references[j]``: the placebo effects the check would compare area ``j`` with
    (default: the other areas' ``g``, fitted with ``j`` among their comparisons; the claim
    check's own, fitted with ``j`` left out, are the ``nested`` design of the planner).
    """
    g = np.asarray(g, dtype=float)
    J = len(g)
    z = stats.norm.ppf(1 - alpha / 2)
    out = np.empty(J)
    for j in range(J):
        ref = np.delete(g, j) if references is None else np.asarray(references[j], float)
        m = math.floor(alpha * (len(ref) + 1) * (1 + 1e-9)) - 1  # placebos allowed as large
        sd = float(np.std(ref)) if len(ref) > 1 else math.inf
        if m < 0:
            c = math.inf
        else:
            a = np.sort(np.abs(ref))[::-1]
            c = max(z * sd, a[m] if m < len(a) else 0.0)
        out[j] = (-c - g[j]) if direction == "reduction" else (c - g[j])
    return out


def power_at(delta: float, thresholds: np.ndarray, direction: str = "reduction") -> float:
    """Share of areas in which a true effect ``delta`` (log points) is reported."""
    t = np.asarray(thresholds, dtype=float)
    hit = delta < t if direction == "reduction" else delta > t
    return float(np.mean(hit))


def mde_from_thresholds(thresholds: np.ndarray, power: float,
                        direction: str = "reduction") -> float:
    """The smallest effect (log points) detected in at least ``power`` of the areas: any
    larger reduction (or increase) is reported at least that often. NaN if unreachable."""
    t = np.asarray(thresholds, dtype=float)
    k = math.ceil(power * len(t) - 1e-9)
    if k < 1 or k > len(t):
        return math.nan
    s = np.sort(t)[::-1] if direction == "reduction" else np.sort(t)
    v = float(s[k - 1])
    return v if math.isfinite(v) else math.nan
