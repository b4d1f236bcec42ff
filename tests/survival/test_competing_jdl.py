"""Known-answer and bad-input tests for survival.competing (cumulative incidence, Gray's test,
Fine-Gray). Reference numbers: R cmprsk 2.2.11 on mgus2_cr.csv, produced by
tests/reference/survival_jdl/cmprsk_mgus2.R and committed beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import (
    ColumnError,
    DataFormatError,
    EstimationError,
    SpecificationError,
)
from wsa_eval.survival.competing import cumulative_incidence, fine_gray, gray_test

REF = Path(__file__).resolve().parents[1] / "reference" / "survival_jdl"


@pytest.fixture(scope="module")
def mgus(reference_dir):
    d = pd.read_csv(reference_dir / "mgus2_cr.csv")
    d["male"] = (d["sex"] == "M").astype(float)
    return d


def _cuminc_ref(name: str) -> pd.DataFrame:
    ref = pd.read_csv(REF / name)
    # cuminc lists each jump twice (before / after); the value after the jump is the last row
    ref = ref[ref["time"] > 0].groupby(["curve", "time"], sort=False).tail(1)
    return ref


@pytest.mark.parametrize("cause", [1, 2])
def test_cuminc_matches_cmprsk_by_sex(mgus, cause):
    ref = _cuminc_ref("cuminc_by_sex.csv")
    res = cumulative_incidence(mgus, duration="etime", event="event",
                               event_of_interest=cause, group="sex")
    tab = res.to_frame()
    for g in ("F", "M"):
        r = ref[ref["curve"] == f"{g} {cause}"]
        ours = tab[(tab["group"] == g) & (tab["time"] > 0)]
        m = ours.merge(r, on="time", how="inner")
        # every jump time of ours is one of cuminc's, and vice versa except cuminc's last row
        # (which only extends the curve to the largest follow-up time)
        assert len(m) == len(ours) and len(r) - len(m) <= 1
        # SOURCE: cmprsk::cuminc(etime, event, group = sex); TOLERANCE 1e-6 (abs)
        np.testing.assert_allclose(m["estimate"], m["est"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(m["std_error"] ** 2, m["var"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(m["std_error"] ** 2, m["var"], rtol=1e-8, atol=1e-14)


def test_cuminc_overall_matches_cmprsk(mgus):
    ref = _cuminc_ref("cuminc_overall.csv")
    for cause in (1, 2):
        res = cumulative_incidence(mgus, duration="etime", event="event",
                                   event_of_interest=cause)
        tab = res.to_frame()
        m = tab[tab["time"] > 0].merge(ref[ref["curve"] == f"1 {cause}"], on="time")
        assert len(m) == (tab["time"] > 0).sum()
        # SOURCE: cmprsk::cuminc(etime, event); TOLERANCE 1e-8 relative
        np.testing.assert_allclose(m["estimate"], m["est"], rtol=1e-10)
        np.testing.assert_allclose(m["std_error"] ** 2, m["var"], rtol=1e-8)
        assert res.gray is None


@pytest.mark.parametrize("rho,fname", [(0, "gray_test_by_sex.csv"),
                                       (1, "gray_test_by_sex_rho1.csv")])
def test_gray_test_matches_cmprsk(mgus, rho, fname):
    ref = pd.read_csv(REF / fname)
    for _, r in ref.iterrows():
        g = gray_test(mgus, duration="etime", event="event",
                      event_of_interest=int(r["cause"]), group="sex", rho=rho)
        # SOURCE: cuminc(...)$Tests; TOLERANCE 1e-8 relative
        assert g.statistic == pytest.approx(r["stat"], rel=1e-8)
        assert g.p_value == pytest.approx(r["pv"], rel=1e-7)
        assert g.df == 1
    if rho == 0:  # cumulative_incidence's built-in test is the rho = 0 test for its cause
        res = cumulative_incidence(mgus, duration="etime", event="event", group="sex")
        assert res.gray["statistic"] == pytest.approx(ref["stat"].iloc[0], rel=1e-8)


def test_gray_stratified_equals_sum_of_strata(mgus):
    # one stratum = the unstratified test; two strata: the score adds up across strata
    d = mgus.assign(one=1)
    a = gray_test(d, duration="etime", event="event", group="sex", strata="one")
    b = gray_test(d, duration="etime", event="event", group="sex")
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)
    d["old"] = (d["age"] >= 70).astype(int)
    c = gray_test(d, duration="etime", event="event", group="sex", strata="old")
    assert np.isfinite(c.statistic) and c.statistic != pytest.approx(b.statistic)


@pytest.mark.parametrize("failcode", [1, 2])
def test_fine_gray_matches_crr(mgus, failcode):
    ref = pd.read_csv(REF / "crr_age_male.csv")
    ref = ref[(ref["failcode"] == failcode) & (ref["gtol"] < 1e-9)].set_index("term")
    fit = fine_gray(mgus, duration="etime", event="event", event_of_interest=failcode,
                    covariates=["age", "male"])
    assert fit.converged
    # SOURCE: cmprsk::crr(etime, event, cov1 = cbind(age, male), failcode, gtol = 1e-12);
    # TOLERANCE 1e-7 absolute on coefficients and standard errors (crr's own convergence
    # tolerance limits agreement), 1e-8 relative on the log pseudo-likelihood
    np.testing.assert_allclose(fit.params[["age", "male"]], ref.loc[["age", "male"], "coef"],
                               rtol=0, atol=1e-7)
    np.testing.assert_allclose(fit.se[["age", "male"]], ref.loc[["age", "male"], "se"],
                               rtol=1e-6, atol=1e-9)
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], rel=1e-8)
    eff = fit.to_frame()
    assert list(eff.columns[:7]) == ["term", "estimate", "std_error", "statistic", "p_value",
                                     "ci_low", "ci_high"]
    np.testing.assert_allclose(eff["shr"], np.exp(eff["estimate"]))


def test_fine_gray_without_competing_events_is_cox_breslow():
    # with no competing events the IPCW weights never enter: Fine-Gray = Cox (Breslow ties)
    rng = np.random.default_rng(3)
    n = 300
    x = rng.normal(size=n)
    t = rng.exponential(1 / np.exp(0.5 * x))
    c = rng.exponential(2.0, size=n)
    d = pd.DataFrame({"time": np.round(np.minimum(t, c), 2), "x": x,
                      "event": (t <= c).astype(int)})
    fit = fine_gray(d, duration="time", event="event", covariates=["x"])
    # Cox partial likelihood score at the estimate (Breslow): sum_i d_i (x_i - xbar(t_i)) = 0
    tt, e, xx = d["time"].to_numpy(), d["event"].to_numpy(), d["x"].to_numpy()
    b = fit.params["x"]
    score = sum(xx[i] - np.sum((tt >= tt[i]) * xx * np.exp(b * xx))
                / np.sum((tt >= tt[i]) * np.exp(b * xx)) for i in np.flatnonzero(e == 1))
    assert abs(score) < 1e-8
    assert 0.3 < b < 0.7


def test_cif_simulation_recovers_truth():
    # two exponential causes with rates 1 and 0.5: F_1(t) = (2/3)(1 - exp(-1.5 t))
    rng = np.random.default_rng(11)
    n = 4000
    t1, t2 = rng.exponential(1.0, n), rng.exponential(2.0, n)
    c = rng.uniform(0, 3, n)
    t = np.minimum.reduce([t1, t2, c])
    ev = np.where(t == c, 0, np.where(t == t1, 1, 2))
    res = cumulative_incidence(pd.DataFrame({"t": t, "e": ev}), duration="t", event="e")
    at = res.at(1.0).iloc[0]
    truth = 2 / 3 * (1 - np.exp(-1.5))
    assert abs(at["estimate"] - truth) < 3 * at["std_error"]
    assert at["ci_low"] < truth < at["ci_high"]


def test_conf_type_plain_and_loglog(mgus):
    a = cumulative_incidence(mgus, duration="etime", event="event",
                             conf_type="plain").to_frame()
    b = cumulative_incidence(mgus, duration="etime", event="event").to_frame()
    np.testing.assert_allclose(a["estimate"], b["estimate"])
    assert (b["ci_low"] >= 0).all() and (b["ci_high"] <= 1).all()
    assert ((a["ci_high"] - a["ci_low"]) > 0).sum() > 0


def test_input_unchanged_and_outputs(mgus):
    before = mgus.copy()
    res = cumulative_incidence(mgus, duration="etime", event="event", group="sex")
    fine_gray(mgus, duration="etime", event="event", covariates=["age"])
    gray_test(mgus, duration="etime", event="event", group="sex")
    pd.testing.assert_frame_equal(mgus, before)
    assert set(["group", "time", "estimate", "std_error", "ci_low", "ci_high"]) <= set(
        res.to_frame().columns)
    assert "Gray" in str(res.summary()) and "group F" in res.interpret()
    ax = res.plot()
    assert ax.get_ylabel()


def test_bad_inputs(mgus):
    with pytest.raises(ColumnError):
        cumulative_incidence(mgus, duration="nope", event="event")
    with pytest.raises(EstimationError, match="event_of_interest"):
        cumulative_incidence(mgus, duration="etime", event="event", event_of_interest=7)
    with pytest.raises(SpecificationError):
        cumulative_incidence(mgus, duration="etime", event="event", event_of_interest=0)
    bad = mgus.copy()
    bad.loc[3, "etime"] = np.nan
    with pytest.raises(DataFormatError, match="missing"):
        cumulative_incidence(bad, duration="etime", event="event")
    bad = mgus.copy()
    bad.loc[3, "etime"] = -1
    with pytest.raises(DataFormatError, match="negative"):
        cumulative_incidence(bad, duration="etime", event="event")
    with pytest.raises(ColumnError):
        cumulative_incidence(mgus.assign(event=mgus["event"] + 0.5), duration="etime",
                             event="event")
    with pytest.raises(SpecificationError):
        cumulative_incidence(mgus, duration="etime", event="event", alpha=2)
    with pytest.raises(SpecificationError, match="conf_type"):
        cumulative_incidence(mgus, duration="etime", event="event", conf_type="linear")
    with pytest.raises(SpecificationError):
        gray_test(mgus.assign(g=1), duration="etime", event="event", group="g")
    with pytest.raises(ColumnError, match="not numeric"):
        fine_gray(mgus, duration="etime", event="event", covariates=["sex"])
    with pytest.raises(EstimationError, match="do not vary"):
        fine_gray(mgus.assign(k=1.0), duration="etime", event="event", covariates=["k"])
    with pytest.raises(SpecificationError):
        fine_gray(mgus, duration="etime", event="event", covariates=[])
    with pytest.raises(SpecificationError):
        cumulative_incidence([1, 2], duration="etime", event="event")


def _ageband(d):
    return d.assign(ageband=pd.cut(d["age"], [0, 60, 75, 200],
                                   labels=["a<=60", "b60-75", "c>75"]).astype(str))


def test_gray_three_groups_and_strata_match_cmprsk(mgus):
    d = _ageband(mgus)
    for fname, strata in (("gray_test_by_ageband.csv", None),
                          ("gray_test_by_ageband_strata_sex.csv", "sex")):
        ref = pd.read_csv(REF / fname)
        for _, r in ref.iterrows():
            g = gray_test(d, duration="etime", event="event", event_of_interest=int(r["cause"]),
                          group="ageband", strata=strata)
            # SOURCE: cuminc(etime, event, group = ageband[, strata = sex])$Tests;
            # TOLERANCE 1e-8 relative
            assert g.statistic == pytest.approx(r["stat"], rel=1e-8)
            assert g.df == 2


def test_cuminc_three_groups_match_cmprsk(mgus):
    d = _ageband(mgus)
    ref = _cuminc_ref("cuminc_by_ageband.csv")
    for cause in (1, 2):
        tab = cumulative_incidence(d, duration="etime", event="event", event_of_interest=cause,
                                   group="ageband").to_frame()
        for g in ("a<=60", "b60-75", "c>75"):
            r = ref[ref["curve"] == f"{g} {cause}"]
            m = tab[(tab["group"] == g) & (tab["time"] > 0)].merge(r, on="time")
            assert len(m) == ((tab["group"] == g) & (tab["time"] > 0)).sum()
            # SOURCE: cuminc(etime, event, group = ageband); TOLERANCE 1e-6 absolute
            np.testing.assert_allclose(m["estimate"], m["est"], atol=1e-6, rtol=0)
            np.testing.assert_allclose(m["std_error"] ** 2, m["var"], atol=1e-6, rtol=1e-8)


def test_cif_plot_draws_on_given_axes(mgus):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    res = cumulative_incidence(mgus, duration="etime", event="event", group="sex")
    out = res.plot(ax=ax, bands=False, percent=False)
    assert out is ax and len(ax.get_lines()) == 2
    fit = fine_gray(mgus, duration="etime", event="event", covariates=["age", "male"])
    assert fit.plot() is not None and "subdistribution hazard ratio" in fit.interpret()
    assert "Gray's test" in gray_test(mgus, duration="etime", event="event",
                                      group="sex").interpret()


def test_old_argument_ci_still_works(mgus):
    b = cumulative_incidence(mgus, duration="etime", event="event", conf_type="plain")
    with pytest.warns(FutureWarning, match="'ci' is now conf_type"):
        a = cumulative_incidence(mgus, duration="etime", event="event", ci="linear")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_table_columns_follow_the_glossary(mgus):
    from wsa_eval.glossary import RESULT_COLUMNS

    tab = cumulative_incidence(mgus, duration="etime", event="event", group="sex").to_frame()
    banned = {old for olds in RESULT_COLUMNS.values() for old in olds}
    assert not banned & set(tab.columns)
    assert {"n_at_risk", "n_events"} <= set(tab.columns)
    # n_events: the events of interest at each time; n_at_risk: everyone still event-free
    for g, part in tab.groupby("group"):
        m = mgus[mgus["sex"] == g]
        assert part["n_events"].sum() == (m["event"] == 1).sum()
        t1 = part.iloc[1]
        assert t1["n_at_risk"] == (m["etime"] >= t1["time"]).sum()
