"""Bad input, input left unchanged, simulation recovery, outputs of cox()."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import (
    ColumnError,
    ConvergenceWarning,
    EstimationError,
    InferenceWarning,
    SpecificationError,
)
from wsa_eval.survival.cox import cox


def simulate(n=20_000, hr=0.7, seed=1):
    """Exponential times with a binary treatment (log HR = log(hr)) and a normal confounder;
    day-resolution times with uniform censoring (many ties)."""
    rng = np.random.default_rng(seed)
    treat = rng.integers(0, 2, n)
    z = rng.normal(size=n)
    rate = 0.01 * np.exp(np.log(hr) * treat + 0.5 * z)
    t = np.ceil(rng.exponential(1 / rate))
    c = rng.integers(30, 365, n)
    return pd.DataFrame({"treat": treat, "z": z, "time": np.minimum(t, c),
                         "event": (t <= c).astype(int), "site": rng.integers(0, 200, n)})


@pytest.fixture(scope="module")
def sim():
    return simulate()


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_recovers_known_hazard_ratio(sim, ties):
    res = cox(sim, duration="time", event="event", covariates=["treat", "z"], ties=ties,
              treatment="treat", concordance=False)
    f = res.to_frame().set_index("term")
    assert abs(f.loc["treat", "estimate"] - np.log(0.7)) < 3 * f.loc["treat", "std_error"]
    assert abs(f.loc["z", "estimate"] - 0.5) < 3 * f.loc["z", "std_error"]
    assert f.loc["treat", "hr_ci_low"] < 0.7 < f.loc["treat", "hr_ci_high"]
    assert "reduction" in res.interpret()


def test_robust_close_to_model_based_when_model_true(sim):
    kw = dict(duration="time", event="event", covariates=["treat", "z"], concordance=False)
    a = cox(sim, **kw)
    b = cox(sim, inference="robust", **kw)
    c = cox(sim, cluster="site", **kw)
    np.testing.assert_allclose(a.coef, b.coef)
    np.testing.assert_allclose(a.se, b.se, rtol=0.1)
    np.testing.assert_allclose(a.se, c.se, rtol=0.25)
    assert "cluster-robust" in c.inference and c.n_units == 200


def test_strata_and_weights_consistency(sim):
    """Breslow ties: integer weights = replicated rows exactly. (Efron's weighted version,
    as R's, averages the tied weights, so it is not a replication; the R reference tests
    cover it.)"""
    d = sim.assign(k=1 + (np.arange(len(sim)) % 3), s=sim["site"] % 4)
    rep = d.loc[d.index.repeat(d["k"])].reset_index(drop=True)
    for kw in ({}, {"strata": "s"}):
        a = cox(d, duration="time", event="event", covariates=["treat", "z"], weights="k",
                ties="breslow", concordance=False, **kw)
        b = cox(rep, duration="time", event="event", covariates=["treat", "z"],
                ties="breslow", concordance=False, **kw)
        np.testing.assert_allclose(a.coef, b.coef, atol=1e-10)
        np.testing.assert_allclose(a.vcov, b.vcov, atol=1e-12)
        assert a.loglik == pytest.approx(b.loglik, rel=1e-12)


def test_input_not_modified(sim):
    sim = sim.iloc[:2000].copy()
    before = sim.copy(deep=True)
    cox(sim.iloc[:2000], duration="time", event="event", covariates=["treat", "z"],
        cluster="site", inference="robust")
    pd.testing.assert_frame_equal(sim, before)


def test_shuffled_rows_give_same_fit(sim):
    kw = dict(duration="time", event="event", covariates=["treat", "z"], inference="robust",
              concordance=False)
    a = cox(sim, **kw)
    sh = sim.sample(frac=1, random_state=3)
    b = cox(sh, **kw)
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-10)
    np.testing.assert_allclose(a.vcov, b.vcov, atol=1e-12)


def _small():
    return pd.DataFrame({"t": [5.0, 3, 8, 2, 9, 4, 7, 6], "e": [1, 0, 1, 1, 0, 1, 1, 0],
                         "x": [0.5, 1.2, -0.3, 2.0, 0.1, -1.0, 0.7, 0.0],
                         "g": list("abababab"), "start": [0.0, 0, 1, 0, 2, 0, 0, 0]},
                        index=[10, 11, 12, 13, 14, 15, 16, 17])


@pytest.mark.parametrize("change,kw,err,match", [
    (lambda d: d.assign(t=d["t"].where(d.index != 12, -1.0)), {}, ColumnError,
     "negative values in row.*12"),
    (lambda d: d.assign(e=d["e"].where(d.index != 13, 2)), {}, ColumnError,
     "0 .censored. or 1.*13"),
    (lambda d: d.assign(e=d["e"].astype(float).where(d.index != 14, np.nan)), {}, ColumnError,
     "missing value.*14"),
    (lambda d: d.assign(x=d["x"].where(d.index != 15, np.nan)), {}, ColumnError,
     "'x'.*missing value.*15"),
    (lambda d: d.assign(t=d["t"].where(d.index != 16, np.nan)), {}, ColumnError,
     "'t'.*missing.*16"),
    (lambda d: d, {"covariates": ["nope"]}, ColumnError, "nope"),
    (lambda d: d, {"duration": "T"}, ColumnError, "duration='T'"),
    (lambda d: d, {"covariates": ["g"]}, ColumnError, "get_dummies"),
    (lambda d: d.assign(start=d["start"].where(d.index != 10, 5.0)), {"entry": "start"},
     ColumnError, "before 't'.*10"),
    (lambda d: d.assign(w=[1.0, 0, 1, 1, 1, 1, 1, 1]), {"weights": "w"}, ColumnError,
     "positive.*11"),
    (lambda d: d.assign(c=1.0), {"covariates": ["x", "c"]}, EstimationError, "single value"),
    (lambda d: d.assign(e=0), {}, EstimationError, "no events"),
    (lambda d: d, {"ties": "exact"}, SpecificationError, "ties"),
    (lambda d: d, {"alpha": 1.5}, SpecificationError, "alpha"),
    (lambda d: d.assign(x2=d["x"] * 2), {"covariates": ["x", "x2"]}, EstimationError,
     "collinear"),
])
def test_bad_input(change, kw, err, match):
    d = change(_small())
    before = d.copy(deep=True)
    args = dict(duration="t", event="e", covariates=["x"])
    args.update(kw)
    with pytest.raises(err, match=match):
        cox(d, **args)
    pd.testing.assert_frame_equal(d, before)


def test_not_a_frame():
    with pytest.raises(SpecificationError, match="DataFrame"):
        cox({"t": [1]}, duration="t", event="e", covariates=["x"])


def test_warnings():
    d = _small().assign(w=[0.5, 1.5, 1, 1, 2.5, 1, 1, 1])
    with pytest.warns(InferenceWarning, match="inference='robust'"):
        cox(d, duration="t", event="e", covariates=["x"], weights="w", inference="model")
    with pytest.warns(InferenceWarning, match="clusters"):
        cox(d, duration="t", event="e", covariates=["x"], cluster="g")
    # perfect separation: x predicts every event ordering -> monotone likelihood
    sep = pd.DataFrame({"t": np.arange(1.0, 21), "e": 1, "x": np.arange(20.0)[::-1]})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = cox(sep, duration="t", event="e", covariates=["x"])
    assert any(issubclass(w.category, ConvergenceWarning) for w in rec)
    assert res.warnings


def test_summary_plot_interpret(sim):
    res = cox(sim.iloc[:3000], duration="time", event="event", covariates=["treat", "z"],
              treatment="treat")
    text = str(res.summary())
    assert "hazard_ratio" in text and "likelihood ratio" in text
    assert 0.5 < res.concordance < 1
    ax = res.plot()
    assert ax.get_xscale() == "log"
    assert res.spec["arguments"]["ties"] == "efron" and res.spec["data_hash"]


def test_standard_errors_follow_r_and_are_named_in_the_summary():
    """R coxph (survival 3.5-3): robust by default with non-integer case weights or a cluster,
    model-based otherwise (tests/reference/survival_core/coxph_default_se.R)."""
    d = _small().assign(w=[0.5, 1.5, 1, 1, 2.5, 1, 1, 1], wi=[1, 2, 1, 1, 3, 1, 1, 1])
    kw = dict(duration="t", event="e", covariates=["x"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # R's default raises no warning
        frac = cox(d, weights="w", **kw)
    assert frac.robust and frac.spec["arguments"]["inference"] == "robust"
    text = str(frac.summary())
    assert "ROBUST standard errors" in text.splitlines()[text.splitlines().index(
        next(x for x in text.splitlines() if x.startswith("Coefficients")))]
    assert "model_std_error" in text and "non-integer case weights" in text
    integer = cox(d, weights="wi", **kw)
    assert not integer.robust and "MODEL-BASED" in str(integer.summary())
    assert "model-based SEs" in repr(integer) and "robust SEs" in repr(frac)
    np.testing.assert_allclose(frac.se, np.sqrt(frac.vcov.iloc[0, 0]))
    assert frac.se != pytest.approx(np.sqrt(frac.naive_vcov.iloc[0, 0]))
    with pytest.raises(SpecificationError, match="cluster"):
        cox(d, cluster="g", inference="model", **kw)
    with pytest.raises(SpecificationError, match="inference"):
        cox(d, inference="sandwich", **kw)


@pytest.mark.parametrize("old,new", [(True, "robust"), (False, "model")])
def test_old_argument_robust_still_works(old, new):
    d = _small().assign(w=[0.5, 1.5, 1, 1, 2.5, 1, 1, 1])
    kw = dict(duration="t", event="e", covariates=["x"], weights="w")
    with pytest.warns(FutureWarning, match="'robust' is now inference="):
        a = cox(d, robust=old, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = cox(d, inference=new, **kw)
    np.testing.assert_allclose(a.vcov, b.vcov)
    with pytest.raises(SpecificationError, match="inference"):
        cox(d, robust=old, inference=new, **kw)


def test_default_standard_errors_match_r():
    """SOURCE: R 4.2.2, survival 3.5-3, coxph(Surv(t, e) ~ x, weights = ...) with no robust
    argument (tests/reference/survival_core/coxph_default_se.R -> coxph_default_se.csv).
    TOLERANCE 1e-8 absolute (R's values printed to 15 digits)."""
    from pathlib import Path

    ref = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "survival_core"
                      / "coxph_default_se.csv")
    d = _small().assign(w=[0.5, 1.5, 1, 1, 2.5, 1, 1, 1], wi=[1, 2, 1, 1, 3, 1, 1, 1])
    for r in ref.itertuples():
        res = cox(d, duration="t", event="e", covariates=["x"], weights=r.weights,
                  ties=r.ties)
        assert res.robust == bool(r.robust)
        assert res.estimate == pytest.approx(r.coef, abs=1e-8)
        assert res.se == pytest.approx(r.se, abs=1e-8)
        assert np.sqrt(res.naive_vcov.iloc[0, 0]) == pytest.approx(r.naive_se, abs=1e-8)
