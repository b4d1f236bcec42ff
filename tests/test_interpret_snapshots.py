"""Snapshot tests of the plain-English sentences: every branch, full strings.

If wording is changed on purpose, update the expected strings here in the same commit (they
are the reviewed text an analyst will read).
"""

from __future__ import annotations

import math

import pytest

from wsa_eval.interpret import (
    INCONCLUSIVE,
    INCREASE,
    REDUCTION,
    can_cannot_say,
    caution_few_donors,
    caution_pre_fit,
    caution_pretrend,
    caution_small_cohort,
    count_words,
    headline_sentence,
    mde_sentence,
    placebo_rank_sentence,
    smallest_p_sentence,
)

WHAT = "women sentenced to custody"


def test_headline_reduction():
    assert headline_sentence(REDUCTION, what=WHAT, estimate=-12.5, ci_low=-20.1, ci_high=-4.9,
                             units="%") == (
        "There is evidence of a reduction in women sentenced to custody. The best estimate of "
        "the change is -12.5% (95% confidence interval -20.1% to -4.9%); the whole interval is "
        "below zero.")


def test_headline_increase_uses_alpha():
    assert headline_sentence(INCREASE, what=WHAT, estimate=8.0, ci_low=1.5, ci_high=14.5,
                             alpha=0.1, units="%") == (
        "There is evidence of an increase in women sentenced to custody. The best estimate of "
        "the change is 8% (90% confidence interval 1.5% to 14.5%); the whole interval is above "
        "zero.")


def test_headline_inconclusive_never_says_no_effect():
    text = headline_sentence(INCONCLUSIVE, what=WHAT, estimate=-3.0, ci_low=-11.0, ci_high=5.0,
                             units="%")
    assert text == (
        "For women sentenced to custody the result is inconclusive: not enough evidence either "
        "way. The best estimate of the change is -3%, but the 95% confidence interval runs from "
        "-11% to 5%, which includes both falls and rises. This does not show that the scheme "
        "had no effect.")
    assert "no effect." not in text.replace("had no effect.", "")


CAUSE = ("That every part of the change in custody was caused by the WSA: the estimate depends "
         "on the comparison group being a fair picture of what would have happened without it.")


@pytest.mark.parametrize("v, can, cannot2", [
    (REDUCTION,
     "After allowing for the comparison group, custody fell more than expected without the "
     "WSA: the data show evidence of a reduction.",
     "That the size of the fall is known exactly: any value inside the confidence interval is "
     "consistent with the data."),
    (INCREASE,
     "After allowing for the comparison group, custody rose more than expected without the "
     "WSA: the data show evidence of an increase.",
     "That the size of the rise is known exactly: any value inside the confidence interval is "
     "consistent with the data."),
    (INCONCLUSIVE,
     "The data cannot tell whether the WSA changed custody: the result is inconclusive: not "
     "enough evidence either way.",
     "That the WSA had no effect: an inconclusive result means the data cannot tell, not that "
     "nothing happened."),
])
def test_can_cannot_say(v, can, cannot2):
    assert can_cannot_say(v, what="custody", scheme="the WSA") == ([can], [CAUSE, cannot2])


def test_too_few_donors():
    assert caution_few_donors(12) == (
        "Too few comparison areas: with 12 comparison areas the smallest p-value a placebo "
        "test can give is 0.077, which is above 0.05, so the data cannot give evidence at the "
        "95% level whatever happened. Add comparison areas or treat the result as descriptive.")
    # 1/21 = 0.048 < 0.05: possible, but fragile
    assert caution_few_donors(20, recommended=25) == (
        "Few comparison areas: with 20 comparison areas the smallest p-value a placebo test "
        "can give is 0.048; one unusual area can change the verdict.")
    assert caution_few_donors(38) is None


def test_pre_period_fit_branches():
    assert caution_pre_fit(2.0, 100.0) == (
        "green", "Good fit before the scheme: the comparison missed the treated area's values "
                 "by 2.0% of its typical level on average.")
    assert caution_pre_fit(8.0, 100.0) == (
        "amber", "Fair fit before the scheme: the comparison missed the treated area's values "
                 "by 8.0% of its typical level on average; small effects cannot be told apart "
                 "from this mismatch.")
    assert caution_pre_fit(25.0, 100.0) == (
        "red", "Poor fit before the scheme: the comparison missed the treated area's values by "
               "25.0% of its typical level on average. A comparison that did not track the area "
               "before the scheme cannot be trusted to show what would have happened after it.")


def test_pretrend_branches():
    assert caution_pretrend(0.012) == (
        "red", "Failed pre-trend test: before the scheme the treated and comparison groups were "
               "already moving differently (p = 0.012). The parallel-trends assumption behind "
               "the estimate is doubtful, so read the effect with caution.")
    assert caution_pretrend(0.41) == (
        "green", "Pre-trend test passed: no clear difference in trends before the scheme "
                 "(p = 0.410). This does not prove the trends would have stayed parallel; it "
                 "only finds no sign that they were not.")
    assert caution_pretrend(math.nan) == (
        "grey", "No pre-trend test: there are no periods before the scheme to test.")


def test_small_cohort_branches_and_disclosure():
    tail = (" people received support, fewer than the 60 the Justice Data Lab needs for a "
            "reliable comparison. Treat the results as indicative only: the intervals are wide "
            "and approximate.")
    assert caution_small_cohort(42) == "Small cohort: 42" + tail
    assert caution_small_cohort(3) == "Small cohort: fewer than 5" + tail
    assert caution_small_cohort(60) is None


def test_how_sure_sentences():
    assert placebo_rank_sentence(30, 38, direction="down", area="Greater Manchester",
                                 p_value=0.205) == (
        "When each comparison area in turn was treated as if it had had the scheme, Greater "
        "Manchester showed a larger fall than 30 of the 38 comparison areas (permutation "
        "p = 0.205).")
    assert placebo_rank_sentence(5, 38, direction="up") == (
        "When each comparison area in turn was treated as if it had had the scheme, the "
        "treated area showed a larger rise than 5 of the 38 comparison areas.")
    assert smallest_p_sentence(38) == (
        "With 38 comparison areas, the smallest p-value a placebo test can give is 0.026 (one "
        "in 39).")
    # (1.96 + 0.8416) * 2 = 5.60
    assert mde_sentence(2.0, units=" percentage points") == (
        "Minimum detectable effect: only a change of about 5.6 percentage points or more would "
        "be detected 80% of the time at the 5% level; smaller effects may be real but missed.")
    assert mde_sentence(math.nan) == (
        "The minimum detectable effect is not available (no standard error).")


def test_count_words():
    assert [count_words(n) for n in (0, 1, 4, 5, 1234)] == [
        "0", "fewer than 5", "fewer than 5", "5", "1,234"]
    assert count_words(7, threshold=10) == "fewer than 10"
