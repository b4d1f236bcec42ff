"""Kaplan-Meier against R survival 3.5-3 ``survfit`` (summary(fit, censored = FALSE) and the
median table of print.survfit). Reference CSVs: tests/reference/survival_core/km_*.csv and
reference_values.csv, made by make_reference.R. Tolerance 1e-6 absolute (seen: ~1e-15).
Data: Rossi et al. (1980) from the reference folder; NCCTG lung (Loprinzi et al. 1994, as
shipped with R's survival) and a 10-row toy curve committed beside the script.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.survival.km import kaplan_meier

REF = Path(__file__).resolve().parents[1] / "reference" / "survival_core"
TOL = 1e-6
COLS = ["time", "n_at_risk", "n_events", "estimate", "std_error", "ci_low", "ci_high"]


def _ref(case, quantity):
    r = pd.read_csv(REF / "reference_values.csv")
    return r[(r.case == case) & (r.quantity == quantity)].value.to_numpy(float)


@pytest.fixture(scope="module")
def rossi(reference_dir):
    d = pd.read_csv(reference_dir / "rossi.csv")
    d["wi"] = 1 + d["id"] % 3
    d["entry"] = np.minimum(d["week"] - 1, d["id"] % 7)
    d["prio3"] = pd.cut(d["prio"], [-1, 1, 4, 100], labels=["0-1", "2-4", "5+"])
    return d


def _compare(case, res):
    expected = pd.read_csv(REF / f"{case}.csv")
    got = res.to_frame()
    assert got.shape[0] == expected.shape[0]
    for c in COLS:
        a, b = got[c].to_numpy(float), expected[c].to_numpy(float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{case} {c}")
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], atol=TOL, rtol=0,
                                   err_msg=f"{case} {c}")
    med = res.median()
    for q, col in (("median", "median"), ("median_low", "ci_low"), ("median_high", "ci_high")):
        np.testing.assert_allclose(med[col].to_numpy(float), _ref(case, q), atol=TOL,
                                   equal_nan=True, err_msg=f"{case} {q}")


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_rossi_curves(rossi, conf_type):
    kw = dict(duration="week", event="arrest", conf_type=conf_type)
    _compare(f"km_all_{conf_type}", kaplan_meier(rossi, **kw))
    res = kaplan_meier(rossi, group="fin", **kw)
    _compare(f"km_fin_{conf_type}", res)
    assert list(res.to_frame().columns) == ["group", *COLS[:3], "n_censored", *COLS[3:]]
    assert "group" not in kaplan_meier(rossi, **kw).to_frame().columns


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_lung_medians_reached(conf_type):
    lung = pd.read_csv(REF / "lung.csv")
    kw = dict(duration="time", event="status", conf_type=conf_type)
    _compare(f"km_lung_{conf_type}", kaplan_meier(lung, group="sex", **kw))
    _compare(f"km_lungall_{conf_type}", kaplan_meier(lung, **kw))


def test_weights_entry_three_groups_and_flat_half(rossi):
    _compare("km_weights_log-log", kaplan_meier(rossi, duration="week", event="arrest",
                                                group="fin", weights="wi"))
    _compare("km_entry_log-log", kaplan_meier(rossi, duration="week", event="arrest",
                                              entry="entry"))
    _compare("km_prio3_log-log", kaplan_meier(rossi, duration="week", event="arrest",
                                              group="prio3"))
    toy = pd.read_csv(REF / "toy.csv")
    res = kaplan_meier(toy, duration="t", event="e")
    _compare("km_toy_log-log", res)
    assert res.median()["median"].iloc[0] == 6.0  # R: (5 + 7) / 2 when S sits on 0.5


def test_integer_weights_equal_replicated_rows(rossi):
    rep = rossi.loc[rossi.index.repeat(rossi["wi"])].reset_index(drop=True)
    a = kaplan_meier(rossi, duration="week", event="arrest", weights="wi").to_frame()
    b = kaplan_meier(rep, duration="week", event="arrest").to_frame()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_survival_at_and_at_risk(rossi):
    res = kaplan_meier(rossi, duration="week", event="arrest", group="fin")
    tab = res.to_frame()
    s = res.survival_at([0, 10, 10.5, 52])
    g0 = tab[tab.group == 0]
    row10 = g0[g0.time == 10].iloc[0]
    got = s[(s.group == 0)].reset_index(drop=True)
    assert got.loc[0, "estimate"] == 1.0 and got.loc[0, "n_at_risk"] == 216
    assert got.loc[1, "estimate"] == row10["estimate"]
    assert got.loc[2, "estimate"] == row10["estimate"]  # step function between events
    assert got.loc[1, "n_at_risk"] == row10["n_at_risk"]
    assert got.loc[1, "ci_low"] == pytest.approx(row10["ci_low"])
    ar = res.at_risk([0, 52])
    assert ar.loc[0, 0.0] == 216
    # numbers at risk at 52 = people followed to 52 weeks (R: summary(fit, times = 52))
    assert ar.loc[1, 52.0] == s[(s.group == 1) & (s.time == 52)]["n_at_risk"].iloc[0]


def test_survival_at_matches_r_summary_times(rossi):
    # R: summary(survfit(Surv(week, arrest) ~ fin, data = rossi), times = c(0, 10, 52))
    res = kaplan_meier(rossi, duration="week", event="arrest", group="fin")
    s = res.survival_at([0, 10, 52])
    np.testing.assert_array_equal(s["n_at_risk"], [216, 208, 154, 216, 210, 168])
    np.testing.assert_allclose(s["estimate"], [1, 0.9583333, 0.6944444, 1, 0.9722222,
                                               0.7777778], atol=1e-7)


def test_non_integer_weights_use_r_robust_variance(rossi):
    """R survfit with non-integer weights defaults to the infinitesimal-jackknife variance."""
    d = rossi.assign(w=0.5 + (rossi["id"] % 5) / 4)
    res = kaplan_meier(d, duration="week", event="arrest", group="fin", weights="w")
    _compare("km_ipw_log-log", res)
    assert "jackknife" in res.method
    _compare("km_ipwentry_log", kaplan_meier(d, duration="week", event="arrest", weights="w",
                                             entry="entry", conf_type="log"))


def test_censored_and_entered_counts_match_r():
    """n_censored (people censored from an event time until the next) and n_entered (people
    entering after the previous event time, with delayed entry) against R survfit's n.censor
    summed into those intervals, and entries counted by km_interval_counts.R (exact)."""
    from wsa_eval.datasets import load_rossi

    rossi = load_rossi()
    rossi["wi"] = 1 + rossi["id"] % 3
    rossi["entry"] = np.minimum(rossi["week"] - 1, rossi["id"] % 7)
    ref = pd.read_csv(REF / "km_interval_counts.csv")
    kw = dict(duration="week", event="arrest")
    cases = {"fin": kaplan_meier(rossi, group="fin", **kw),
             "fin_weights": kaplan_meier(rossi, group="fin", weights="wi", **kw),
             "entry": kaplan_meier(rossi, entry="entry", **kw)}
    for case, res in cases.items():
        got, exp = res.to_frame(), ref[ref.case == case]
        assert got.shape[0] == exp.shape[0], case
        np.testing.assert_array_equal(got["time"], exp["time"])
        np.testing.assert_array_equal(got["n_censored"], exp["n_censored"], err_msg=case)
        if case == "entry":
            np.testing.assert_array_equal(got["n_entered"], exp["n_entered"])
        else:
            assert "n_entered" not in got.columns
        # every person leaves once: events plus censored is the weighted group size
        per = got.groupby(got["group"] if "group" in got else np.zeros(len(got)))
        total = (rossi["wi"] if case == "fin_weights" else pd.Series(1, rossi.index))
        size = total.groupby(rossi["fin"]).sum() if "group" in got else total.sum()
        left = per["n_events"].sum() + per["n_censored"].sum()
        if case == "entry":  # people censored before the first event time are in no row
            assert left.sum() <= size
        else:
            np.testing.assert_array_equal(left.to_numpy(), np.atleast_1d(size))
