"""Wild cluster bootstrap: known answers vs the PyPI package wildboottest, bad input, seeds."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import ColumnError, EstimationError, InferenceWarning, SpecificationError
from wsa_eval.inference.wild import wild_bootstrap_twfe, wild_cluster_bootstrap

REF = Path(__file__).resolve().parents[1] / "reference" / "did_inf"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(REF / "wild_panel.csv")


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "wild_reference.json").read_text())


def _lsdv(df: pd.DataFrame) -> np.ndarray:
    X = pd.get_dummies(df[["unit", "year"]].astype(str), drop_first=True).astype(float)
    X.insert(0, "const", 1.0)
    X.insert(0, "d", df["d"])
    return X.to_numpy()


@pytest.mark.parametrize("key,impose", [("WCR", True), ("WCU", False)])
def test_matches_wildboottest_full_enumeration(panel, ref, key, impose):
    # Source: wildboottest 0.3.2 (PyPI), tests/reference/did_inf/wild_reference.py.
    # All 2^8 Rademacher sign vectors, so the bootstrap is deterministic.
    # Tolerance 1e-10 (floating point only).
    r = wild_cluster_bootstrap(_lsdv(panel), panel["y"].to_numpy(), panel["unit"].to_numpy(),
                               0, impose_null=impose, reps=9999)
    assert r.enumerated and r.reps == 256
    assert r.estimate == pytest.approx(ref[key]["beta_hat"], abs=1e-10)
    assert r.t_stat == pytest.approx(ref[key]["t_stat"], abs=1e-10)
    np.testing.assert_allclose(r.t_boot, ref[key]["t_boot"], atol=1e-10)
    # wildboottest counts |t*| > |t| strictly, ours counts >=; under WCR the draws v = +/-1
    # reproduce |t| exactly and wildboottest's float noise counts them too, so the reported
    # p-values agree exactly (WCR 60/256, WCU 116/256).
    assert r.p_value == pytest.approx(ref[key]["p_value_strict"], abs=1e-12)


def test_panel_wrapper_absorbs_unit_effects_exactly(panel, ref):
    # Unit FE absorbed by demeaning (units nested in clusters) gives the same p-value and
    # interval as the dummy-variable regression; t differs only by the small-sample factor
    # (n - k) since absorbed effects are not counted (as fixest does for nested FE).
    with pytest.warns(InferenceWarning, match="2 of 8 clusters"):
        w = wild_bootstrap_twfe(panel, outcome="y", unit="unit", time="year", treatment="d")
    full = wild_cluster_bootstrap(_lsdv(panel), panel["y"].to_numpy(),
                                  panel["unit"].to_numpy(), 0)
    assert w.p_value == pytest.approx(full.p_value, abs=1e-12)
    assert w.ci_low == pytest.approx(full.ci_low, abs=1e-6)
    assert w.ci_high == pytest.approx(full.ci_high, abs=1e-6)
    n, k_full, k_abs = 48, 14, 6
    ratio = np.sqrt((n - k_full) / (n - k_abs))
    assert w.test.t_stat * ratio == pytest.approx(ref["WCR"]["t_stat"], abs=1e-10)
    assert w.ci_low < w.estimate < w.ci_high
    # the interval endpoints are where the p-value crosses alpha
    X, y, g = _lsdv(panel), panel["y"].to_numpy(), panel["unit"].to_numpy()
    for end, inside in ((w.ci_low, 1e-4), (w.ci_high, -1e-4)):
        p_in = wild_cluster_bootstrap(X, y, g, 0, null=end + inside, ci=False).p_value
        p_out = wild_cluster_bootstrap(X, y, g, 0, null=end - inside, ci=False).p_value
        assert p_in > 0.05 >= p_out


def test_webb_seeded_reproducible_and_close_to_rademacher(panel):
    X, y, g = _lsdv(panel), panel["y"].to_numpy(), panel["unit"].to_numpy()
    a = wild_cluster_bootstrap(X, y, g, 0, weights="webb", reps=999, random_state=5, ci=False)
    b = wild_cluster_bootstrap(X, y, g, 0, weights="webb", reps=999, random_state=5, ci=False)
    c = wild_cluster_bootstrap(X, y, g, 0, weights="webb", reps=999, random_state=6, ci=False)
    assert a.p_value == b.p_value and np.array_equal(a.t_boot, b.t_boot)
    assert not np.array_equal(a.t_boot, c.t_boot)
    assert not a.enumerated and a.reps == 999
    rad = wild_cluster_bootstrap(X, y, g, 0, ci=False)
    assert abs(a.p_value - rad.p_value) < 0.1


def test_recovers_effect_with_many_treated_clusters():
    rng = np.random.default_rng(3)
    N, T = 30, 8
    u = np.repeat(np.arange(N), T)
    t = np.tile(np.arange(T), N)
    d = ((u < 15) & (t >= 4)).astype(float)
    y = 1.0 * d + rng.normal(size=N)[u] + rng.normal(size=T)[t] + rng.normal(size=N * T) * 0.5
    df = pd.DataFrame({"u": u, "t": t, "d": d, "y": y})
    before = df.copy()
    r = wild_bootstrap_twfe(df, outcome="y", unit="u", time="t", treatment="d", reps=999,
                            random_state=1)
    pd.testing.assert_frame_equal(df, before)
    assert r.estimate == pytest.approx(1.0, abs=0.3)
    assert r.p_value < 0.01
    assert r.ci_low < 1.0 < r.ci_high
    assert "wild cluster bootstrap" in r.inference
    assert r.summary().as_text()
    assert r.plot() is not None
    assert "evidence of an increase" in r.interpret()


def test_one_treated_cluster_warns_plainly():
    rng = np.random.default_rng(4)
    N, T = 12, 6
    u = np.repeat(np.arange(N), T)
    t = np.tile(np.arange(T), N)
    d = ((u == 0) & (t >= 3)).astype(float)
    df = pd.DataFrame({"u": u, "t": t, "d": d, "y": rng.normal(size=N * T)})
    with pytest.warns(InferenceWarning, match="Only 1 of 12 clusters"):
        r = wild_bootstrap_twfe(df, outcome="y", unit="u", time="t", treatment="d", reps=999,
                                random_state=0)
    assert any("conservative" in w for w in r.warnings)


def test_bad_input(panel):
    X, y, g = _lsdv(panel), panel["y"].to_numpy(), panel["unit"].to_numpy()
    with pytest.raises(SpecificationError, match="coef_index"):
        wild_cluster_bootstrap(X, y, g, 99)
    with pytest.raises(SpecificationError, match="weights"):
        wild_cluster_bootstrap(X, y, g, 0, weights="mammen")
    with pytest.raises(SpecificationError, match="reps"):
        wild_cluster_bootstrap(X, y, g, 0, reps=10)
    with pytest.raises(EstimationError, match="collinear"):
        wild_cluster_bootstrap(np.column_stack([X, X[:, 0]]), y, g, 0)
    with pytest.raises(EstimationError, match="at least 2 clusters"):
        wild_cluster_bootstrap(X, y, np.zeros(len(y)), 0)
    bad = y.copy()
    bad[0] = np.nan
    with pytest.raises(SpecificationError, match="finite"):
        wild_cluster_bootstrap(X, bad, g, 0)
    with pytest.raises(ColumnError, match="treatment='dd'"):
        wild_bootstrap_twfe(panel, outcome="y", unit="unit", time="year", treatment="dd")


def test_no_warning_with_many_treated():
    rng = np.random.default_rng(8)
    N, T = 20, 5
    u = np.repeat(np.arange(N), T)
    t = np.tile(np.arange(T), N)
    d = ((u < 10) & (t >= 2)).astype(float)
    df = pd.DataFrame({"u": u, "t": t, "d": d, "y": rng.normal(size=N * T)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        r = wild_bootstrap_twfe(df, outcome="y", unit="u", time="t", treatment="d", reps=999,
                                random_state=0)
    assert r.warnings == ()
