"""Size of check_claim's default inference with one treated area (issue 7).

The full study is ``validation/size_power.py`` (results in ``validation/RESULTS.md``). Here a
reduced replication of its factor design (42 areas x 11 years, scheme from year 5, factor
structure, AR(1) noise with area-specific scales calibrated to the shipped PFA series) checks
that check_claim's default verdict rule (placebo-SE interval excludes 0 AND placebo-in-space
permutation p <= 5%) rejects a true null at close to 5%, and a pass over the real series
checks that it does not over-reject there.

Statistical tolerance: with ``N = 1200`` independent panels and a true size of 5%, the Monte
Carlo standard error of the rejection rate is ``sqrt(0.05 * 0.95 / 1200) = 0.63`` points, so
the 3-7% window is about +-3.2 MC standard errors: it fails with probability < 0.2% for a
correctly sized rule (exact 4.8% here). It fails with probability about 90% for a rule of
size 2.4% or 8%, and about 55% for 7.1% (the off-by-one ``count / J``).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sp():
    path = ROOT / "validation" / "size_power.py"
    if not path.exists():
        pytest.skip("validation/size_power.py not present")
    spec = importlib.util.spec_from_file_location("wsa_size_power", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["wsa_size_power"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def cal(sp):
    return sp.calibrate()


def test_calibration_matches_real_series(sp, cal):
    # the factor design's noise is on the scale of the real series' residuals
    assert 0.05 < cal["sd_e"] < 0.5
    assert cal["sd_e"] <= cal["sd_resid_twfe"]
    assert -0.9 <= cal["rho"] <= 0.9
    assert cal["T"] == 11 and cal["t0"] == 4
    p = sp.factor_panel(cal, np.random.default_rng(0))
    assert p.shape == (42 * 11, 3)
    assert p["unit"].nunique() == 42 and p["time"].min() == 2010 and p["time"].max() == 2020
    # simulated residual spread after two-way demeaning is close to the real one
    Y = p.pivot(index="unit", columns="time", values="y").to_numpy()
    R = Y - Y.mean(1, keepdims=True) - Y.mean(0, keepdims=True) + Y.mean()
    assert 0.5 * cal["sd_resid_twfe"] < R.std() < 1.6 * cal["sd_resid_twfe"]


def test_inject_changes_only_treated_post(sp, cal):
    p = sp.factor_panel(cal, np.random.default_rng(1))
    before = p.copy()
    q = sp.inject(p, "u00", 2014, 0.2)
    pd.testing.assert_frame_equal(p, before)  # input unchanged
    diff = q["y"] - p["y"]
    m = (p["unit"] == "u00") & (p["time"] >= 2014)
    np.testing.assert_allclose(diff[m], math.log(0.8))
    assert (diff[~m] == 0).all()


def test_real_placebo_pool(sp):
    p = sp.real_panel()
    units = set(p["unit"])
    assert "Greater Manchester" not in units
    assert len(units) == 26  # 42 PFAs minus GM and 15 areas with schemes before 2021
    assert p["time"].min() == 2010 and p["time"].max() == 2020


def _did_end_gaps(Y: np.ndarray, post: np.ndarray) -> np.ndarray:
    """End-year DiD gap of each row of ``Y`` against the mean of the other rows:
    ``(y_i,T - mean_j y_j,T) - mean_pre(y_i - mean_j y_j)`` (synthdid's DiD form)."""
    n = len(Y)
    others = (Y.sum(axis=0, keepdims=True) - Y) / (n - 1)
    d = Y - others
    return d[:, -1] - d[:, ~post].mean(axis=1)


def _default_rule(Y: np.ndarray, post: np.ndarray, rng: np.random.Generator | None = None,
                  treated: int = 0, alpha: float = 0.05) -> tuple[float, str]:
    """check_claim's default verdict rule in array form, with the DiD estimator.

    The statistic is the effect in the claim's end year (the last period). Permutation
    p-value: every other unit in turn is the placebo treated unit with the real treated
    unit left out, ``p = (1 + #{|placebo| >= |estimate|}) / (J + 1)``. Interval: estimate
    +- z * SE, SE the standard deviation (divisor J) of the J placebo end-year gaps
    (Arkhangelsky et al. Algorithm 4 with all J placebos). Verdict: the library's own
    ``wsa_eval.interpret.verdict`` (interval excludes 0 and ``p <= alpha``).
    """
    from scipy import stats

    from wsa_eval.interpret import verdict

    order = [treated] + [i for i in range(len(Y)) if i != treated]
    Y = Y[order]
    theta = _did_end_gaps(Y, post)[0]
    ests = _did_end_gaps(Y[1:], post)
    p = (1 + int(np.sum(np.abs(ests) >= abs(theta) * (1 - 1e-12)))) / (len(ests) + 1)
    se = float(np.std(ests))
    z = stats.norm.ppf(1 - alpha / 2)
    return p, verdict(theta, theta - z * se, theta + z * se, p, alpha)


def test_default_rule_array_form_is_check_claims(sp, cal):
    """The array form used by the size tests below is check_claim's own computation: same
    end-year estimate, placebo standard error, permutation p-value and verdict."""
    from wsa_eval import check_claim
    from wsa_eval.interpret import verdict

    post = np.arange(11) >= cal["t0"]
    for seed, eff in ((3, 0.0), (4, 0.3)):
        p = sp.inject(sp.factor_panel(cal, np.random.default_rng(seed)), "u00", 2014, eff)
        r = check_claim(p, outcome="y", unit="unit", time="time", treated="u00", start=2014,
                        end=2020, claimed_change=-0.3, methods=("did",), scale="level",
                        outcome_is_count=False, progress=False)
        row = r.attributable.set_index("method").loc["did"]
        Y = p["y"].to_numpy().reshape(42, 11)  # units u00..u41 sorted, years in order
        p_arr, v_arr = _default_rule(Y, post)
        assert row["p_value"] == pytest.approx(p_arr, abs=1e-12)
        assert row["estimate"] == pytest.approx(_did_end_gaps(Y, post)[0], abs=1e-10)
        assert row["std_error"] == pytest.approx(np.std(_did_end_gaps(Y[1:], post)),
                                                 abs=1e-10)
        assert r.verdict == v_arr == verdict(row["estimate"], row["ci_low"], row["ci_high"],
                                             row["p_value"], 0.05)


def test_default_rule_size_factor_design(sp, cal):
    """Size of check_claim's default rule (interval excludes 0 AND permutation p <= 5%) on
    1200 factor-design panels: within 3-7%; power against a 30% reduction well above it.

    Why this design: its 42 areas are exchangeable, so the permutation test with 41 placebos
    has exact size 2/42 = 4.8% whatever the estimator, and the rule's size is that minus the
    rare cases where the interval still covers 0. The rule CAN fail here: reading the
    interval alone (DiD placebo SE: about 8-9% in the study), "interval OR p-value", or an
    off-by-one p-value ``count / J`` (size 3/42 = 7.1%) push the size above 7%; a rule that
    never rejects, or ``p < 1/42``, gives 0-2.4%. The estimator is DiD (array form, checked
    against check_claim above) because 1200 SDID permutation tests take about three hours;
    SDID's own size under this rule is measured in validation/RESULTS.md.
    """
    from wsa_eval.interpret import INCONCLUSIVE

    rng = np.random.default_rng(20261123)
    n, post = 1200, np.arange(11) >= cal["t0"]
    rej_rule = rej_perm = rej30 = 0
    for _ in range(n):
        Y = sp.factor_panel(cal, rng)["y"].to_numpy().reshape(42, 11)
        p, v = _default_rule(Y, post, rng)
        rej_perm += p <= 0.05
        rej_rule += v != INCONCLUSIVE
        Y30 = Y.copy()
        Y30[0, post] += math.log(0.7)
        rej30 += _default_rule(Y30, post, rng)[1] != INCONCLUSIVE
    size, size_perm, power = rej_rule / n, rej_perm / n, rej30 / n
    mc_se = math.sqrt(0.05 * 0.95 / n)
    assert 0.03 <= size <= 0.07, f"rule size {size:.3f} (MC SE {mc_se:.4f})"
    assert 0.03 <= size_perm <= 0.07, f"permutation size {size_perm:.3f}"
    assert size <= size_perm  # the interval can only remove rejections
    assert power > size + 6 * mc_se, f"power {power:.3f} vs size {size:.3f}"


def test_default_rule_real_placebo_design(sp):
    """The default rule on the real shipped series (placebo design): each of the 26 areas
    without a scheme in turn the fake treated area, fake starts 2012-2017 (156
    assignments). With 25 placebos only rank 1 of 26 gives p = 1/26 <= 5%, so the rule's
    size is at most about 1/26 = 3.8% here by construction, and a 3-7% window would test
    the pool size rather than the rule; the check is that the rule does not over-reject on
    real serial correlation and heterogeneity (at most 7%), where reading the DiD placebo
    interval alone rejects in about 10% (validation/RESULTS.md)."""
    from wsa_eval.interpret import INCONCLUSIVE

    p = sp.real_panel()
    W = p.pivot(index="unit", columns="time", values="y")
    Y, years = W.to_numpy(), W.columns.to_numpy()
    assert Y.shape == (26, 11)
    rng = np.random.default_rng(11)
    rej = n = 0
    for start in range(2012, 2018):
        post = years >= start
        for i in range(len(Y)):
            rej += _default_rule(Y, post, rng, treated=i)[1] != INCONCLUSIVE
            n += 1
    assert n == 156
    assert rej / n <= 0.07, f"{rej}/{n} placebo assignments rejected"


def test_defaults_are_the_validated_ones():
    """check_claim's and the [claim] config's defaults are the ones validated in
    validation/RESULTS.md (SDID primary, exact placebos, alpha 5%)."""
    import inspect

    from wsa_eval.claims import check_claim
    from wsa_eval.config import SCHEMA

    sig = inspect.signature(check_claim).parameters
    assert sig["methods"].default == ("sdid", "sc", "did")
    assert sig["primary"].default is None  # -> "sdid" when it is run
    assert sig["reps"].default is None  # exact: all J placebos, no resampling
    assert sig["alpha"].default == 0.05
    assert SCHEMA["claim"]["primary"][2] == "sdid"
    assert SCHEMA["study"]["reps"][2] == 200 and SCHEMA["study"]["alpha"][2] == 0.05
    assert SCHEMA["claim"]["methods"][2] == ["sdid", "sc", "did"]


def test_harness_task_rows(sp, cal):
    rows = sp.run_task("factor", 0, "u00", 2014, ["ri"], 1, cal)
    df = pd.DataFrame(rows)
    assert set(df["effect"]) == set(sp.EFFECTS)
    assert (df["error"] == "").all()
    assert df["p"].between(0, 1).all()
    # seeded: the same task gives the same p-values
    again = pd.DataFrame(sp.run_task("factor", 0, "u00", 2014, ["ri"], 1, cal))
    np.testing.assert_array_equal(df["p"], again["p"])
    s = sp.summarise(df)
    assert {"rate", "mc_se", "n"} <= set(s.columns)
