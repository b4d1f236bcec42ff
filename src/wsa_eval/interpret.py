"""Plain-English sentences about results: pure functions, snapshot-tested.

The headline vocabulary is fixed (see the report design): a result is read as
``"evidence of a reduction"``, ``"evidence of an increase"`` or
``"inconclusive: not enough evidence either way"``. Never "no effect": an interval that
contains zero says the data cannot tell, not that the scheme did nothing.
"""

from __future__ import annotations

import math
from typing import Any

from ._format import fmt_num, fmt_p, fmt_pct
from .content import INCONCLUSIVE, INCREASE, REDUCTION, Verdict

__all__ = [
    "REDUCTION", "INCREASE", "INCONCLUSIVE", "verdict", "explain_verdict", "effect_sentence",
    "fmt_number",
    "claim_sentences", "count_words", "headline_sentence", "can_cannot_say",
    "caution_few_donors", "caution_pre_fit", "caution_pretrend", "caution_small_cohort",
    "placebo_rank_sentence", "smallest_p_sentence", "mde_sentence", "MIN_COHORT",
]

#: the Justice Data Lab's minimum number of people in a treated cohort
MIN_COHORT = 60



def verdict(estimate: float, ci_low: float, ci_high: float, p_value: float, alpha: float) -> str:
    """The fixed-vocabulary headline for an effect on an outcome where lower is a reduction.

    A reduction or increase needs the interval to exclude zero *and* the p-value to be at
    most ``alpha`` when both are available (they can disagree for permutation methods).
    ``p <= alpha`` is the rejection rule of an exact permutation test: with 19 placebos the
    smallest attainable p-value is 1/20 = 0.05, and a test of size 5% rejects there.
    """
    if any(math.isnan(x) for x in (estimate,)):
        return INCONCLUSIVE
    have_ci = not (math.isnan(ci_low) or math.isnan(ci_high))
    have_p = not math.isnan(p_value)
    if not have_ci and not have_p:
        return INCONCLUSIVE
    excludes_zero = (ci_high < 0 or ci_low > 0) if have_ci else True
    significant = (p_value <= alpha * (1 + 1e-9)) if have_p else True
    if excludes_zero and significant:
        return REDUCTION if estimate < 0 else INCREASE
    return INCONCLUSIVE


def explain_verdict(estimate: float, ci_low: float, ci_high: float, p_value: float,
                    alpha: float, *, n_comparison: int | None = None,
                    min_p_value: float | None = None, n_as_large: int | None = None,
                    scale: str = "pct", what: str = "the change",
                    unit_word: str = "comparison areas",
                    p_label: str = "permutation p") -> Verdict:
    """The verdict of :func:`verdict` with its true reason, in an order a reader can check.

    The reasons are tried in this order, and the first that applies is given:

    1. no estimate (``"no_estimate"``);
    2. the design cannot reach the ``alpha`` level at all: the smallest attainable
       permutation p-value ``1/(J+1)`` exceeds ``alpha`` (``"floor_above_alpha"``), whatever
       the interval says; advice: more comparison areas, a pooled evaluation, more years;
    3. evidence (``"significant"``): the interval excludes zero and p <= alpha;
    4. the interval includes zero (``"interval_includes_zero"``);
    5. the interval excludes zero but the permutation p-value exceeds ``alpha``: as large a
       change was seen in too many comparison areas given the scheme in turn
       (``"placebos_as_large"``).

    ``scale="pct"`` formats the estimate and interval as percentage changes (fractions),
    ``"num"`` as plain numbers.
    """
    label = verdict(estimate, ci_low, ci_high, p_value, alpha)
    level = f"{100 * (1 - alpha):.0f}%"
    fmt = fmt_pct if scale == "pct" else fmt_num
    if math.isnan(estimate):
        return Verdict(INCONCLUSIVE, f"{what[:1].upper()}{what[1:]} could not be estimated.",
                       "no_estimate")
    floor = min_p_value if min_p_value is not None else (
        1 / (n_comparison + 1) if n_comparison else None)
    if floor is not None and floor > alpha * (1 + 1e-9):
        j = f"{n_comparison} {unit_word}" if n_comparison else f"so few {unit_word}"
        return Verdict(
            INCONCLUSIVE,
            f"With {j} this check can never reach the {100 * alpha:g}% level: the smallest "
            f"p-value a placebo test can give is {fmt_p(floor)}, above {alpha:g}, whatever "
            "happened.",
            "floor_above_alpha",
            advice=(f"Add {unit_word}: with at least {math.ceil(1 / alpha) - 1} the check can "
                    f"reach the {100 * alpha:g}% level.",
                    "Pool this area with other areas that started a scheme (a pooled "
                    "evaluation of the roll-out).",
                    "Collect more years after the start: the estimate becomes less noisy, "
                    "although the smallest attainable p-value does not change."))
    have_ci = not (math.isnan(ci_low) or math.isnan(ci_high))
    interval = (f"the {level} confidence interval runs from {fmt(ci_low)} to {fmt(ci_high)}"
                if have_ci else "there is no confidence interval")
    as_large = ""
    if n_as_large is not None and n_comparison:
        who = "none" if n_as_large == 0 else f"{n_as_large}"
        as_large = (f"{who} of the {n_comparison} {unit_word} showed a change at least as "
                    "large when given the scheme in turn")
    pv = f"{p_label} = {fmt_p(p_value)}".replace("= below", "below") \
        if not math.isnan(p_value) else ""
    if label != INCONCLUSIVE:
        direction = "below" if estimate < 0 else "above"
        reason = (f"{interval[:1].upper()}{interval[1:]}, entirely {direction} zero"
                  + (f", and {as_large} ({pv})" if as_large else (f" ({pv})" if pv else ""))
                  + ".")
        return Verdict(label, reason, "significant")
    excludes = have_ci and (ci_high < 0 or ci_low > 0)
    if not excludes:
        reason = (f"{interval[:1].upper()}{interval[1:]}, which includes no change, so the data "
                  "cannot separate the scheme's effect from ordinary ups and downs")
        if as_large:
            reason += f"; {as_large} ({pv})"
        return Verdict(INCONCLUSIVE, reason + ".", "interval_includes_zero")
    reason = (f"{interval[:1].upper()}{interval[1:]}, which excludes zero, but "
              + (f"{as_large} ({pv})" if as_large else f"the {pv} is above {alpha:g}")
              + ", so the change is not unusual among areas.")
    return Verdict(INCONCLUSIVE, reason, "placebos_as_large")


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


# ------------------------------------------------------------------------------------------
# Sentences for the guided report. Each is a pure function of numbers (no result objects),
# so every branch is covered by a snapshot test in tests/test_interpret_snapshots.py.
# ------------------------------------------------------------------------------------------
def _level(alpha: float) -> str:
    return f"{100 * (1 - alpha):.0f}%"


def count_words(n: int, threshold: int = 5) -> str:
    """A count of individuals for prose or figure labels, disclosure-controlled:
    ``count_words(3) == "fewer than 5"``; zero and counts at or above ``threshold`` are shown."""
    n = int(n)
    if 0 < n < threshold:
        return f"fewer than {threshold}"
    return f"{n:,}"


def headline_sentence(verdict_text: str, *, what: str, estimate: float, ci_low: float,
                      ci_high: float, alpha: float = 0.05, units: str = "") -> str:
    """The headline in fixed vocabulary with the estimate and interval in words.

    ``what`` names the outcome ("women sentenced to immediate custody"); ``units`` follows
    each number ("", " percentage points", "%").
    """
    est, lo, hi = (fmt_number(x) + units for x in (estimate, ci_low, ci_high))
    level = _level(alpha)
    if verdict_text == REDUCTION:
        return (f"There is {REDUCTION} in {what}. The best estimate of the change is {est} "
                f"({level} confidence interval {lo} to {hi}); the whole interval is below zero.")
    if verdict_text == INCREASE:
        return (f"There is {INCREASE} in {what}. The best estimate of the change is {est} "
                f"({level} confidence interval {lo} to {hi}); the whole interval is above zero.")
    return (f"For {what} the result is {INCONCLUSIVE}. The best estimate of the change is "
            f"{est}, but the {level} confidence interval runs from {lo} to {hi}, which includes "
            "both falls and rises. This does not show that the scheme had no effect.")


def can_cannot_say(verdict_text: str, *, what: str, scheme: str = "the scheme"
                   ) -> tuple[list[str], list[str]]:
    """What an analyst can and cannot write, given the verdict (two lists of sentences)."""
    cannot = [
        f"That every part of the change in {what} was caused by {scheme}: the estimate depends "
        "on the comparison group being a fair picture of what would have happened without it.",
    ]
    if verdict_text == REDUCTION:
        can = [f"After allowing for the comparison group, {what} fell more than expected "
               f"without {scheme}: the data show {REDUCTION}."]
        cannot.append("That the size of the fall is known exactly: any value inside the "
                      "confidence interval is consistent with the data.")
    elif verdict_text == INCREASE:
        can = [f"After allowing for the comparison group, {what} rose more than expected "
               f"without {scheme}: the data show {INCREASE}."]
        cannot.append("That the size of the rise is known exactly: any value inside the "
                      "confidence interval is consistent with the data.")
    else:
        can = [f"The data cannot tell whether {scheme} changed {what}: the result is "
               f"{INCONCLUSIVE}."]
        cannot.append(f"That {scheme} had no effect: an inconclusive result means the data "
                      "cannot tell, not that nothing happened.")
    return can, cannot


def caution_few_donors(n_donors: int, *, alpha: float = 0.05, recommended: int = 19
                       ) -> str | None:
    """A caution when there are too few comparison areas for a placebo test (None if fine).

    With ``J`` comparison areas the smallest attainable permutation p-value is ``1/(J+1)``.
    """
    n = int(n_donors)
    min_p = 1 / (n + 1)
    if min_p > alpha:
        return (f"Too few comparison areas: with {n} comparison areas the smallest p-value a "
                f"placebo test can give is {min_p:.3f}, which is above {alpha:g}, so the data "
                f"cannot give evidence at the {_level(alpha)} level whatever happened. Add "
                "comparison areas or treat the result as descriptive.")
    if n < recommended:
        return (f"Few comparison areas: with {n} comparison areas the smallest p-value a "
                f"placebo test can give is {min_p:.3f}; one unusual area can change the "
                "verdict.")
    return None


def caution_pre_fit(pre_rmspe: float, typical_level: float, *, amber: float = 0.05,
                    red: float = 0.10) -> tuple[str, str]:
    """Status (``green``/``amber``/``red``) and a sentence on the pre-period fit.

    ``pre_rmspe`` is the root mean squared gap between the treated area and its comparison
    before the scheme, ``typical_level`` the treated area's mean absolute level then.
    """
    rel = pre_rmspe / abs(typical_level) if typical_level else math.inf
    pct = f"{100 * rel:.1f}%"
    if rel <= amber:
        return "green", (f"Good fit before the scheme: the comparison missed the treated "
                         f"area's values by {pct} of its typical level on average.")
    if rel <= red:
        return "amber", (f"Fair fit before the scheme: the comparison missed the treated "
                         f"area's values by {pct} of its typical level on average; small "
                         "effects cannot be told apart from this mismatch.")
    return "red", (f"Poor fit before the scheme: the comparison missed the treated area's "
                   f"values by {pct} of its typical level on average. A comparison that did "
                   "not track the area before the scheme cannot be trusted to show what would "
                   "have happened after it.")


def caution_pretrend(p_value: float, *, alpha: float = 0.05) -> tuple[str, str]:
    """Status and sentence for a test that effects before the scheme are all zero."""
    if p_value is None or math.isnan(p_value):
        return "grey", "No pre-trend test: there are no periods before the scheme to test."
    if p_value < alpha:
        return "red", (f"Failed pre-trend test: before the scheme the treated and comparison "
                       f"groups were already moving differently (p = {p_value:.3f}). The "
                       "parallel-trends assumption behind the estimate is doubtful, so read "
                       "the effect with caution.")
    return "green", (f"Pre-trend test passed: no clear difference in trends before the scheme "
                     f"(p = {p_value:.3f}). This does not prove the trends would have stayed "
                     "parallel; it only finds no sign that they were not.")


def caution_small_cohort(n_treated: int, *, minimum: int = MIN_COHORT, threshold: int = 5
                         ) -> str | None:
    """A caution when fewer than ``minimum`` (60, the Justice Data Lab's) people were treated."""
    if n_treated >= minimum:
        return None
    return (f"Small cohort: {count_words(n_treated, threshold)} people received support, "
            f"fewer than the {minimum} the Justice Data Lab needs for a reliable comparison. "
            "Treat the results as indicative only: the intervals are wide and approximate.")


def placebo_rank_sentence(n_larger_than: int, n_placebos: int, *, direction: str,
                          area: str = "the treated area", p_value: float | None = None) -> str:
    """``"a larger fall than in 30 of 38 comparison areas"`` in a full sentence."""
    word = {"down": "fall", "up": "rise"}[direction]
    p = "" if p_value is None else f" (permutation p = {p_value:.3f})"
    return (f"When each comparison area in turn was treated as if it had had the scheme, "
            f"{area} showed a larger {word} than {n_larger_than} of the {n_placebos} "
            f"comparison areas{p}.")


def smallest_p_sentence(n_placebos: int) -> str:
    return (f"With {n_placebos} comparison areas, the smallest p-value a placebo test can give "
            f"is {1 / (n_placebos + 1):.3f} (one in {n_placebos + 1}).")


def mde_sentence(std_error: float, *, units: str = "", alpha: float = 0.05,
                 power: float = 0.8) -> str:
    """Minimum detectable effect, ``(z_{1-alpha/2} + z_{power}) * se``, in words."""
    from statistics import NormalDist

    if std_error is None or math.isnan(std_error):
        return "The minimum detectable effect is not available (no standard error)."
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    return (f"Minimum detectable effect: only a change of about {fmt_number(z * std_error)}"
            f"{units} or more would be detected {100 * power:.0f}% of the time at the "
            f"{100 * alpha:g}% level; smaller effects may be real but missed.")
