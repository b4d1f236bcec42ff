"""Tests for survival.jdl.reoffending_effects: weighted-mean formulas, the weighted
Kaplan-Meier helper against R survival::survfit (robust = TRUE), a simulation where matching
recovers a known effect, JDL-style wording, the minimum cohort warning and bad inputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import (
    ColumnError,
    DataFormatError,
    DataWarning,
    InferenceWarning,
    SpecificationError,
)
from wsa_eval.interpret import INCONCLUSIVE
from wsa_eval.survival.balance import match, weight
from wsa_eval.survival.cohort import proven_reoffending
from wsa_eval.survival.jdl import _weighted_km_rmst, reoffending_effects

REF = Path(__file__).resolve().parents[1] / "reference" / "survival_jdl"


def persons(n=3000, seed=0, effect=-0.5, confound=0.9):
    """Per-person frame: x confounds referral (z) and reoffending; the log-odds effect of z
    on reoffending is ``effect``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.binomial(1, 1 / (1 + np.exp(-(x - 1))))
    p = 1 / (1 + np.exp(-(-0.8 + confound * x + effect * z)))
    re = rng.binomial(1, p)
    nre = np.where(re == 1, 1 + rng.poisson(1, n), 0)
    day = rng.integers(1, 366, n)
    return pd.DataFrame({
        "x": x, "z": z,
        "reoffended": pd.array(re, dtype="Int64"),
        "n_reoffences": pd.array(nre, dtype="Int64"),
        "time": np.where(re == 1, day, 365).astype(float), "event": re,
    }), p


def test_weighted_km_matches_r_survfit_robust(reference_dir):
    ref = pd.read_csv(REF / "weighted_km_rossi.csv")
    d = pd.read_csv(reference_dir / "rossi.csv")
    w = (1 + 0.5 * d["fin"] + 0.02 * d["prio"]).to_numpy()
    for _, r in ref.iterrows():
        ww = np.ones(len(d)) if r["weights"] == "none" else w
        S, v, _, _ = _weighted_km_rmst(d["week"].to_numpy(float),
                                       d["arrest"].to_numpy(float), ww, r["horizon"])
        # SOURCE: survival::survfit(Surv(week, arrest) ~ 1, weights, robust = TRUE), summary at
        # the horizon (tests/reference/survival_jdl/weighted_km_rossi.R); TOLERANCE 1e-9
        assert S == pytest.approx(r["surv"], abs=1e-9)
        assert np.sqrt(v) == pytest.approx(r["std_err_surv"], abs=1e-9)
        _, _, rm, vr = _weighted_km_rmst(d["week"].to_numpy(float),
                                         d["arrest"].to_numpy(float), ww, r["horizon"])
        # SOURCE: same fit; RMST = survfit's rmean, its SE from survfit's influence.surv;
        # TOLERANCE 1e-9
        assert rm == pytest.approx(r["rmst"], abs=1e-9)
        assert rm == pytest.approx(r["survfit_rmean"], abs=1e-9)
        assert np.sqrt(vr) == pytest.approx(r["std_err_rmst"], abs=1e-9)


def test_rate_and_frequency_are_weighted_means_with_linearised_se():
    df, _ = persons(800, seed=1)
    rng = np.random.default_rng(2)
    w = rng.uniform(0.2, 2.0, len(df))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = reoffending_effects(df, treatment="z", weights=w)
    eff = res.to_frame()
    z = df["z"].to_numpy()
    for row, col, k in ((0, "reoffended", 100), (1, "n_reoffences", 1)):
        y = df[col].to_numpy(float)
        mt = np.sum(w * z * y) / np.sum(w * z)
        mc = np.sum(w * (1 - z) * y) / np.sum(w * (1 - z))
        vt = np.sum((w * z) ** 2 * (y - mt) ** 2) / np.sum(w * z) ** 2
        vc = np.sum((w * (1 - z)) ** 2 * (y - mc) ** 2) / np.sum(w * (1 - z)) ** 2
        assert eff.loc[row, "estimate"] == pytest.approx(k * (mt - mc), rel=1e-12)
        assert eff.loc[row, "std_error"] == pytest.approx(k * np.sqrt(vt + vc), rel=1e-12)
        assert eff.loc[row, "treated_value"] == pytest.approx(k * mt, rel=1e-12)
    assert res.estimate == eff.loc[0, "estimate"]
    assert list(eff.columns[:7]) == ["term", "estimate", "std_error", "statistic", "p_value",
                                     "ci_low", "ci_high"]


def test_ipw_att_effect_equals_weighted_mean_formula():
    df, _ = persons(1500, seed=4)
    wr = weight(df, treatment="z", covariates=["x"], estimand="ATT")
    res = reoffending_effects(df, treatment="z", weights=wr)
    e = wr.scores.to_numpy()
    z, y = df["z"].to_numpy(), df["reoffended"].to_numpy(float)
    att = y[z == 1].mean() - np.sum((e / (1 - e) * y)[z == 0]) / np.sum((e / (1 - e))[z == 0])
    assert res.estimate == pytest.approx(100 * att, rel=1e-12)


def test_matching_recovers_known_effect_while_naive_is_biased():
    df, _ = persons(8000, seed=7, effect=-0.5, confound=1.2)
    # truth: ATT on the probability scale, from the simulation's own model
    rng_x = df["x"].to_numpy()[df["z"].to_numpy() == 1]
    p1 = 1 / (1 + np.exp(-(-0.8 + 1.2 * rng_x - 0.5)))
    p0 = 1 / (1 + np.exp(-(-0.8 + 1.2 * rng_x)))
    truth = 100 * np.mean(p1 - p0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        naive = reoffending_effects(df, treatment="z")
        m = match(df, treatment="z", covariates=["x"], with_replacement=True, random_state=0)
        res = reoffending_effects(df, treatment="z", weights=m)
    assert naive.estimate > truth + 10  # confounding makes the naive difference far off
    assert abs(res.estimate - truth) < 4  # simulation tolerance (se about 1.2 pp)
    assert res.ci_low < truth < res.ci_high
    assert res.effects.loc[0, "verdict"] == "evidence of a reduction"
    # RMST: more days free of reoffending for the treated, read as a reduction in reoffending
    assert res.effects.loc[3, "estimate"] > 0
    assert res.effects.loc[3, "verdict"] == "evidence of a reduction"


def test_wording_jdl_style_and_inconclusive():
    df, _ = persons(3000, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        m = match(df, treatment="z", covariates=["x"], random_state=0)
    res = reoffending_effects(df, treatment="z", weights=m, population="women")
    text = res.interpret()
    assert text.startswith("For any 100 women like those in the comparison group, ")
    assert "For every 100 women who received support, between" in text
    assert "fewer proven reoffences" in text and "evidence of a reduction" in text
    assert "no effect" not in text
    small = df.iloc[:160]
    with pytest.warns(InferenceWarning, match="fewer than the 60 the Justice Data Lab"):
        r2 = reoffending_effects(small, treatment="z", weights=np.ones(len(small)),
                                 population="women")
    t2 = r2.interpret()
    assert INCONCLUSIVE in t2 and "no effect" not in t2
    assert "does not show that the support makes no difference" in t2
    assert "Warning: 45 treated women have complete follow-up, fewer than the 60" in t2
    s = str(res.summary())
    assert "percentage points" in s and "For any 100 women" in s
    assert res.plot() is not None
    assert "estimate=" in repr(res)


def test_end_to_end_from_proven_reoffending():
    rng = np.random.default_rng(3)
    n = 600
    idx = pd.DataFrame({"person_id": np.arange(n), "treated": rng.integers(0, 2, n),
                        "index_date": pd.Timestamp("2019-01-01")
                        + pd.to_timedelta(rng.integers(0, 365, n), "D")})
    who = rng.integers(0, n, 500)
    od = idx["index_date"].to_numpy()[who] + pd.to_timedelta(rng.integers(1, 400, 500), "D")
    off = pd.DataFrame({"person_id": who, "offence_date": od,
                        "proven_date": od + pd.to_timedelta(rng.integers(0, 100, 500), "D")})
    coh = proven_reoffending(idx, off, data_end="2021-12-31")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = reoffending_effects(coh, treatment="treated")
    per = coh.persons
    rate_t = per.loc[per.treated == 1, "reoffended"].mean()
    rate_c = per.loc[per.treated == 0, "reoffended"].mean()
    assert res.estimate == pytest.approx(100 * (rate_t - rate_c), rel=1e-12)


def test_bad_inputs_and_input_unchanged():
    df, _ = persons(300, seed=5)
    before = df.copy()
    with pytest.raises(ColumnError):
        reoffending_effects(df.drop(columns="time"), treatment="z")
    with pytest.raises(ColumnError):
        reoffending_effects(df, treatment="nope")
    with pytest.raises(DataFormatError):
        reoffending_effects(df.assign(z=df["z"] + 1), treatment="z")
    with pytest.raises(SpecificationError):
        reoffending_effects(df, treatment="z", weights=np.ones(3))
    with pytest.raises(SpecificationError):
        reoffending_effects(df, treatment="z", weights=-np.ones(len(df)))
    with pytest.raises(SpecificationError):
        reoffending_effects(df, treatment="z", horizon=0)
    with pytest.raises(SpecificationError):
        reoffending_effects(df, treatment="z", alpha=1.5)
    with pytest.raises(SpecificationError):
        reoffending_effects(df.assign(event=2), treatment="z")
    with pytest.raises(SpecificationError, match="complete follow-up"):
        reoffending_effects(df, treatment="z", weights=df["z"].to_numpy(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        m = match(df.iloc[:200], treatment="z", covariates=["x"], random_state=0)
    with pytest.raises(SpecificationError, match="same per-person frame"):
        reoffending_effects(df, treatment="z", weights=m)
    with pytest.raises(SpecificationError):
        reoffending_effects([1, 2], treatment="z")
    with pytest.warns(DataWarning):
        reoffending_effects(df, treatment="z")
    pd.testing.assert_frame_equal(df, before)
