"""The pooled evaluation of the roll-out (``wsa_eval.pooled_evaluation``).

Known answers: the linear Callaway-Sant'Anna map equals ``wsa_eval.did.callaway_santanna``
(itself equal to R did to 1e-6, tests/did) to 1e-10 on mpdta and on the real PFA roll-out;
randomization p-values equal a brute-force loop of ``callaway_santanna`` refits over the same
reassignments; the size check is a reduced replication of ``validation/pooled_size_power.py``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wsa_eval as we
from wsa_eval.content import Section
from wsa_eval.did import callaway_santanna
from wsa_eval.errors import PanelError, SpecificationError
from wsa_eval.pooled import PooledResult, _cs, pooled_evaluation, start_year_options
from wsa_eval.pooled._sensitivity import drop_from_permutations

ROOT = Path(__file__).resolve().parents[2]


def _codes(starts):
    fin = np.isfinite(starts)
    cohorts = np.unique(starts[fin])
    return np.where(fin, np.searchsorted(cohorts, starts), len(cohorts)).astype(int), cohorts


def test_linear_cs_equals_callaway_santanna_on_mpdta():
    m = we.datasets.load_mpdta()
    wide = m.pivot(index="countyreal", columns="year", values="lemp")
    g = m.groupby("countyreal")["first.treat"].first().reindex(wide.index).to_numpy(float)
    starts = np.where(g > 0, g, np.inf)
    codes, cohorts = _codes(starts)
    lin = _cs.linear_cs(wide.columns.to_numpy(float), codes, cohorts)
    est = _cs.estimates(lin, wide.to_numpy(), codes)
    cs = callaway_santanna(m, outcome="lemp", unit="countyreal", time="year",
                           first_treated="first.treat")
    assert est[0] == pytest.approx(cs.estimate, abs=1e-10)
    dyn = cs.aggregate("dynamic").effects
    np.testing.assert_allclose(est[1:], dyn["estimate"], atol=1e-10)
    assert list(lin.terms[1:]) == list(dyn["event_time"].astype(int))


def _sim(n=30, n_tr=12, years=range(2010, 2021), effect=0.0, seed=0):
    rng = np.random.default_rng(seed)
    years = np.array(list(years))
    f = np.cumsum(rng.normal(0, 0.05, len(years)))
    starts = np.full(n, np.inf)
    starts[:n_tr] = rng.choice([2013, 2014, 2015, 2016, 2017], size=n_tr)
    rows = []
    for i in range(n):
        lev, load = rng.normal(4.5, 0.6), rng.uniform(0.6, 1.4)
        for k, t in enumerate(years):
            y = lev + load * f[k] + rng.normal(0, 0.06) + (effect if t >= starts[i] else 0)
            rows.append({"area": f"a{i:02d}", "year": int(t), "count": float(np.exp(y))})
    sd = {f"a{i:02d}": int(starts[i]) for i in range(n_tr)}
    return pd.DataFrame(rows), sd


def test_randomization_p_value_equals_brute_force_refits():
    d, sd = _sim(n=20, n_tr=8, seed=1)
    wide = np.log(d.pivot(index="area", columns="year", values="count"))
    starts = np.array([sd.get(a, np.inf) for a in wide.index], dtype=float)
    codes, cohorts = _codes(starts)
    lin = _cs.linear_cs(wide.columns.to_numpy(float), codes, cohorts, overall_only=True)
    rng = np.random.default_rng(3)
    perm = _cs.permuted_codes(codes, 40, rng)
    fast = _cs.estimates(lin, wide.to_numpy(), perm)[0]
    long = wide.stack().rename("y").reset_index()
    for r in range(0, 40, 8):  # five reassignments refitted from scratch
        g = dict(zip(wide.index, np.where(perm[r] < len(cohorts),
                                          cohorts[np.minimum(perm[r], len(cohorts) - 1)], 0)))
        cs = callaway_santanna(long.assign(g=long["area"].map(g)), outcome="y", unit="area",
                               time="year", first_treated="g")
        assert fast[r] == pytest.approx(cs.estimate, abs=1e-10)
    obs = _cs.estimates(lin, wide.to_numpy(), codes)
    p = _cs.p_values(obs, fast[None, :])[0]
    assert p == pytest.approx((1 + np.sum(np.abs(fast) >= abs(obs[0]) * (1 - 1e-12))) / 41)


def test_inverted_interval_is_where_the_test_stops_rejecting():
    d, sd = _sim(n=30, n_tr=12, effect=-0.2, seed=2)
    r = pooled_evaluation(d, outcome="count", unit="area", time="year", start_dates=sd,
                          methods=("cs",), reps=199, random_state=4, max_combinations=5)
    assert r.ci_low < r.estimate < r.ci_high
    assert r.percent_change == pytest.approx(math.expm1(r.estimate))
    # recompute the test at the interval's ends by shifting the treated cells by delta
    wide = np.log(d.pivot(index="area", columns="year", values="count"))
    times = wide.columns.to_numpy(float)
    starts = np.array([sd.get(a, np.inf) for a in wide.index], dtype=float)
    D = (times[None, :] >= starts[:, None]).astype(float)
    codes, cohorts = _codes(starts)
    lin = _cs.linear_cs(times, codes, cohorts, overall_only=True)
    perm = codes[_cs.permuted_codes(np.arange(len(codes)), 199, np.random.default_rng(4))]

    def p_at(delta):
        Y0 = wide.to_numpy() - delta * D
        return _cs.p_values(_cs.estimates(lin, Y0, codes), _cs.estimates(lin, Y0, perm))[0]

    width = (r.ci_high - r.ci_low)
    assert p_at(r.ci_low + 0.01 * width) > 0.05 and p_at(r.ci_high - 0.01 * width) > 0.05
    assert p_at(r.ci_low - 0.05 * width) <= 0.05 and p_at(r.ci_high + 0.05 * width) <= 0.05


def test_recovers_a_known_effect_with_leave_one_out_and_bounds():
    d, sd = _sim(n=30, n_tr=12, effect=math.log(0.75), seed=5)
    sd_uncertain = {a: [y, y + 1] for a, y in sd.items()}
    r = pooled_evaluation(d, outcome="count", unit="area", time="year",
                          start_dates=sd_uncertain, reps=199, sdid_reps=19, random_state=1,
                          max_combinations=300)
    assert isinstance(r, PooledResult)
    assert r.percent_change == pytest.approx(-0.25, abs=0.05)
    assert r.p_value <= 0.05
    sdid = r.methods.set_index("method").loc["sdid"]
    assert sdid["estimate_percent"] == pytest.approx(-0.25, abs=0.06)
    assert len(r.leave_one_out) == 12 and set(r.leave_one_out["area"]) == set(sd)
    b = r.bounds
    assert b["n_combinations"] == 2 ** 12 and b["n_evaluated"] == 300
    assert not b["all_enumerated"]
    assert b["percent_min"] <= r.percent_change <= b["percent_max"]
    assert set(r.start_years["area"]) == set(sd)
    pre = r.effects[r.effects["event_time"] < 0]
    assert (pre["percent_change"].abs() < 0.1).all()


def test_size_on_the_real_series_with_random_rollouts():
    """1200 random fake roll-outs of 10 areas on the 26 areas without schemes; the test has
    99 reassignments (exact size 5%). With a correct test the rejection rate is binomial with
    MC SE 0.63 points: the 3-7% window is +-3.2 SE."""
    path = ROOT / "validation" / "pooled_size_power.py"
    spec = importlib.util.spec_from_file_location("wsa_pooled_sp", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["wsa_pooled_sp"] = mod
    spec.loader.exec_module(mod)
    df = mod.run(1200, 10, ["random"], 99, 20261204, False, 0, 0, effects=(0.0,))
    size = float(np.mean(df["p"] <= 0.05 * (1 + 1e-9)))
    assert 0.03 <= size <= 0.07, size


def test_start_year_options_grade_the_table():
    o = start_year_options(we.datasets.load_wsa_start_dates()).set_index("unit")
    assert o.loc["Greater Manchester", "years"] == (2014, 2015, 2016, 2017)
    assert o.loc["Surrey", "years"] == (2016,)  # May: the same year only
    assert o.loc["Avon and Somerset", "years"] == (2017, 2018)  # a year-precision date
    assert "Humberside" not in o.index  # low evidence, undated
    low = start_year_options(we.datasets.load_wsa_start_dates(), min_strength="high")
    assert "Greater Manchester" in set(low["unit"])
    assert low.set_index("unit").loc["Greater Manchester", "years"] == (2016, 2017)
    m = start_year_options({"A": 2015, "B": [2016, 2017]}).set_index("unit")
    assert m.loc["B", "years"] == (2016, 2017) and m.loc["A", "primary"] == 2015


def test_permutations_without_one_area_stay_permutations():
    rng = np.random.default_rng(0)
    strata = np.array([0, 0, 0, 1, 1, 1, 1])
    p = _cs.permuted_codes(np.arange(7), 200, rng, strata)
    assert all(set(row) == set(range(7)) for row in p)
    assert all((strata[row] == strata).all() for row in p)  # stays within strata
    q = drop_from_permutations(p, 2)
    assert q.shape == (200, 6) and all(sorted(row) == list(range(6)) for row in q)
    s2 = np.delete(strata, 2)
    assert all((s2[row] == s2).all() for row in q)


def test_real_rollout_runs_and_reports():
    a = we.datasets.load_pfa_custody("A")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = pooled_evaluation(a, outcome="immediate_custody", unit="pfa", time="year",
                              start_dates=we.datasets.load_wsa_start_dates(), end=2020,
                              methods=("cs",), reps=199, max_combinations=50,
                              random_state=2)
    assert len(r.treated_areas) == 14 and len(r.comparison_areas) == 26
    assert set(r.dropped_areas) == {"West Yorkshire", "Merseyside"}
    cs = callaway_santanna(
        a[(a["year"] <= 2020) & ~a["pfa"].isin(["West Yorkshire", "Merseyside"])].assign(
            y=lambda f: np.log(f["immediate_custody"]),
            g=lambda f: f["pfa"].map(dict(zip(r.start_years["area"],
                                              r.start_years["primary"]))).fillna(0)),
        outcome="y", unit="pfa", time="year", first_treated="g")
    assert r.estimate == pytest.approx(cs.estimate, abs=1e-10)
    sec = r.report_content()
    assert isinstance(sec, Section) and sec.verdict is not None
    from wsa_eval.reporting import build

    assert build(r).title
    for kind in r.plot_kinds:
        assert r.plot(kind) is not None


def test_bad_input_and_unchanged_frame():
    d, sd = _sim(n=12, n_tr=4, seed=6)
    before = d.copy()
    kw = dict(outcome="count", unit="area", time="year", reps=19, max_combinations=3,
              methods=("cs",))
    pooled_evaluation(d, start_dates=sd, **kw)
    pd.testing.assert_frame_equal(d, before)
    with pytest.raises(SpecificationError, match="never-treated"):
        pooled_evaluation(d, start_dates={a: 2014 for a in d["area"].unique()}, **kw)
    with pytest.raises(SpecificationError, match="nothing to pool"):
        pooled_evaluation(d, start_dates={"a00": 2009}, **kw)
    with pytest.raises(SpecificationError):
        pooled_evaluation(d, start_dates=sd, **{**kw, "methods": ("sdid",)})
    z = d.copy()
    z.loc[0, "count"] = 0
    with pytest.raises(PanelError, match="zero"):
        pooled_evaluation(z, start_dates=sd, **kw)
    with pytest.raises(PanelError, match="not balanced"):
        pooled_evaluation(d.iloc[1:], start_dates=sd, **kw)
