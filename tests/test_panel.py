"""validate_panel: every check, its error message, and that the caller's frame is untouched."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import wsa_eval as w
from wsa_eval.errors import ColumnError, DataWarning, PanelError, SpecificationError


def make_panel(n_units: int = 6, years=range(2010, 2016), start: int = 2013) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n_units):
        g = start if i < 2 else 0
        for t in years:
            rows.append({"area": f"A{i}", "year": t, "y": rng.normal(), "x": rng.normal(),
                         "g": g, "d": int(g > 0 and t >= g)})
    return pd.DataFrame(rows)


def check(df, **kw):
    args = dict(unit="area", time="year", outcome="y", first_treated="g")
    args.update(kw)
    return w.validate_panel(df, **args)


def test_clean_panel_passes_and_reports():
    df = make_panel()
    before = df.copy()
    r = check(df)
    assert r.ok and not r.has_warnings
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is unchanged
    assert list(r.units) == [f"A{i}" for i in range(6)]
    assert list(r.times) == list(range(2010, 2016))
    assert r.cohorts["A0"] == 2013 and np.isinf(r.cohorts["A5"])
    assert r.never_treated == ["A2", "A3", "A4", "A5"]
    assert set(r.checks["status"]) == {"ok"}
    text = str(r.summary())
    assert "2013 (2)" in text and "Never-treated units : 4" in text
    assert r.interpret() == "The panel passes every check."


def test_missing_column_names_argument_and_found_columns():
    with pytest.raises(ColumnError, match=r"outcome='custody'.*'area', 'year'"):
        check(make_panel(), outcome="custody")
    # ColumnError is a ValueError (the library's own class)
    assert issubclass(ColumnError, ValueError)


def test_duplicate_rows_name_unit_and_period():
    df = make_panel()
    df = pd.concat([df, df.iloc[[3]]])
    with pytest.raises(PanelError, match=r"\('A0', 2013\)"):
        check(df)


def test_non_numeric_outcome_names_value_unit_period():
    df = make_panel()
    df["y"] = df["y"].astype(object)
    df.loc[7, "y"] = "12 (provisional)"
    with pytest.raises(PanelError, match=r"'12 \(provisional\)'.*\('A1', 2011\)"):
        check(df)
    df.loc[7, "y"] = "n/a"  # a word for missing (as pandas.read_csv reads it)
    with pytest.raises(PanelError, match=r"is missing at \(unit, period\) \('A1', 2011\)"):
        check(df)


def test_missing_outcome_error_or_dropped_and_reported():
    df = make_panel()
    df.loc[8, "y"] = np.nan
    with pytest.raises(PanelError, match=r"missing at \(unit, period\) \('A1', 2012\)"):
        check(df)
    with pytest.warns(DataWarning, match="Dropped 1 row"):
        r = check(df, missing_outcome="drop", balanced=False)
    assert r.dropped.shape[0] == 1 and r.dropped["reason"].iloc[0] == "missing outcome 'y'"
    assert not r.balanced


def test_infinite_outcome_is_an_error():
    df = make_panel()
    df.loc[2, "y"] = np.inf
    with pytest.raises(PanelError, match="infinite"):
        check(df)


def test_unbalanced_panel_error_names_unit_and_missing_period():
    df = make_panel().drop(index=[13])  # A2, 2011
    with pytest.raises(PanelError, match=r"'A2' \(missing 2011\)"):
        check(df)
    with pytest.warns(DataWarning, match="not observed in every period"):
        r = check(df, balanced=False)
    assert not r.balanced


def test_gap_in_time_is_reported():
    df = make_panel()
    df = df[df.year != 2012]
    with pytest.warns(DataWarning, match="period\\(s\\) 2012"):
        r = check(df)
    assert "gaps in time" in set(r.checks.loc[r.checks.status == "warning", "check"])


def test_treatment_switching_off_is_an_error():
    df = make_panel()
    df.loc[(df.area == "A0") & (df.year == 2015), "d"] = 0
    with pytest.raises(PanelError, match=r"back to 0.*\('A0', 2015\)"):
        check(df, first_treated=None, treatment="d")


def test_treated_column_gives_cohorts():
    r = check(make_panel(), first_treated=None, treatment="d")
    assert r.cohorts["A1"] == 2013 and np.isinf(r.cohorts["A3"])


def test_first_treated_must_be_constant_within_unit():
    df = make_panel()
    df.loc[0, "g"] = 2014
    with pytest.raises(PanelError, match="varies for unit\\(s\\) 'A0'"):
        check(df)


def test_always_treated_units_dropped_with_warning_or_error():
    df = make_panel()
    df.loc[df.area == "A2", "g"] = 2010
    with pytest.warns(DataWarning, match="'A2' are treated from the first observed period"):
        r = check(df)
    assert "A2" not in set(r.data.area) and (r.dropped.area == "A2").all()
    with pytest.raises(PanelError, match="'A2'"):
        check(df, always_treated="error")


def test_no_comparison_units():
    df = make_panel()
    df["g"] = 2013
    with pytest.raises(PanelError, match="nothing to compare with"):
        check(df)
    df2 = make_panel()
    df2.loc[df2.area.isin(["A2", "A3", "A4", "A5"]), "g"] = 2014
    with pytest.raises(PanelError, match="no never-treated units"):
        check(df2, control_group="never_treated")
    with pytest.warns(DataWarning, match="last cohort"):
        check(df2, control_group="not_yet_treated")


def test_too_few_pre_periods_names_cohort():
    with pytest.raises(PanelError, match=r"Cohort first treated in 2013 .*'A0', 'A1'.*3 period"):
        check(make_panel(), min_pre_periods=4)


def test_covariate_missing_rows_dropped_and_reported():
    df = make_panel()
    df.loc[4, "x"] = np.nan
    with pytest.warns(DataWarning, match="covariate 'x'"):
        r = check(df, covariates=["x"], balanced=False)
    assert r.dropped.shape[0] == 1
    df["x"] = "text"
    with pytest.raises(PanelError, match="covariate 'x' is not numeric"):
        check(df, covariates=["x"])


def test_treated_units_and_start():
    r = check(make_panel(), first_treated=None, treated="A4", start=2013)
    assert r.cohorts["A4"] == 2013 and np.isinf(r.cohorts["A0"])
    with pytest.raises(PanelError, match="'Nowhere' do not appear"):
        check(make_panel(), first_treated=None, treated=["Nowhere"], start=2013)


def test_old_argument_names_still_work_with_a_future_warning():
    with pytest.warns(FutureWarning, match="'treated_units' is now 'treated'"):
        r = check(make_panel(), first_treated=None, treated_units="A4", start=2013)
    assert r.cohorts["A4"] == 2013
    with pytest.warns(FutureWarning, match="is now 'treatment'"):
        r = check(make_panel(), first_treated=None, treated="d")
    assert r.cohorts["A1"] == 2013


def test_specification_errors():
    with pytest.raises(SpecificationError, match="one way only"):
        check(make_panel(), treatment="d")
    with pytest.raises(SpecificationError, match="control_group"):
        check(make_panel(), control_group="everyone")
    with pytest.raises(SpecificationError, match="pandas DataFrame"):
        w.validate_panel([1, 2], unit="a", time="b", outcome="c")
    df = make_panel()
    df["year"] = df["year"].astype(str)  # digits as text are read as numbers
    assert check(df).times.tolist() == list(range(2010, 2016))
    df["year"] = "Year " + df["year"]
    with pytest.raises(PanelError, match="must hold periods.*write just 2010"):
        check(df)


def test_report_instead_of_raising_collects_all_errors():
    df = make_panel().drop(index=[13])
    df = pd.concat([df, df.iloc[[0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check(df, raise_on_error=False)
    assert not r.ok
    assert "duplicate rows" in set(r.checks.loc[r.checks.status == "error", "check"])
    with pytest.raises(PanelError) as exc:
        check(df)
    assert len(exc.value.problems) >= 1


def test_timing_plot_returns_axes():
    import matplotlib.axes

    ax = check(make_panel()).plot()
    assert isinstance(ax, matplotlib.axes.Axes)


def test_messages_show_whole_number_float_ids_without_decimals():
    from wsa_eval.errors import format_examples

    assert format_examples([17005.0, 2.5, "a", 1]) == "17005, 2.5, 'a', 1"
    assert format_examples(range(8), limit=3) == "0, 1, 2 and 5 more"


def test_start_after_the_data_end_is_named_in_the_error():
    df = pd.DataFrame({"u": np.repeat(["A", "B", "C"], 4), "t": np.tile([1, 2, 3, 4], 3),
                       "y": np.arange(12.0), "g": np.repeat([9, 0, 0], 4)})
    with pytest.raises(w.PanelError, match=r"start in 9, after the last period in the data \(4\)"):
        w.validate_panel(df, unit="u", time="t", outcome="y", first_treated="g")
