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


# ------------------------------------------------------------------------------------------
# Issue 10 section 5 / issue 11 sections 3 and 5: what an analyst's table goes through
# ------------------------------------------------------------------------------------------
def analyst_panel(small=(9, 8, 7, 8, 5, 4, 3, 2, 3)) -> pd.DataFrame:
    """20 areas x 2012-2020 of whole-number counts; 'Riverton' (small) is treated from 2016
    (the analyst's panel of issue 10)."""
    rng = np.random.default_rng(1)
    names = ["Riverton"] + [f"Area {chr(65 + i)}" for i in range(19)]
    rows = []
    for i, n in enumerate(names):
        base = rng.integers(40, 300)
        for j, t in enumerate(range(2012, 2021)):
            y = small[j] if i == 0 else int(base * np.exp(-0.03 * j + rng.normal(0, 0.05)))
            rows.append({"area": n, "year": t, "custody": y})
    return pd.DataFrame(rows)


def vcheck(df, **kw):
    args = dict(unit="area", time="year", outcome="custody", treated="Riverton", start=2016)
    args.update(kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return w.validate_panel(df, **args)


def test_whole_number_outcome_is_inferred_a_count_and_exposed():
    r = vcheck(analyst_panel())
    assert r.outcome_is_count and r.count_outcomes == ("custody",)
    msg = r.checks.set_index("check").loc["outcome 'custody'", "message"]
    assert "read as a count of people (inferred: whole numbers)" in msg
    assert "If 'custody' is not a count of people, pass outcome_is_count=False." in msg
    assert not vcheck(analyst_panel(), outcome_is_count=False).outcome_is_count
    df = analyst_panel()
    df["custody"] = df["custody"] / 7.0  # a rate: fractions
    r = vcheck(df)
    assert not r.outcome_is_count and "inferred: it has fractions" in r.checks.message.str.cat()


def test_negative_count_refused_with_advice_for_each_interface():
    from wsa_eval.errors import FlagStyle, TomlStyle

    df = analyst_panel()
    df.loc[3, "custody"] = -8  # Riverton 2015
    with pytest.raises(PanelError) as e:
        vcheck(df)
    msg = str(e.value)
    assert "negative at (unit, period) ('Riverton', 2015) (values -8)" in msg
    assert msg.endswith("If 'custody' is not a count of people, pass outcome_is_count=False.")
    toml = e.value.render(TomlStyle({"outcome_is_count": "data"}))
    assert toml.endswith("put the line outcome_is_count = false under [data] in the "
                         "configuration file.")
    flags = e.value.render(FlagStyle({("outcome_is_count", False): "--outcome-is-not-count"}))
    assert flags.endswith("add --outcome-is-not-count to the command.")
    with pytest.raises(PanelError, match="negative"):  # declared a count: still refused
        vcheck(df, outcome_is_count=True)
    assert not vcheck(df, outcome_is_count=False).outcome_is_count  # declared not a count
    # negative values in a whole-number column with many of them: a change, not a count
    df2 = analyst_panel()
    df2["custody"] = df2["custody"] - 150
    r = vcheck(df2)
    assert r.ok and not r.outcome_is_count and "% of its values are negative" in str(
        r.checks.message.tolist())


def test_declared_count_with_fractions_is_refused():
    df = analyst_panel().astype({"custody": float})
    df.loc[5, "custody"] = 4.5
    assert not vcheck(df).outcome_is_count  # inferred: not a count
    with pytest.raises(PanelError, match=r"has fractions at \(unit, period\) \('Riverton', "
                                         r"2017\) \(values 4.5\)"):
        vcheck(df, outcome_is_count=True)


def test_zeros_pass_but_not_on_the_log_scale():
    from wsa_eval.errors import TomlStyle

    df = analyst_panel(small=(9, 8, 7, 8, 5, 0, 3, 2, 0))
    r = vcheck(df)
    assert r.ok and r.outcome_is_count  # zeros are fine counts
    with pytest.raises(PanelError) as e:
        vcheck(df, log_outcome=True)
    assert "is zero at (unit, period) ('Riverton', 2017), ('Riverton', 2020)" in str(e.value)
    assert str(e.value).endswith("To analyse the outcome in its own units instead, pass "
                                 "scale='level'.")
    assert e.value.render(TomlStyle({"scale": "claim"})).endswith(
        'put the line scale = "level" under [claim] in the configuration file.')
    r = vcheck(df, log_outcome=None)  # scale not decided yet (the command line's check)
    assert r.ok and r.has_warnings and "log scale" in set(r.checks.check)


def test_financial_years_quarters_and_months_are_read_with_the_numbering_stated():
    df = analyst_panel()
    before = df.copy()
    fy = df.assign(year=df["year"].map(lambda y: f"{y}/{(y + 1) % 100:02d}"))
    r = vcheck(fy, start="2016/17")
    assert r.times.tolist() == list(range(2012, 2021)) and r.cohorts["Riverton"] == 2016
    note = r.checks.set_index("check").loc["periods", "message"]
    assert "financial years" in note and "'2012/13' is 2012 (April 2012 to March 2013)" in note
    assert r.period_labels[2016.0] == "2016/17" and r.label(2016) == "2016/17"
    assert r.period("2016/17") == 2016 and vcheck(fy, start=2016).cohorts["Riverton"] == 2016
    pd.testing.assert_frame_equal(df, before)

    q = df.assign(year=[f"{2015 + (t - 2012) // 4} Q{(t - 2012) % 4 + 1}" for t in df.year])
    r = vcheck(q, start="2016 Q3")
    assert r.times.tolist() == [2015, 2015.25, 2015.5, 2015.75, 2016, 2016.25, 2016.5,
                                2016.75, 2017]
    assert r.cohorts["Riverton"] == 2016.5
    assert "'2015 Q2' is 2015.25" in r.checks.message.str.cat()
    assert not r.has_warnings  # an even grid of quarters: no "gaps in time"

    m = df.assign(year=[f"2019-{t - 2011:02d}" for t in df.year])
    r = vcheck(m, start="2019-05")
    assert np.allclose(r.times, 2019 + np.arange(9) / 12) and not r.has_warnings
    assert r.cohorts["Riverton"] == pytest.approx(2019 + 4 / 12)
    assert "months, numbered year + (month - 1)/12" in r.checks.message.str.cat()
    words = df.assign(year=[["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep"][
        t - 2012] + " 2019" for t in df.year])
    assert np.allclose(vcheck(words, start="2019-05").times, r.times)


def test_ambiguous_financial_years_and_refused_periods_say_what_to_write():
    df = analyst_panel()
    df = df[df.year <= 2015].copy()  # 2012-2015: "2010-11".."2011-12" look like months too
    amb = df.assign(year=df["year"].map(lambda y: f"{y - 4}-{(y - 3) % 100:02d}"))
    r = vcheck(amb, start=2010)
    assert "financial years (not months)" in r.checks.message.str.cat()
    mixed = df.assign(year=df["year"].astype(str))
    mixed.loc[mixed.year == "2015", "year"] = "2015/16"
    with pytest.raises(PanelError, match=r"mixes kinds of period: '2012' \(number\), "
                                         r"'2015/16' \(financial year\)"):
        vcheck(mixed, start=2014)
    dates = df.assign(year=df["year"].map(lambda y: f"{y}-03-31"))
    with pytest.raises(PanelError, match=r"'2012-03-31' looks like a date: give the month as "
                                         r"'YYYY-MM'"):
        vcheck(dates, start=2014)
    bad_fy = df.assign(year=df["year"].map(lambda y: f"{y}/{(y + 3) % 100:02d}"))
    with pytest.raises(PanelError, match="second year does not follow the first"):
        vcheck(bad_fy, start=2014)
    real_dates = df.assign(year=pd.to_datetime(df["year"].astype(str) + "-01-01"))
    with pytest.raises(PanelError, match=r"holds dates.*\.dt\.year"):
        vcheck(real_dates, start=2014)


def test_unit_names_differing_in_capitals_or_spaces_are_refused_even_unbalanced():
    df = analyst_panel()
    df.loc[df.area == "Riverton", "area"] = "riverton"
    df.loc[(df.area == "riverton") & (df.year == 2014), "area"] = "Riverton "
    for balanced in (True, False):
        with pytest.raises(PanelError, match=r"differ only in capitals or spaces.*'Riverton ' "
                                             r"\(did you mean 'riverton'\?\)"):
            vcheck(df, treated="riverton", balanced=balanced)
    # a misspelt treated unit gets a suggestion
    with pytest.raises(PanelError, match=r"'RIVERTON' do not appear in the 'area' column\. "
                                         r"Did you mean 'Riverton'\?"):
        vcheck(analyst_panel(), treated="RIVERTON")


def test_unit_spelt_two_ways_in_different_years_gets_did_you_mean():
    df = analyst_panel()
    df.loc[(df.area == "Riverton") & (df.year == 2014), "area"] = "Rivertn"
    for balanced in (True, False):  # never silently an extra comparison area
        with pytest.raises(PanelError, match=r"'Rivertn' \(did you mean 'Riverton'\?\)"):
            vcheck(df, balanced=balanced)
    # distinct units whose names differ by a number are not merged ("Area 10" / "Area 11")
    df = make_panel()
    df["area"] = df["area"].str.replace("A", "Area 1")
    df = df[~((df.area == "Area 11") & (df.year > 2012))
            & ~((df.area == "Area 12") & (df.year <= 2012))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        r = check(df, balanced=False)
    assert r.ok and "unit names" not in set(r.checks.loc[r.checks.status == "error", "check"])


def test_thousands_separators_read_and_suppression_markers_reported():
    df = analyst_panel()
    df["custody"] = df["custody"].astype(object)
    df.loc[20, "custody"] = "1,234"  # Area B 2014
    r = vcheck(df)
    assert r.data.loc[(r.data.area == "Area B") & (r.data.year == 2014), "custody"].item() == 1234
    assert "('1,234' as 1234)" in r.checks.message.str.cat()
    for marker, meaning in [("*", "suppressed"), ("..", "not available"),
                            ("[c]", "confidential"), ("[x]", "not available"),
                            ("[z]", "not applicable")]:
        d = df.copy()
        d.loc[21, "custody"] = marker  # Area B 2015
        with pytest.raises(PanelError) as e:
            vcheck(d)
        msg = str(e.value)
        assert f"{marker!r} ({meaning}" in msg and "('Area B', 2015)" in msg, msg
        assert "ask the data's owner for the figures" in msg
        assert msg.endswith("To leave these units out, pass exclude=['Area B'].")
        assert len(e.value.problems) == 1  # reported as suppressed, not also as "missing"
    d = df.copy()
    d.loc[21, "custody"] = "[c]"
    r = vcheck(d, missing_outcome="drop", balanced=False)
    assert r.dropped["reason"].tolist() == ["suppressed or unavailable 'custody'"]
    d.loc[21, "custody"] = "57 [p]"  # a number with a note: read, with a warning
    r = vcheck(d)
    assert r.data.loc[(r.data.area == "Area B") & (r.data.year == 2015), "custody"].item() == 57
    assert "[p] provisional" in str(r.warnings)
    d.loc[21, "custody"] = "57,5"
    with pytest.raises(PanelError, match="decimal comma"):
        vcheck(d)


def test_near_duplicate_float_periods_are_refused_by_name():
    import time

    df = pd.DataFrame({"u": np.repeat(["A", "B", "C"], 4),
                       "t": np.tile([2010.0, 2011.0, 2012.0, 2013.0], 3), "y": np.arange(12.0)})
    df.loc[5, "t"] = 2011 + 1e-9  # used to make validate_panel allocate ~224 GiB
    t0 = time.perf_counter()
    with pytest.raises(PanelError, match=r"differ only by rounding noise: 2011 and "
                                         r"2011\.000000001"):
        w.validate_panel(df, unit="u", time="t", outcome="y", treated="A", start=2012,
                         balanced=False)
    assert time.perf_counter() - t0 < 5
    # uneven periods far apart in scale: a warning, never a grid of millions of periods
    df = pd.DataFrame({"u": np.repeat(["A", "B"], 3), "t": np.tile([2011.0, 2011.01, 2020.0], 2),
                       "y": np.arange(6.0)})
    r = w.validate_panel(df, unit="u", time="t", outcome="y")
    assert "not evenly spaced" in str(r.warnings)


def test_unit_ids_mixing_numbers_and_text_are_accepted():
    df = pd.DataFrame({"u": [3] * 4 + ["B"] * 4 + [1] * 4 + ["A"] * 4,
                       "t": np.tile([2010, 2011, 2012, 2013], 4), "y": np.arange(16.0),
                       "g": [0] * 4 + [2012] * 4 + [0] * 8})
    r = w.validate_panel(df, unit="u", time="t", outcome="y", treated="B", start=2012)
    assert r.ok and r.units.tolist() == [1, 3, "A", "B"] and r.cohorts["B"] == 2012
    r = w.validate_panel(df.sample(frac=1, random_state=0), unit="u", time="t", outcome="y",
                         first_treated="g")
    assert r.ok and r.units.tolist() == [1, 3, "A", "B"]
    assert r.data.groupby("u", sort=False)["t"].apply(lambda s: s.is_monotonic_increasing).all()
    r = w.validate_panel(df, unit="u", time="t", outcome="y", treated=3, start=2012)
    assert r.cohorts[3] == 2012


def test_balanced_is_reported_as_checked_or_not():
    r = vcheck(analyst_panel(), treated="Nowhere", raise_on_error=False)
    assert not r.ok and r.balanced is True  # balance was checked before the timing error
    assert "balanced panel" in set(r.checks.loc[r.checks.status == "ok", "check"])
    assert ("Balanced", "yes") in r._summary_header()
    df = analyst_panel()
    df.loc[3, "custody"] = -8
    r = vcheck(df, raise_on_error=False)
    assert r.balanced is None and ("Balanced", "not checked (see the errors)") in \
        r._summary_header()


def test_several_failed_checks_keep_each_ones_advice():
    from wsa_eval.errors import TomlStyle

    df = analyst_panel()
    df.loc[3, "custody"] = -8
    df.loc[22, "custody"] = 0
    with pytest.raises(PanelError) as e:
        vcheck(df, log_outcome=True)
    assert str(e.value).startswith("The panel fails 2 checks:")
    text = e.value.render(TomlStyle({"outcome_is_count": "data", "scale": "claim"}))
    assert "outcome_is_count = false under [data]" in text
    assert 'scale = "level" under [claim]' in text
    assert "pass " not in text  # nothing left in Python syntax
    assert len(e.value.details) == 2 and all(p.advice for p in e.value.details)


def test_advice_styles():
    from wsa_eval.errors import (
        Advice,
        FlagStyle,
        PythonStyle,
        SpecificationError,
        TomlStyle,
        WsaEvalError,
    )

    a = Advice("exclude", ["Area X", "B"], when="to leave them out")
    assert a.render() == "To leave them out, pass exclude=['Area X', 'B']."
    assert a.render(TomlStyle({"exclude": "claim"})) == (
        'To leave them out, put the line exclude = ["Area X", "B"] under [claim] in the '
        "configuration file.")
    assert a.render(FlagStyle({"exclude": "--exclude"})) == (
        'To leave them out, add --exclude "Area X" --exclude B to the command.')
    # an interface without the setting falls back, finally to words
    assert Advice("scale", "level").render(FlagStyle({}, fallback=TomlStyle({"scale": "claim"}))
                                           ) == ('Put the line scale = "level" under [claim] '
                                                 "in the configuration file.")
    assert Advice("min_pre_periods", 1).render(TomlStyle({})) == "Set min pre periods to 1."
    assert Advice("scale", "level").render(PythonStyle()) == "Pass scale='level'."
    e = SpecificationError("Bad.", advice=[Advice("alpha", 0.1)])
    assert str(e) == "Bad. Pass alpha=0.1." and e.text == "Bad." and isinstance(e, ValueError)
    assert str(WsaEvalError("plain")) == "plain"
    assert str(ColumnError("no column")) == "no column"
