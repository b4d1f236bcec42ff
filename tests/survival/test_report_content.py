"""Report content of the survival and reoffending results (issue 10 section 1, issue 11
section 2): the counts of people they declare, the curve tables merged so that every step
rests on enough events, figures drawn from the disclosure-controlled tables only, numbers
that agree between sentences and tables, and verdict reasons the numbers shown support.

The disclosure rules themselves are tested in tests/test_disclosure.py; every result type on
a tiny cohort in tests/test_disclosure_results.py.
"""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import wsa_eval as we
from wsa_eval.datasets import load_mgus2_cr, load_rossi
from wsa_eval.disclosure import Policy, suppress_table
from wsa_eval.reporting import build
from wsa_eval.survival import (
    balance,
    cox,
    cumulative_incidence,
    kaplan_meier,
    logrank,
    match,
    proven_reoffending,
    rmst,
)


def tiny(n: int = 30, seed: int = 3) -> pd.DataFrame:
    """The tiny cohort of tests/test_disclosure_results.py: 30 people, distinct times."""
    rng = np.random.default_rng(seed)
    g = np.r_[np.zeros(12, int), np.ones(18, int)]
    t = rng.permutation(np.arange(1, n + 1)) * 10.0
    ev = (rng.uniform(size=n) < 0.5).astype(int)
    ev2 = np.where(ev == 1, 1 + (rng.uniform(size=n) < 0.3), 0)
    return pd.DataFrame({"time": t, "event": ev, "cause": ev2, "group": g,
                         "z": np.r_[np.ones(4, int), np.zeros(n - 4, int)],
                         "x": rng.normal(size=n)})


def _table(section, name):
    return next(t for t in section.tables if t.name == name)


def _shown_rows(safe):
    """The shown (merged, suppressed) rows of a curve table, as numbers (NaN = withheld)."""
    return safe.values.reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# the issue's case
# ------------------------------------------------------------------------------------------
def test_issue_case_cif_and_logrank_on_30_people_show_no_small_count(tmp_path):
    """Issue 10: ``we.report([cumulative_incidence(...), logrank(...)])`` on 30 people showed
    numbers at risk of 2 and 4 and the log-rank observed counts."""
    d = tiny()
    files = we.report([cumulative_incidence(d, duration="time", event="cause", group="group"),
                       logrank(d, duration="time", event="event", group="z")], tmp_path)
    for csv in files.tables:
        frame = pd.read_csv(csv, dtype=str)
        for col in frame.columns:
            if col in ("At risk", "Events", "People", "Events seen"):
                small = frame[col].str.fullmatch(r"[1-4](\.0+)?").fillna(False)
                assert not small.any(), (csv.name, col, frame[col].tolist())
    md = files.markdown.read_text()
    assert "<5" in md
    # the log-rank test of 4 people against 26: their observed events are withheld, and so
    # are the other group's (the total number of events is known)
    lr = pd.read_csv(next(p for p in files.tables if "logrank" in p.name), dtype=str)
    assert (lr["Events seen"] == "<5").all() and (lr["People"] == "<5").all()


# ------------------------------------------------------------------------------------------
# curve tables
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("threshold", [5, 10])
def test_km_steps_rest_on_at_least_threshold_events(threshold):
    km = kaplan_meier(load_rossi(), duration="week", event="arrest", group="fin")
    table = _table(km.report_content(), "curves")
    safe = suppress_table(table, Policy(threshold))
    rows = _shown_rows(safe)
    for _, g in rows.groupby("group"):
        ev = g["n_events"].to_numpy(float)
        body = ev[1:-1]  # the start row has none; the last row may have too few (withheld)
        assert np.all(np.isnan(body) | (body >= threshold)), body
        assert np.isnan(ev[-1]) or ev[-1] >= threshold
        risk = g["n_at_risk"].to_numpy(float)
        drops = -np.diff(risk[np.isfinite(risk)])
        assert np.all(drops[1:] >= threshold), drops  # after the start row's own step
        # a withheld step withholds the curve there too
        assert np.all(np.isnan(g["estimate"].to_numpy(float)[np.isnan(ev)]))


def test_km_curve_table_agrees_with_the_result():
    r = load_rossi()
    km = kaplan_meier(r, duration="week", event="arrest", group="fin")
    sec = km.report_content()
    frame = _table(sec, "curves").frame
    for lev, g in frame.groupby("group"):
        n = (r["fin"] == lev).sum()
        assert g["n_at_risk"].iloc[0] == n  # the start row: everyone
        assert g["n_events"].sum() == r.loc[r["fin"] == lev, "arrest"].sum()
        assert g["n_events"].sum() + g["n_censored"].sum() == n  # everyone leaves once
    med = _table(sec, "medians").frame
    assert med["n"].tolist() == [216, 216]
    assert sec.headline_numbers["n"].value == 432
    assert sec.headline_numbers["n_events"].value == r["arrest"].sum()


def test_a_small_count_withheld_in_a_group_is_not_alone_in_it():
    """Each group's events add up to a total shown elsewhere (the medians): a group with a
    withheld small count has another withheld count, so subtraction from the group's total
    gives only their sum."""
    km = kaplan_meier(load_rossi(), duration="week", event="arrest", group="fin")
    table = _table(km.report_content(), "curves")
    safe = suppress_table(table, Policy(5))
    rows = _shown_rows(safe)
    small_groups = set()
    for lev, g in rows.groupby("group"):
        total = table.frame.loc[table.frame["group"] == lev, "n_events"].sum()
        hidden = g["n_events"].isna()
        hidden_sum = total - g.loc[~hidden, "n_events"].sum()
        if hidden.sum() == 1:
            assert not 0 < hidden_sum < 5, (lev, hidden_sum)
        if hidden.any() and hidden_sum < 5 * hidden.sum():
            small_groups.add(lev)
    assert small_groups  # fin = 1: its last row has fewer than 5 events


def test_cif_steps_rest_on_enough_events_of_interest():
    ci = cumulative_incidence(load_mgus2_cr(), duration="etime", event="event", group="sex")
    safe = suppress_table(_table(ci.report_content(), "cumulative_incidence"), Policy(5))
    rows = _shown_rows(safe)
    shown = rows["estimate"].notna()
    assert shown.mean() > 0.8  # sparse events of interest still give a curve
    ev = rows.loc[shown, "n_events"].to_numpy(float)
    assert np.all((ev == 0) | (ev >= 5))


# ------------------------------------------------------------------------------------------
# figures are drawn from the suppressed tables
# ------------------------------------------------------------------------------------------
def test_curve_figure_draws_only_values_the_table_shows():
    from wsa_eval.plotting.survival import draw_curves

    km = kaplan_meier(tiny(), duration="time", event="event", group="group")
    fig = km.report_content().figures[0]
    safe = suppress_table(fig.data, Policy(5))
    _, ax = plt.subplots()
    draw_curves(ax, safe.values)
    labels = [t.get_text() for t in ax.texts]
    numbers = [float(s.replace(",", "")) for s in labels if re.fullmatch(r"[\d,.]+", s)]
    shown = set(safe.values["n_at_risk"].dropna().tolist())
    group_names = {0.0, 1.0}  # the group labels in front of each row of numbers
    assert set(numbers) - group_names <= shown
    assert not [x for x in set(numbers) - group_names if 0 < x < 5]
    ys = set()
    for line in ax.get_lines():
        ys |= set(np.round(np.asarray(line.get_ydata(), float), 12))
    allowed = set(np.round(safe.values["estimate"].dropna().to_numpy(float), 12)) | {1.0}
    assert ys <= allowed
    plt.close("all")


def test_report_figures_have_no_label_below_the_threshold():
    """Every text in every rendered survival figure (at-risk numbers, ticks, legends)."""
    d = tiny()
    results = [kaplan_meier(d, duration="time", event="event", group="group"),
               cumulative_incidence(d, duration="time", event="cause", group="group")]
    safe = build(results, threshold=5)
    for f in safe.figures:
        at_risk = f.data.values["n_at_risk"].dropna()
        assert not ((at_risk > 0) & (at_risk < 5)).any()


# ------------------------------------------------------------------------------------------
# sentences and tables agree; verdicts give the reason the numbers support
# ------------------------------------------------------------------------------------------
def test_cox_verdict_reason_and_people_table():
    r = load_rossi()
    fit = cox(r, duration="week", event="arrest", covariates=["age", "prio"],
              treatment="fin")
    sec = fit.report_content()
    assert sec.verdict.label.startswith("inconclusive")
    assert "includes 1" in str(sec.verdict.reason)
    assert "0.707" in str(sec.verdict.reason)  # the hazard ratio shown in the table
    people = _table(sec, "cox_people").frame
    assert people.loc["all", "n"] == 432 and people.loc["all", "n_events"] == 114
    assert people.loc["fin = 1", "n"] + people.loc["fin = 0", "n"] == 432
    assert people.loc["fin = 1", "n_events"] == r.loc[r.fin == 1, "arrest"].sum()
    checks = {c.check.split(": ")[-1]: c for c in sec.checks}
    assert checks["proportional hazards"].status == "amber"  # age: p = 0.012
    assert "age" in str(checks["proportional hazards"].detail)
    significant = cox(r, duration="week", event="arrest", covariates=["prio"],
                      treatment="age").report_content()
    assert significant.verdict.label == "evidence of a reduction"
    assert "entirely below 1" in str(significant.verdict.reason)


def test_rmst_values_are_withheld_with_a_small_group():
    d = tiny()
    tau = float(d.groupby("z")["time"].max().min())
    sec = rmst(d, duration="time", event="event", tau=tau, group="z").report_content()
    safe = suppress_table(_table(sec, "rmst_groups"), Policy(5))
    assert safe.mask["rmst"].all()  # group z = 1 has 4 people; the other follows by total
    eff = suppress_table(_table(sec, "rmst_effects"), Policy(5))
    assert eff.mask["estimate"].all()
    doc = build(rmst(d, duration="time", event="event", tau=tau, group="z"))
    assert "withheld" in doc.reason or "not shown" in doc.reason


def test_match_sentences_are_withheld_when_a_part_is_small():
    r = load_rossi()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = match(r, treatment="fin", covariates=["age", "prio"], random_state=1)
    doc = build(m)
    # 201 of 216 matched: 15 left out, all at least 5: shown
    assert any("201 of 216" in s for s in doc.summary)
    table = _table(m.report_content(), "matching").frame
    assert table.loc[0, "matched"] == m.n_matched_treated
    assert table.loc[0, "unmatched"] == m.n_treated - m.n_matched_treated
    d = tiny()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = build(match(d, treatment="z", covariates=["x"], random_state=1))
    assert not any(re.search(r"\b[1-4] of\b", s) for s in small.summary)


def test_balance_means_of_a_small_group_are_withheld():
    d = tiny().assign(age=np.linspace(20, 50, 30))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = balance(d, treatment="z", covariates=["x", "age"])
        safe = build(b)
    table = next(t for t in safe.tables if t.source.name == "balance")
    assert table.mask["mean_treated"].all() and table.mask["smd_unadjusted"].all()
    assert not table.mask["mean_comparison"].any()  # 26 people
    assert "Balance is not shown" in safe.checks["detail"].iloc[0]


def test_proven_reoffending_measures_agree_and_no_person_id_reaches_the_report():
    start = pd.Timestamp("2019-01-01")
    idx = pd.DataFrame({"person_id": np.arange(100, 160),
                        "index_date": start + pd.to_timedelta(np.arange(60) * 3, "D")})
    off = pd.DataFrame({"person_id": np.r_[np.arange(100, 120), [999]],
                        "offence_date": start + pd.to_timedelta(np.r_[np.arange(20) * 3 + 30,
                                                                       [40]], "D"),
                        "proven_date": start + pd.to_timedelta(np.r_[np.arange(20) * 3 + 60,
                                                                      [60]], "D")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = proven_reoffending(idx, off, data_end="2021-06-30")
    sec = res.report_content()
    table = _table(sec, "proven_reoffending").frame
    m = res.measures.set_index("measure")["value"]
    assert table.loc[0, "reoffenders"] == m["reoffenders"] == 20
    assert table.loc[0, "proven_reoffending_rate"] == pytest.approx(20 / 60)
    dropped = _table(sec, "dropped").frame
    assert list(dropped.columns) == ["table", "reason", "rows"]  # no person ids
    safe = build(res)
    assert "33%" in " ".join(safe.summary)
