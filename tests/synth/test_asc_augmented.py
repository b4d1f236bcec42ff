"""Augmented synthetic control (Ben-Michael, Feller & Rothstein 2021) tests.

Known answers: tests/reference/synth_sdid/basque_pysyncon_ascm.json, made by
make_reference_pysyncon_ascm.py (pysyncon 1.7.0 AugSynth, Basque Country GDP per capita).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import EstimationError, PanelError, SpecificationError
from wsa_eval.results import TIDY_COLUMNS
from wsa_eval.synth.augmented import AugSynthResult, augmented, ridge_ascm_weights

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "reference" / "synth_sdid" /
                  "basque_pysyncon_ascm.json").read_text())
TREATED = "Basque Country (Pais Vasco)"


@pytest.fixture(scope="module")
def basque(reference_dir) -> pd.DataFrame:
    df = pd.read_csv(reference_dir / "basque.csv")
    return df[df.regionname != "Spain (Espana)"]


KW = dict(outcome="gdpcap", unit="regionname", time="year", treated=TREATED, start=1970)


@pytest.mark.parametrize("label", ["lambda_1", "cv"])
def test_matches_pysyncon_augsynth(basque, label):
    # pysyncon solves the SCM step with SLSQP (ftol 1e-12): weights and ATT agree to 1e-6
    ref = REF[label]
    r = augmented(basque, **KW, lambda_=ref["lambda"], inference=None)
    w = pd.Series(ref["weights"])
    ws = pd.Series(ref["scm_weights"])
    assert np.abs(r.unit_weights.reindex(w.index) - w).max() < 1e-6
    assert np.abs(r.scm_weights.reindex(ws.index) - ws).max() < 1e-6
    assert r.estimate == pytest.approx(ref["att"], abs=1e-6)
    assert r.unit_weights.sum() == pytest.approx(1.0, abs=1e-10)


def test_cross_validated_lambda_matches_pysyncon(basque):
    # same leave-one-period-out CV and one-standard-error rule; pysyncon's grid is augsynth's
    # shifted by one step, and both contain the chosen value (rel. tol 1e-9)
    r = augmented(basque, **KW, inference=None)
    assert r.lambda_ == pytest.approx(REF["cv"]["lambda"], rel=1e-9)
    ref_err = dict(zip(np.round(REF["cv"]["lambdas"], 6), REF["cv"]["cv_errors"]))
    for lam, err in zip(r.cv["lambda"], r.cv["cv_error"]):
        if round(lam, 6) in ref_err:
            assert err == pytest.approx(ref_err[round(lam, 6)], rel=1e-5)
    assert r.cv["chosen"].sum() == 1


def test_jackknife_plus_interval_and_result_api(basque):
    before = basque.copy()
    r = augmented(basque, **KW)
    pd.testing.assert_frame_equal(basque, before)
    assert isinstance(r, AugSynthResult)
    assert r.ci_low < r.estimate < r.ci_high
    assert np.isnan(r.se) and np.isnan(r.p_value)  # jackknife+ gives an interval only
    eff = r.to_frame()
    assert list(eff.columns[:7]) == list(TIDY_COLUMNS)
    post = eff[eff.post]
    assert post.estimate.mean() == pytest.approx(r.estimate, abs=1e-12)
    assert (post.ci_low <= post.estimate).all() and (post.estimate <= post.ci_high).all()
    assert eff.loc[~eff.post, "ci_low"].isna().all()
    assert (r.unit_weights < 0).any()  # ridge augmentation extrapolates here
    assert "Extremadura" in str(r.summary())
    assert "evidence of a reduction" in r.interpret()
    for kind in r.plot_kinds:
        assert hasattr(r.plot(kind=kind), "plot")


def test_no_augmentation_is_plain_synthetic_control(basque):
    r = augmented(basque, **KW, progfunc="none", inference=None)
    np.testing.assert_allclose(r.unit_weights, r.scm_weights)
    assert (r.unit_weights >= 0).all() and np.isnan(r.lambda_)
    ws = pd.Series(REF["cv"]["scm_weights"])
    assert np.abs(r.unit_weights.reindex(ws.index) - ws).max() < 1e-6


def test_fixedeff_shifts_the_counterfactual(basque):
    r = augmented(basque, **KW, fixedeff=True, lambda_=1.0, inference=None)
    eff = r.to_frame()
    pre = eff[~eff.post]
    # de-meaned: the pre-period gaps average to zero (weights sum to one)
    assert pre.estimate.mean() == pytest.approx(0.0, abs=1e-10)


def test_ridge_weights_formula():
    # against the closed form of Ben-Michael et al. (2021, eq. 12), computed directly
    rng = np.random.default_rng(0)
    X0 = rng.normal(size=(12, 6))
    x1 = rng.normal(size=6)
    w, w_scm = ridge_ascm_weights(X0, x1, 0.7)
    Xc = X0 - X0.mean(axis=0)
    direct = w_scm + (x1 - w_scm @ X0) @ np.linalg.solve(Xc.T @ Xc + 0.7 * np.eye(6), Xc.T)
    np.testing.assert_allclose(w, direct, atol=1e-12)
    assert w_scm.min() >= 0 and w_scm.sum() == pytest.approx(1.0)


def test_recovers_known_effect_outside_the_convex_hull():
    # treated unit above every donor (SCM cannot fit it); ridge ASCM extrapolates and gets
    # closer to the true effect (-2) than plain SCM; tolerance 0.5
    rng = np.random.default_rng(4)
    n, T, T0 = 25, 30, 22
    load = rng.uniform(0, 1, size=n + 1)
    load[-1] = 1.6
    f = np.cumsum(rng.normal(size=T)) + np.linspace(0, 5, T)
    y = load[:, None] * f[None, :] + rng.normal(scale=0.2, size=(n + 1, T))
    y[-1, T0:] -= 2.0
    df = pd.DataFrame({"u": np.repeat(np.arange(n + 1), T), "t": np.tile(np.arange(T), n + 1),
                       "y": y.ravel()})
    kw = dict(outcome="y", unit="u", time="t", treated=n, start=T0)
    aug = augmented(df, **kw, inference=None)
    scm = augmented(df, **kw, progfunc="none", inference=None)
    assert abs(aug.estimate + 2.0) < 0.5
    assert abs(aug.estimate + 2.0) < abs(scm.estimate + 2.0)


def test_placebo_p_value(basque):
    r = augmented(basque, **KW, inference="placebo", lambda_=1.0)
    assert 1 / 17 <= r.p_value <= 1
    assert "placebo" in r.inference and np.isnan(r.ci_low)


def test_bad_input(basque):
    with pytest.raises(PanelError, match="Atlantis"):
        augmented(basque, **{**KW, "treated": "Atlantis"})
    with pytest.raises(PanelError, match="before treatment"):
        augmented(basque, **{**KW, "start": 1956})
    gappy = basque[~((basque.regionname == "Galicia") & (basque.year == 1960))]
    with pytest.raises(PanelError, match="Galicia"):
        augmented(gappy, **KW)
    with pytest.raises(SpecificationError, match="progfunc"):
        augmented(basque, **KW, progfunc="gsynth")
    with pytest.raises(SpecificationError, match="lambda_"):
        augmented(basque, **KW, lambda_=-1.0)
    with pytest.raises(SpecificationError, match="same period"):
        augmented(basque, **{**KW, "treated": [TREATED, "Galicia"],
                             "start": {TREATED: 1970, "Galicia": 1975}})
    flat = basque.assign(gdpcap=1.0)
    with pytest.raises(EstimationError, match="constant"):
        augmented(flat, **KW)
    short = basque[basque.year >= 1967]
    with pytest.raises(EstimationError, match="pre-treatment periods"):
        augmented(short, **KW)  # 3 pre-periods: too few to cross-validate lambda
