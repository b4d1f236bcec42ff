"""RMST against R survival 3.5-3 ``print(survfit(...), rmean = tau)`` (rmean and se(rmean),
the same variance as survRM2). Reference: tests/reference/survival_core/reference_values.csv.
Tolerance 1e-6 absolute."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wsa_eval.errors import SpecificationError
from wsa_eval.survival.rmst import rmst

REF = Path(__file__).resolve().parents[1] / "reference" / "survival_core"
TOL = 1e-6


def _ref(case, quantity):
    r = pd.read_csv(REF / "reference_values.csv")
    return r[(r.case == case) & (r.quantity == quantity)].value.to_numpy(float)


@pytest.fixture(scope="module")
def rossi(reference_dir):
    return pd.read_csv(reference_dir / "rossi.csv")


@pytest.mark.parametrize("tau", [30, 52])
def test_rossi(rossi, tau):
    res = rmst(rossi, duration="week", event="arrest", tau=tau, group="fin")
    np.testing.assert_allclose(res.by_group["rmst"], _ref(f"rmst_fin_{tau}", "rmean"), atol=TOL)
    np.testing.assert_allclose(res.by_group["std_error"], _ref(f"rmst_fin_{tau}", "se"),
                               atol=TOL)
    one = rmst(rossi, duration="week", event="arrest", tau=tau)
    assert one.estimate == pytest.approx(_ref(f"rmst_all_{tau}", "rmean")[0], abs=TOL)
    assert one.se == pytest.approx(_ref(f"rmst_all_{tau}", "se")[0], abs=TOL)


@pytest.mark.parametrize("tau", [365, 700])
def test_lung_difference_and_ratio(tau):
    lung = pd.read_csv(REF / "lung.csv")
    res = rmst(lung, duration="time", event="status", tau=tau, group="sex", alpha=0.1)
    m = _ref(f"rmst_lung_{tau}", "rmean")
    s = _ref(f"rmst_lung_{tau}", "se")
    np.testing.assert_allclose(res.by_group["rmst"], m, atol=TOL)
    np.testing.assert_allclose(res.by_group["std_error"], s, atol=TOL)
    # difference and ratio built as survRM2 does from the two arms
    z = stats.norm.ppf(0.95)
    assert res.estimate == pytest.approx(m[1] - m[0], abs=TOL)
    assert res.se == pytest.approx(np.hypot(s[0], s[1]), abs=TOL)
    assert res.ci_low == pytest.approx(m[1] - m[0] - z * np.hypot(s[0], s[1]), abs=TOL)
    ratio = res.to_frame().set_index("contrast").loc["ratio"]
    se_log = np.hypot(s[0] / m[0], s[1] / m[1])
    assert ratio["estimate"] == pytest.approx(m[1] / m[0], rel=1e-10)
    assert ratio["ci_high"] == pytest.approx(m[1] / m[0] * np.exp(z * se_log), rel=1e-10)


def test_tau_beyond_follow_up_is_an_error(rossi):
    with pytest.raises(SpecificationError, match="beyond the last follow-up"):
        rmst(rossi, duration="week", event="arrest", tau=60, group="fin")
    for bad in (0, -1, "x", float("nan")):
        with pytest.raises(SpecificationError, match="tau"):
            rmst(rossi, duration="week", event="arrest", tau=bad)


def test_interpret_plot_summary(rossi):
    res = rmst(rossi, duration="week", event="arrest", tau=52, group="fin")
    assert "inconclusive" in res.interpret()
    assert "Effects" in str(res.summary())
    ax = res.plot()
    assert hasattr(ax, "plot")


def test_input_unchanged_and_three_groups(rossi):
    d = rossi.assign(prio3=pd.cut(rossi["prio"], [-1, 1, 4, 100], labels=["0-1", "2-4", "5+"]))
    before = d.copy(deep=True)
    res = rmst(d, duration="week", event="arrest", tau=52, group="prio3")
    pd.testing.assert_frame_equal(d, before)
    eff = res.to_frame()
    assert eff["term"].tolist() == ["2-4 - 0-1", "5+ - 0-1", "2-4 / 0-1", "5+ / 0-1"]
    m = res.by_group.set_index("group")["rmst"]
    assert eff["estimate"].iloc[1] == pytest.approx(m["5+"] - m["0-1"])
    # the headline is the first contrast (2-4 vs 0-1: CI includes 0); 5+ vs 0-1 is clear
    assert "inconclusive" in res.interpret()
    assert eff["ci_high"].iloc[1] < 0 and eff["ci_high"].iloc[3] < 1
