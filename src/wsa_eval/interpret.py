"""Plain-English sentences about results: pure functions, snapshot-tested.

The headline vocabulary is fixed (see the report design): a result is read as
``"evidence of a reduction"``, ``"evidence of an increase"`` or
``"inconclusive: not enough evidence either way"``. Never "no effect": an interval that
contains zero says the data cannot tell, not that the scheme did nothing.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["REDUCTION", "INCREASE", "INCONCLUSIVE", "verdict", "effect_sentence", "fmt_number"]

REDUCTION = "evidence of a reduction"
INCREASE = "evidence of an increase"
INCONCLUSIVE = "inconclusive: not enough evidence either way"


def verdict(estimate: float, ci_low: float, ci_high: float, p_value: float, alpha: float) -> str:
    """The fixed-vocabulary headline for an effect on an outcome where lower is a reduction.

    A reduction or increase needs the interval to exclude zero *and* the p-value to be
    below ``alpha`` when both are available (they can disagree for permutation methods).
    """
    if any(math.isnan(x) for x in (estimate,)):
        return INCONCLUSIVE
    have_ci = not (math.isnan(ci_low) or math.isnan(ci_high))
    have_p = not math.isnan(p_value)
    if not have_ci and not have_p:
        return INCONCLUSIVE
    excludes_zero = (ci_high < 0 or ci_low > 0) if have_ci else True
    significant = (p_value < alpha) if have_p else True
    if excludes_zero and significant:
        return REDUCTION if estimate < 0 else INCREASE
    return INCONCLUSIVE


def fmt_number(x: float, digits: int = 3) -> str:
    """Format a number for prose: ``-0.0423`` -> ``-0.0423``; ``1234.5`` -> ``1,234``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "not available"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def effect_sentence(result: Any) -> str:
    """One paragraph reading an :class:`~wsa_eval.results.EffectResult` in plain English."""
    v = verdict(result.estimate, result.ci_low, result.ci_high, result.p_value, result.alpha)
    level = f"{100 * (1 - result.alpha):.0f}%"
    est = fmt_number(result.estimate)
    parts = [f"{result.method}: {v}."]
    parts.append(
        f"The estimated {result.estimand} is {est}"
        + (
            f" ({level} confidence interval {fmt_number(result.ci_low)} to "
            f"{fmt_number(result.ci_high)})"
            if not (math.isnan(result.ci_low) or math.isnan(result.ci_high))
            else ""
        )
        + "."
    )
    if v == INCONCLUSIVE:
        parts.append(
            "The data are consistent both with no change and with changes of the size shown "
            "by the interval; this is not evidence that the scheme had no effect."
        )
    if result.inference:
        parts.append(f"Uncertainty: {result.inference}.")
    return " ".join(parts)
