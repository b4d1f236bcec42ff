"""Parallel placebo-in-space refits (``n_jobs=``): the same results as the serial loop.

Small panel (10 donors, 20 periods) so that the module runs in a few seconds; speed itself
is measured in benchmarks/synth/bench_adh.py, never asserted here.
"""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import wsa_eval.synth.placebo as placebo_mod
from wsa_eval.errors import EstimationError, SpecificationError
from wsa_eval.synth.adh import synthetic_control

fork_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                               reason="patching the refit reaches the workers only via fork")


def panel(n=10, T=20, T0=14, effect=-6.0, seed=3):
    rng = np.random.default_rng(seed)
    F = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    lam = rng.uniform(0.5, 1.5, size=(n, 2))
    Y = 30 + lam @ F.T + 0.3 * rng.normal(size=(n, T))
    y1 = rng.dirichlet(np.ones(n)) @ Y + 0.3 * rng.normal(size=T)
    y1[T0:] += effect
    years = np.arange(2000, 2000 + T)
    rows = [("T", t, v) for t, v in zip(years, y1)]
    rows += [(f"D{j}", t, v) for j in range(n) for t, v in zip(years, Y[j])]
    return pd.DataFrame(rows, columns=["area", "year", "y"]), 2000 + T0


@pytest.fixture(scope="module")
def res():
    df, start = panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthetic_control(df, outcome="y", unit="area", time="year", treated="T",
                                 start=start, n_starts=3, special_predictors=[
                                     ("y", range(2000, 2005)), ("y", range(2005, 2010)),
                                     ("y", range(2010, 2014))])


@pytest.fixture(scope="module")
def serial(res):
    return res.placebo(progress=False)


def test_parallel_equals_serial_exactly(res, serial):
    par = res.placebo(progress=False, n_jobs=2)
    # bit-identical: exact comparison, no tolerance
    pd.testing.assert_frame_equal(par.placebo_table, serial.placebo_table, check_exact=True)
    pd.testing.assert_frame_equal(par.placebo_gaps, serial.placebo_gaps, check_exact=True)
    assert list(par.placebo_gaps.columns) == ["T"] + [f"D{j}" for j in range(10)]  # donor order
    assert par.p_value == serial.p_value
    assert par.diagnostics["placebo"] == serial.diagnostics["placebo"]
    pd.testing.assert_frame_equal(par.effects, serial.effects, check_exact=True)
    assert res.placebo_table is None  # the original result is unchanged


def test_all_cores_and_progress_bar(res, serial, capsys):
    par = placebo_mod.placebo_in_space(res, n_jobs=-1, progress=True)
    pd.testing.assert_frame_equal(par.placebo_table, serial.placebo_table, check_exact=True)
    assert "placebo in space" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [0, -2, 1.5, 2.0, "2", True])
def test_bad_n_jobs(res, bad):
    with pytest.raises(SpecificationError, match="n_jobs"):
        res.placebo(n_jobs=bad)


def test_worker_error_is_the_library_error():
    # every donor has the same covariate value, the treated unit another: the main fit
    # works but no placebo fit can tell its donors apart
    df, start = panel(n=4)
    df["x"] = np.where(df["area"] == "T", 2.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = synthetic_control(df, outcome="y", unit="area", time="year", treated="T",
                              start=start, predictors=["x"], v="equal")
    with pytest.raises(EstimationError) as ser:
        r.placebo(progress=False)
    with pytest.raises(EstimationError) as par:
        r.placebo(progress=False, n_jobs=2)
    assert str(par.value) == str(ser.value)


@fork_only
def test_first_donor_error_like_serial(res, monkeypatch):
    real_fit = placebo_mod._fit

    def fit(prob, treated, donors, **kw):
        if prob.units[treated] in ("D3", "D8"):
            raise EstimationError(f"placebo {prob.units[treated]} failed")
        return real_fit(prob, treated, donors, **kw)

    monkeypatch.setattr(placebo_mod, "_fit", fit)  # reaches the forked workers
    for n_jobs in (1, 2):  # D3 and D8 are in different chunks; the serial run meets D3 first
        with pytest.raises(EstimationError, match="placebo D3 failed"):
            res.placebo(progress=False, n_jobs=n_jobs)


@fork_only
def test_worker_warnings_reach_the_caller_in_donor_order(res, monkeypatch):
    real_fit = placebo_mod._fit

    def fit(prob, treated, donors, **kw):
        if prob.units[treated] in ("D1", "D9"):
            warnings.warn(f"check placebo {prob.units[treated]}", UserWarning)
        return real_fit(prob, treated, donors, **kw)

    monkeypatch.setattr(placebo_mod, "_fit", fit)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res.placebo(progress=False, n_jobs=2)
    assert [str(w.message) for w in caught if w.category is UserWarning] == \
        ["check placebo D1", "check placebo D9"]
