"""check_claim: recovers a known effect on a simulated panel; errors; the GM case study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.claims import check_claim
from wsa_eval.errors import ColumnError, PanelError, SpecificationError
from wsa_eval.interpret import INCONCLUSIVE, REDUCTION


def factor_panel(effect: float, n: int = 20, years=range(2008, 2021), start: int = 2014,
                 seed: int = 0) -> pd.DataFrame:
    """Log outcome = unit level + common trend + factor x loading + noise; area 'T' treated."""
    rng = np.random.default_rng(seed)
    years = list(years)
    trend = -0.04 * np.arange(len(years))
    factor = np.cumsum(rng.normal(0, 0.05, len(years)))
    rows = []
    for i in range(n):
        name = "T" if i == 0 else f"D{i:02d}"
        level = rng.normal(5, 0.5)
        load = rng.uniform(0.5, 1.5)
        for k, t in enumerate(years):
            y = level + trend[k] + load * factor[k] + rng.normal(0, 0.03)
            if name == "T" and t >= start:
                y += effect
            rows.append({"area": name, "year": t, "count": float(np.exp(y))})
    return pd.DataFrame(rows)


def run(df, **kw):
    args = dict(outcome="count", unit="area", time="year", treated="T", start=2014, end=2020,
                claimed_change=-0.5, reps=30, random_state=1, progress=False)
    args.update(kw)
    return check_claim(df, **args)


def test_recovers_a_known_reduction_and_reads_it_as_a_reduction():
    df = factor_panel(np.log(0.7))  # a 30% reduction
    before = df.copy()
    c = run(df, methods=("sdid", "did"))
    pd.testing.assert_frame_equal(df, before)
    row = c.attributable.set_index("method").loc["sdid"]
    # truth: -30% in every post year (log -0.357). The average over the 7 post years has
    # noise sd about 0.03/sqrt(7) per area; the end-year effect one year's (sd about 0.04
    # for the gap of two noisy series): tolerances of about 3 sd
    assert abs(row["average_estimate"] - np.log(0.7)) < 0.05
    assert abs(np.log1p(row["change"]) - np.log(0.7)) < 0.12
    assert row["p_value"] == pytest.approx(1 / 20)  # larger than all 19 placebos
    assert row["min_p_value"] == pytest.approx(1 / 20)
    assert c.verdict == REDUCTION and c.assessment.code == "significant"
    assert "evidence of a reduction" in c.interpret()
    # the raw change mixes the effect with the common trend
    assert c.raw_change < c.comparison_change


def test_no_effect_is_not_called_a_reduction():
    c = run(factor_panel(0.0, seed=3), methods=("did",))
    assert c.verdict == INCONCLUSIVE
    assert "not evidence that the scheme had no effect" in c.interpret()


def test_exclusion_and_robustness_rows():
    df = factor_panel(np.log(0.7))
    c = run(df, methods=("did",), primary="did", exclude=["D01", "D02"], other_starts=[2015],
            alternative_data={"copy": df})
    assert "D01" not in c.donors and c.excluded == ("D01", "D02")
    assert list(c.robustness["specification"]) == [
        "main", "all other areas as comparisons", "copy", "start 2015"]
    assert c.robustness["n_comparison_areas"].tolist()[:2] == [17, 19]


def test_seeded_runs_are_identical():
    df = factor_panel(np.log(0.8))
    a = run(df, methods=("sdid",), random_state=5)
    b = run(df, methods=("sdid",), random_state=5)
    pd.testing.assert_frame_equal(a.attributable, b.attributable)


def test_bad_input_errors():
    df = factor_panel(-0.2)
    with pytest.raises(PanelError, match="'Nowhere' does not appear"):
        run(df, treated="Nowhere")
    with pytest.raises(ColumnError, match="outcome='counts'"):
        run(df, outcome="counts")
    with pytest.raises(SpecificationError, match="end"):
        run(df, end=2013)
    with pytest.raises(SpecificationError, match="methods"):
        run(df, methods=("magic",))
    zero = df.copy()
    zero.loc[5, "count"] = 0.0
    with pytest.raises(PanelError, match="log scale"):
        run(zero)
    with pytest.raises(PanelError, match="'D99'"):
        run(df, exclude=["D99"])


def test_plots_return_axes():
    import matplotlib.axes

    c = run(factor_panel(np.log(0.7)), methods=("did",), primary="did")
    for kind in ("paths", "gap", "placebo", "methods"):
        assert isinstance(c.plot(kind=kind), matplotlib.axes.Axes)


def test_greater_manchester_case_study_writes_a_report(tmp_path):
    from wsa_eval.casestudy import run_greater_manchester

    c = run_greater_manchester(tmp_path / "gm", reps=10, random_state=1, progress=False)
    # Edition A: 446 women sentenced to immediate custody in 2014, 186 in 2020
    # (shared/data/README.md; PRT processing of MoJ CJS statistics Dec 2022); exact
    assert c.raw_change == pytest.approx(186 / 446 - 1, abs=1e-12)
    assert c.comparison_change > c.raw_change  # the rest of the country fell less
    html = (tmp_path / "gm" / "report.html").read_text()
    assert "data:image/png;base64," in html and c.verdict[:20] in html.lower()


@pytest.mark.parametrize("scale", ["log", "level"])
def test_the_three_headline_numbers_multiply_exactly(scale):
    """(1 + actual) = (1 + counterfactual) x (1 + attributable) for every method, and the
    actual change is the data's own change between the claim's years (issue 10 section 2)."""
    df = factor_panel(np.log(0.75), seed=2)
    c = run(df, scale=scale, baseline=2013, methods=("sdid", "sc", "did"))
    t = df[df.area == "T"].set_index("year")["count"]
    assert c.raw_change == pytest.approx(t[2020] / t[2013] - 1, rel=1e-12)
    for r in c.attributable.itertuples():
        assert r.actual_change == pytest.approx(c.raw_change, rel=1e-12)
        assert 1 + r.actual_change == pytest.approx(
            (1 + r.counterfactual_change) * (1 + r.change), rel=1e-10)
        assert r.change_ci_low <= r.change <= r.change_ci_high
    assert c.baseline == 2013 and c.baseline_source == "given"


def test_default_baseline_is_the_last_year_before_the_start_and_is_said():
    c = run(factor_panel(np.log(0.8)), methods=("did",), primary="did")
    assert c.baseline == 2013 and c.baseline_source == "default"
    assert "last year before the scheme started in 2014" in c.interpret()


def test_verdict_gives_the_design_floor_first_when_it_exceeds_alpha():
    """A 12-area panel with a large effect ranked first: the interval excludes zero, but
    with 11 comparison areas the smallest attainable p-value is 1/12 = 0.083 > 0.05, and
    the verdict must say that (not blame the interval) (issue 10 section 3)."""
    df = factor_panel(np.log(0.3), n=12, seed=5)
    c = run(df, methods=("sdid",))
    r = c.primary_row
    assert r["ci_high"] < 0  # the interval excludes zero
    assert r["p_value"] == pytest.approx(1 / 12)
    assert c.verdict == INCONCLUSIVE and c.assessment.code == "floor_above_alpha"
    assert "With 11 comparison areas this check can never reach the 5% level" in (
        c.assessment.reason)
    assert any("comparison areas" in a for a in c.assessment.advice)
    assert any("pooled" in a for a in c.assessment.advice)
    assert "interval runs from" not in c.assessment.reason  # no reason the numbers contradict


def test_negative_counts_are_refused():
    df = factor_panel(-0.2)
    df["count"] = np.round(df["count"])
    df.loc[3, "count"] = -4
    with pytest.raises(PanelError, match="cannot be negative"):
        run(df, scale="level")


def test_a_fit_warning_reaches_the_claim_its_report_and_points_at_the_caller():
    # On the shipped GM data the synthetic-control weights hit the Frank-Wolfe cap (as R
    # synthdid's would): the claim keeps the warning, names the method, shows it as a check
    # in the report, and the Python warning points at the user's call, not inside wsa_eval.
    import warnings

    from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates, treated_areas
    from wsa_eval.errors import ConvergenceWarning

    data = load_pfa_custody("A")
    others = [p for p in treated_areas(load_wsa_start_dates(), min_strength="medium",
                                       before=2021) if p != "Greater Manchester"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        claim = check_claim(data, outcome="immediate_custody", unit="pfa", time="year",
                            treated="Greater Manchester", start=2014, end=2020,
                            claimed_change=-0.60, exclude=others, methods=("sc",),
                            progress=False)
    fw = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert fw and all(w.filename == __file__ for w in fw)
    assert any(w.startswith("Synthetic control: The Frank-Wolfe") for w in claim.warnings)
    checks = claim.report_content().checks
    assert any(c.check == "Warning while fitting" and "Frank-Wolfe" in c.detail
               for c in checks)
