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


def _pct(x: float) -> str:
    if x is None or math.isnan(x):
        return "not available"
    return f"{abs(100 * x):.0f}%"


def _updown(x: float) -> str:
    return "fell" if x < 0 else "rose"


def claim_sentences(claim: Any) -> list[str]:
    """Plain-English reading of a :class:`~wsa_eval.claims.ClaimResult`, one sentence each.

    Branches: the verdict (reduction / increase / inconclusive), the raw change against the
    comparison areas' change, the share of the claim the estimate supports, and cautions
    (few comparison areas, the smallest attainable p-value).
    """
    r = claim.primary_row
    level = f"{100 * (1 - claim.alpha):.0f}%"
    out = [
        f"Claim: {claim.outcome.replace('_', ' ')} in {claim.treated} changed by "
        f"{100 * claim.claimed_change:+.0f}% from {claim.baseline} to {claim.end}.",
        f"In the data, it {_updown(claim.raw_change)} by {_pct(claim.raw_change)}; over the "
        f"same years the comparison areas together {_updown(claim.comparison_change)} by "
        f"{_pct(claim.comparison_change)}.",
    ]
    cf = r["counterfactual_change"]
    if not math.isnan(cf):
        out.append(
            f"Without the scheme, {r['label'].lower()} estimates that {claim.treated} would have "
            f"seen a change of about {100 * cf:+.0f}% over those years."
        )
    ch, lo, hi = r["change"], r["change_ci_low"], r["change_ci_high"]
    if claim.verdict == REDUCTION:
        out.append(
            f"Verdict: {REDUCTION}. Over {claim.start}-{claim.end} the outcome was on average "
            f"{_pct(ch)} lower than the estimated counterfactual ({level} confidence interval "
            f"{_pct(-hi) if hi < 0 else _pct(hi)} to {_pct(lo)} lower)."
        )
    elif claim.verdict == INCREASE:
        out.append(
            f"Verdict: {INCREASE}. Over {claim.start}-{claim.end} the outcome was on average "
            f"{_pct(ch)} higher than the estimated counterfactual ({level} confidence interval "
            f"{_pct(lo)} to {_pct(hi)} higher)."
        )
    else:
        out.append(
            f"Verdict: {INCONCLUSIVE}. The best estimate is a difference of "
            f"{100 * ch:+.0f}% against the counterfactual, but the {level} confidence interval "
            f"runs from {100 * lo:+.0f}% to {100 * hi:+.0f}%, so the data cannot separate the "
            "scheme's effect from the ups and downs seen in comparison areas. This is not "
            "evidence that the scheme had no effect."
        )
    out.append(
        f"Placebo check: the change was larger than in {int(r['n_placebos'] - r['rank'] + 1)} of "
        f"{int(r['n_placebos'])} comparison areas given the scheme in turn (permutation "
        f"p = {r['p_value']:.3f}; with {int(r['n_placebos'])} comparison areas the smallest "
        f"possible p-value is {r['min_p_value']:.3f})."
    )
    if not math.isnan(claim.claimed_change) and claim.claimed_change != 0:
        out.append(
            f"The claimed {100 * claim.claimed_change:+.0f}% is a raw before/after change; it "
            "should not be read as the scheme's effect."
        )
    return out
