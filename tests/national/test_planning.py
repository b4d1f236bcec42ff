"""The evaluation planner (``wsa_eval.plan_evaluation``).

The planner's claim is exact, not simulated: for each comparison area given the scheme in
turn, it computes the largest true reduction the claim check would *not* report. The first
test holds it to that, area by area, by running ``check_claim`` itself on panels with the
effect injected just inside and just outside each threshold.
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import wsa_eval as we
from wsa_eval.content import REDUCTION, Section
from wsa_eval.errors import PanelError, SpecificationError
from wsa_eval.planning import PlanResult, plan_evaluation


def panel(n=13, years=range(2010, 2019), seed=0):
    """``n`` areas with a common factor, area loadings and AR(1)-ish noise; area ``T`` is
    the one to be evaluated."""
    rng = np.random.default_rng(seed)
    years = list(years)
    f = np.cumsum(rng.normal(0, 0.06, len(years)))
    rows = []
    for i in range(n):
        name = "T" if i == 0 else f"A{i:02d}"
        lev, load = rng.normal(5, 0.5), rng.uniform(0.5, 1.5)
        e = 0.0
        for k, t in enumerate(years):
            e = 0.4 * e + rng.normal(0, 0.07)
            rows.append({"area": name, "year": t,
                         "y": float(np.exp(lev + load * f[k] - 0.03 * k + e))})
    return pd.DataFrame(rows)


KW = dict(outcome="y", unit="area", time="year", treated="T", start=2015)


def test_planner_thresholds_match_check_claim_verdicts():
    d = panel()
    plan = plan_evaluation(d, **KW, end=2016, alpha=0.10, nested=True)
    pool = d[d["area"] != "T"]
    checked = 0
    for area, thr in zip(plan.areas["area"], plan.areas["detected_below"]):
        if not np.isfinite(thr) or checked >= 12:  # 6 areas, each side of its threshold
            continue
        for delta, expect in ((math.log1p(thr) - 0.02, True), (math.log1p(thr) + 0.02, False)):
            q = pool.copy()
            m = (q["area"] == area) & (q["year"] >= 2015)
            q.loc[m, "y"] *= math.exp(delta)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c = we.check_claim(q, outcome="y", unit="area", time="year", treated=area,
                                   start=2015, end=2016, claimed_change=-0.5, methods=("sdid",),
                                   alpha=0.10, outcome_is_count=False, progress=False)
            assert (c.verdict == REDUCTION) == expect, (area, delta, c.verdict)
            checked += 1
    assert checked == 12


def test_an_injected_effect_moves_the_estimate_by_exactly_its_size():
    from wsa_eval.synth import sdid

    d = panel(seed=1)
    pool = d[d["area"] != "T"]
    base = sdid(pool, outcome="y", unit="area", time="year", treated="A03", start=2015,
                inference=None).to_frame()
    q = pool.assign(y=np.log(pool["y"]))
    q0 = sdid(q, outcome="y", unit="area", time="year", treated="A03", start=2015,
              inference=None)
    m = (q["area"] == "A03") & (q["year"] >= 2015)
    q.loc[m, "y"] += -0.4
    q1 = sdid(q, outcome="y", unit="area", time="year", treated="A03", start=2015,
              inference=None)
    g0, g1 = q0.to_frame()["estimate"].to_numpy(), q1.to_frame()["estimate"].to_numpy()
    post = q0.to_frame()["time"].to_numpy() >= 2015
    np.testing.assert_allclose(g1[post] - g0[post], -0.4, atol=1e-9)
    np.testing.assert_allclose(g1[~post], g0[~post], atol=1e-9)
    assert len(base)


def test_default_design_is_close_to_the_nested_one():
    d = panel(n=21, seed=2)
    kw = {**KW, "start": 2018}  # one year after the start: one design (nested costs J fits)
    a = plan_evaluation(d, **kw)
    b = plan_evaluation(d, **kw, nested=True)
    assert a.n_comparison == b.n_comparison == 20
    assert abs(a.mde - b.mde) < 0.05
    assert np.max(np.abs(a.power["power"] - b.power["power"])) <= 2 / 20 + 1e-12


def test_power_table_mde_and_sentence_agree():
    d = panel(n=21, seed=3)
    p = plan_evaluation(d, **KW)
    assert isinstance(p, PlanResult)
    assert list(p.power["effect"]) == [-0.1, -0.2, -0.3, -0.4, -0.5, -0.6]
    assert np.all(np.diff(p.power["power"]) >= 0)  # larger reductions are found more often
    curve = p.power_curve[p.power_curve["years_after_start"] == p.n_post].iloc[:81]
    assert np.all(np.diff(curve["power"]) >= 0)
    from wsa_eval.planning._design import power_at

    thr = np.log1p(p.areas["detected_below"].to_numpy())
    assert power_at(math.log1p(p.mde) - 1e-9, thr) >= 0.8
    assert power_at(math.log1p(p.mde) + 1e-6, thr) < 0.8
    assert p.mde <= p.mde_half <= 0
    assert f"{p.n_comparison} comparison areas and 4 years after the start" in p.sentence
    assert f"about {100 * abs(p.mde):.0f}%" in p.sentence
    assert "effect in the end year (2018)" in p.statistic_words
    assert list(p.horizons["years_after_start"]) == [1, 2, 3, 4]
    assert p.horizons["mde"].iloc[-1] == pytest.approx(p.mde)


def test_larger_pool_and_average_statistic():
    d = panel(n=25, seed=4)
    p = plan_evaluation(d, **KW, exclude=["A01", "A02", "A03", "A04"], statistic="average")
    assert list(p.pools["n_comparison"]) == [20, 24]
    assert p.pools["pool"].iloc[1] == "all other areas"
    assert "average effect" in p.statistic_words
    assert set(p.power_curve["design"]) >= {"all 24 other areas"}


def test_planning_ahead_moves_the_design_back():
    d = panel(years=range(2010, 2021), seed=5)
    p = plan_evaluation(d, outcome="y", unit="area", time="year", treated="T", start=2023,
                        end=2026)
    assert p.shifted and p.n_post == 4 and (p.design_start, p.design_end) == (2017, 2020)
    assert "do not reach 2026" in str(p.summary())
    assert list(p.horizons["end"]) == [2023, 2024, 2025, 2026]
    with pytest.raises(SpecificationError, match="need at least"):
        plan_evaluation(d, outcome="y", unit="area", time="year", treated="T", start=2021,
                        end=2031)
    with pytest.raises(SpecificationError, match="give end="):
        plan_evaluation(d, outcome="y", unit="area", time="year", treated="T", start=2023)


def test_sampling_areas_is_seeded():
    d = panel(n=31, seed=6)
    a = plan_evaluation(d, **KW, reps=24, random_state=3)
    b = plan_evaluation(d, **KW, reps=24, random_state=3)
    assert len(a.areas) == 24 and list(a.areas["area"]) == list(b.areas["area"])
    assert a.mde == b.mde and a.spec["seed"] == 3 and np.isfinite(a.mde)


def test_bad_input_gets_the_librarys_errors():
    d = panel()
    with pytest.raises(PanelError, match="'Nowhere'"):
        plan_evaluation(d, **{**KW, "treated": "Nowhere"})
    z = d.copy()
    z.loc[5, "y"] = 0.0
    with pytest.raises(PanelError, match="zero, negative"):
        plan_evaluation(z, **KW)
    with pytest.raises(PanelError, match="not balanced"):
        plan_evaluation(d.iloc[1:], **KW)
    with pytest.raises(SpecificationError):
        plan_evaluation(d, **KW, method="ols")
    with pytest.raises(SpecificationError):
        plan_evaluation(d, **KW, power=80)
    with pytest.raises(PanelError, match="exclude"):
        plan_evaluation(d, **KW, exclude=["nope"])
    with pytest.raises(PanelError, match="two are needed"):
        plan_evaluation(d, **{**KW, "start": 2011})
    with pytest.raises(we.ColumnError):
        plan_evaluation(d, **{**KW, "outcome": "count"})


def test_too_few_areas_warns_and_never_detects():
    d = panel(n=12, seed=7)
    p = plan_evaluation(d, **KW)
    assert p.warnings and math.isnan(p.mde) and (p.power["power"] == 0).all()
    assert "cannot give evidence" in p.sentence


def test_input_not_modified_and_contract():
    d = panel(seed=8)
    before = d.copy()
    p = plan_evaluation(d, **KW)
    pd.testing.assert_frame_equal(d, before)
    sec = p.report_content()
    assert isinstance(sec, Section) and sec.figures and sec.tables
    assert p.plot() is not None and p.plot("horizons") is not None
    from wsa_eval.reporting import build

    safe = build(p)
    assert safe.title


def test_plan_command_reads_a_configuration(tmp_path, capsys):
    from wsa_eval.planning.command import add_plan_parser, plan_command

    d = panel(n=22, seed=9)
    d.to_csv(tmp_path / "panel.csv", index=False)
    pd.DataFrame({"area": ["A01", "A02"], "year": [2013, 2030]}).to_csv(
        tmp_path / "starts.csv", index=False)
    (tmp_path / "study.toml").write_text(
        '[data]\npath = "panel.csv"\nunit = "area"\ntime = "year"\noutcome = "y"\n'
        '[start_dates]\npath = "starts.csv"\nunit = "area"\nstart = "year"\n'
        '[claim]\ntreated = "T"\nstart = 2015\nend = 2018\nclaimed_change = -0.5\n')
    parser = argparse.ArgumentParser()
    add_plan_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["plan", str(tmp_path / "study.toml"), "--out",
                              str(tmp_path / "out")])
    code = plan_command(args)
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "20 comparison areas and 4 years after the start" in out  # A01 left out (2013)
    assert (tmp_path / "out" / "report.html").exists()
    (tmp_path / "bad.toml").write_text('[data]\npath = "panel.csv"\nunit = "area"\n'
                                       'time = "year"\noutcome = "y"\n'
                                       '[staggered]\nfirst_treated = "g"\n')
    with pytest.raises(SpecificationError, match="needs a \\[claim\\]"):
        plan_command(parser.parse_args(["plan", str(tmp_path / "bad.toml")]))


@pytest.mark.slow
def test_greater_manchester_plan():
    """The README's planner answer for Greater Manchester (edition A, 2010-2020, start 2014,
    the 26 areas without schemes before 2021); exact, so no seed is involved."""
    from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates, treated_areas

    a = load_pfa_custody("A")
    a = a[a["year"] <= 2020]
    ex = [p for p in treated_areas(load_wsa_start_dates(), min_strength="medium",
                                   before=2021) if p != "Greater Manchester"]
    p = plan_evaluation(a, outcome="immediate_custody", unit="pfa", time="year",
                        treated="Greater Manchester", start=2014, end=2020, exclude=ex)
    assert p.n_comparison == 26 and p.n_post == 7
    assert p.mde == pytest.approx(-0.688, abs=0.001)
    assert p.mde_half == pytest.approx(-0.544, abs=0.001)
    assert p.power.set_index("effect").loc[-0.3, "n_detected"] == 4
    assert list(p.pools["n_comparison"]) == [26, 41]
