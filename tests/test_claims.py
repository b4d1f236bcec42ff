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
    assert abs(row["change"] - (-0.30)) < 0.05  # truth -30%, noise sd 3% per year
    assert row["p_value"] == pytest.approx(1 / 20)  # larger than all 19 placebos
    assert row["min_p_value"] == pytest.approx(1 / 20)
    assert c.verdict == REDUCTION
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
