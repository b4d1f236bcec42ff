"""Kaplan-Meier and log-rank: bad input, input unchanged, simulation, plots and text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import ColumnError, DataWarning, EstimationError, SpecificationError
from wsa_eval.survival.km import kaplan_meier
from wsa_eval.survival.logrank import logrank


def _data():
    return pd.DataFrame({"t": [5.0, 3, 8, 2, 9, 4, 7, 6], "e": [1, 0, 1, 1, 0, 1, 1, 0],
                         "g": list("abababab"), "w": [1.0, 2, 1, 1, 1, 3, 1, 1],
                         "s": [0.0, 0, 1, 0, 2, 0, 0, 0]}, index=list("pqrstuvw"))


@pytest.mark.parametrize("change,kw,err,match", [
    (lambda d: d.assign(t=d["t"].where(d.index != "r", -2.0)), {}, ColumnError,
     "negative.*'r'"),
    (lambda d: d.assign(e=d["e"].where(d.index != "s", 3)), {}, ColumnError, "0 .*'s'"),
    (lambda d: d.assign(e=["y", "n"] * 4), {}, ColumnError, "coded 1"),
    (lambda d: d.assign(t=d["t"].where(d.index != "u", np.nan)), {}, ColumnError,
     "missing.*'u'"),
    (lambda d: d.assign(g=d["g"].where(d.index != "v", None)), {"group": "g"}, ColumnError,
     "missing.*'v'"),
    (lambda d: d, {"group": "G"}, ColumnError, "group='G'"),
    (lambda d: d.assign(s=d["s"].where(d.index != "q", 3.0)), {"entry": "s"}, ColumnError,
     "before.*'q'"),
    (lambda d: d.assign(w=-d["w"]), {"weights": "w"}, ColumnError, "positive"),
    (lambda d: d, {"conf_type": "logit"}, SpecificationError, "conf_type"),
    (lambda d: d, {"alpha": 0}, SpecificationError, "alpha"),
])
def test_km_bad_input(change, kw, err, match):
    d = change(_data())
    before = d.copy(deep=True)
    with pytest.raises(err, match=match):
        kaplan_meier(d, duration="t", event="e", **kw)
    pd.testing.assert_frame_equal(d, before)


def test_km_input_unchanged_and_boolean_events():
    d = _data()
    before = d.copy(deep=True)
    a = kaplan_meier(d, duration="t", event="e", group="g", weights="w", entry="s")
    pd.testing.assert_frame_equal(d, before)
    b = kaplan_meier(d.assign(e=d["e"].astype(bool)), duration="t", event="e", group="g",
                     weights="w", entry="s")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.spec["data_hash"] == kaplan_meier(d, duration="t", event="e", group="g",
                                               weights="w", entry="s").spec["data_hash"]


def test_km_recovers_exponential_survival():
    rng = np.random.default_rng(7)
    n = 20_000
    t = rng.exponential(10.0, n)
    c = rng.uniform(0, 30, n)
    d = pd.DataFrame({"t": np.minimum(t, c), "e": (t <= c).astype(int)})
    res = kaplan_meier(d, duration="t", event="e")
    s = res.survival_at([5.0, 10.0, 20.0])
    truth = np.exp(-np.array([5.0, 10.0, 20.0]) / 10)
    assert np.all(np.abs(s["estimate"] - truth) < 3 * s["std_error"])
    assert np.all((s["ci_low"] < truth) & (truth < s["ci_high"]))
    med = res.median()
    assert med["ci_low"].iloc[0] < 10 * np.log(2) < med["ci_high"].iloc[0]


def test_km_plot_text_summary():
    d = _data()
    res = kaplan_meier(d, duration="t", event="e", group="g")
    ax = res.plot(at_risk_times=[0, 4, 8])
    texts = [t.get_text() for t in ax.texts]
    assert "Number at risk" in texts and "4" in texts  # 4 people in each group at time 0
    assert ax.get_legend() is not None
    assert "Median" in str(res.summary())
    assert "group a" in res.interpret()
    with pytest.raises(SpecificationError, match="not available"):
        res.plot(kind="hazard")
    ar = res.at_risk([0, 4, 8])
    assert ar.loc["a"].tolist() == [4, 4, 2]  # times 5, 7, 8, 9: at risk if t >= time


def test_logrank_bad_input_and_unchanged():
    d = _data()
    before = d.copy(deep=True)
    with pytest.raises(SpecificationError, match="single level"):
        logrank(d.assign(g="a"), duration="t", event="e", group="g")
    with pytest.raises(ColumnError, match="strata='S'"):
        logrank(d, duration="t", event="e", group="g", strata="S")
    with pytest.raises(EstimationError, match="no events"):
        logrank(d.assign(e=0), duration="t", event="e", group="g")
    res = logrank(d, duration="t", event="e", group="g", weights="w", strata="s")
    pd.testing.assert_frame_equal(d, before)
    assert res.df == 1 and res.table["observed"].sum() == pytest.approx(
        (d["w"] * d["e"]).sum())


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_flat_curves_match_r(conf_type):
    """Curves without events are flat at 1, as R draws them. SOURCE: R 4.2.2, survival
    3.5-3, summary(survfit(...), times = c(1, 4, 6, 7), extend = TRUE)
    (tests/reference/survival_core/km_flat.R -> km_flat.csv). TOLERANCE 1e-12; NA = NaN."""
    from pathlib import Path

    ref = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "survival_core"
                      / "km_flat.csv")
    d = pd.DataFrame({"t": [2.0, 3, 3, 5, 8, 9, 4, 6, 7, 10],
                      "e": [1, 0, 1, 1, 0, 1, 0, 0, 0, 0], "g": list("aaaaaabbbb")})
    cols = ["n_at_risk", "estimate", "std_error", "ci_low", "ci_high"]
    for case, frame, group in (("by_group", d, "g"), ("all_censored", d[d.g == "b"], None)):
        with pytest.warns(DataWarning, match="no events"):
            res = kaplan_meier(frame, duration="t", event="e", group=group,
                               conf_type=conf_type)
        got = res.survival_at([1, 4, 6, 7])
        want = ref[(ref.case == case) & (ref.conf_type == conf_type)]
        np.testing.assert_allclose(got[cols].to_numpy(float), want[cols].to_numpy(float),
                                   rtol=1e-12, atol=1e-12)
        tab = res.to_frame()
        assert len(tab) > 0  # a flat curve still has its row (at its last follow-up time)
        flat = tab[tab["group"] == "b"] if group else tab
        assert flat["estimate"].tolist() == [1.0] and flat["time"].tolist() == [10.0]
        assert np.isnan(res.median()["median"]).all() if group is None else True
        assert res.plot() is not None
