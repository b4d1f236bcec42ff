"""Sun & Abraham (2021) interaction-weighted estimator (wsa_eval.did.sun_abraham).

Reference numbers: tests/reference/did_reg/reference_values.json (pyfixest 0.60
``event_study(estimator="saturated").aggregate()``: cohort x relative-period interactions
with never-treated controls, cohort-share weights, CRV1 by unit).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.did.sun_abraham import sun_abraham
from wsa_eval.did.twfe import twfe
from wsa_eval.errors import EstimationError, PanelError, SpecificationError
from wsa_eval.results import TIDY_COLUMNS

REF = json.loads((Path(__file__).parents[1] / "reference" / "did_reg" /
                  "reference_values.json").read_text())


def _sim(seed: int, n_per: int = 30, T: int = 12, cohorts=(3, 6, 9), never: int = 0,
         slope: float = 1.0, noise: float = 0.2) -> pd.DataFrame:
    """Staggered adoption with effects growing with exposure: tau = slope * (e + 1)."""
    rng = np.random.default_rng(seed)
    gs = [c for c in cohorts for _ in range(n_per)] + [0] * never
    rows = []
    for i, g in enumerate(gs):
        a = rng.normal()
        for t in range(1, T + 1):
            tau = slope * (t - g + 1) if g > 0 and t >= g else 0.0
            rows.append((i, t, g, a + 0.1 * t + tau + rng.normal(scale=noise), tau))
    return pd.DataFrame(rows, columns=["id", "t", "g", "y", "tau"])


def test_sunab_castle_matches_pyfixest(castle):
    r = sun_abraham(castle, outcome="l_homicide", unit="state", time="year",
                    first_treated="g", share_variance=False)
    ref = REF["castle_sunab"]
    eff = r.to_frame()
    assert list(eff.columns[:7]) == list(TIDY_COLUMNS)
    assert list(eff["event_time"]) == ref["event_time"]
    # pyfixest SaturatedEventStudy.aggregate(): estimates 1e-9, SEs 1e-6
    assert eff["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-9)
    assert eff["std_error"].to_numpy() == pytest.approx(ref["se"], abs=1e-6)
    assert r.vcov.shape == (len(eff), len(eff))
    np.testing.assert_allclose(np.sqrt(np.diag(r.vcov)), eff["std_error"], rtol=1e-12)
    # shares sum to one at each event time
    sums = r.cohort_effects.groupby("event_time")["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-12)


def test_sunab_mpdta_matches_pyfixest(mpdta):
    r = sun_abraham(mpdta, outcome="lemp", unit="countyreal", time="year",
                    first_treated="first.treat", share_variance=False)
    ref = REF["mpdta_sunab"]
    eff = r.to_frame()
    assert list(eff["event_time"]) == ref["event_time"]
    assert eff["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-9)
    assert eff["std_error"].to_numpy() == pytest.approx(ref["se"], abs=1e-6)
    # ATT = size-weighted average of the post cells, by hand from the cohort table
    ce = r.cohort_effects
    post = ce[ce.event_time >= 0]
    att = float((post["estimate"] * post["n_obs_or_weight"]).sum()
                / post["n_obs_or_weight"].sum())
    assert r.estimate == pytest.approx(att, abs=1e-12)
    pw = r.diagnostics["pretrend_wald"]
    assert pw["df"] == 3 and 0 <= pw["p_value"] <= 1


def test_sunab_share_variance_term(mpdta):
    """eventstudyinteract adds delta_l' (diag(p) - pp') delta_l / n_l to each variance."""
    kw = dict(outcome="lemp", unit="countyreal", time="year", first_treated="first.treat")
    known = sun_abraham(mpdta, share_variance=False, **kw)
    full = sun_abraham(mpdta, **kw)
    np.testing.assert_allclose(full.effects["estimate"], known.effects["estimate"])
    ce = full.cohort_effects
    for e, se_k, se_f in zip(known.effects["event_time"], known.effects["std_error"],
                             full.effects["std_error"]):
        c = ce[ce.event_time == e]
        p, dl, n = c["weight"].to_numpy(), c["estimate"].to_numpy(), c["n_obs_or_weight"].sum()
        extra = (dl @ (np.diag(p) - np.outer(p, p)) @ dl) / n
        assert se_f ** 2 == pytest.approx(se_k ** 2 + extra, rel=1e-10)
        assert se_f >= se_k
    off = ~np.eye(len(full.vcov), dtype=bool)
    np.testing.assert_allclose(full.vcov.to_numpy()[off], known.vcov.to_numpy()[off])
    assert "share" in full.inference


def test_sunab_recovers_dynamic_effects_where_twfe_fails():
    d = _sim(11)
    true_att = d.loc[d.tau != 0, "tau"].mean()
    tw = twfe(d, outcome="y", unit="id", time="t", first_treated="g")
    # effects grow from 1 to 10 and are all positive (ATT 4.43); static TWFE, using
    # already-treated cohorts as controls, gets the sign wrong (about -0.1 with this design)
    assert true_att > 4
    assert tw.estimate < 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = sun_abraham(d, outcome="y", unit="id", time="t", first_treated="g",
                         control_group="last_cohort")
    post = sa.post_period
    truth = post["event_time"].to_numpy() + 1.0
    assert np.all(np.abs(post["estimate"].to_numpy() - truth) < 4 * post["std_error"])
    assert np.abs(post["estimate"].to_numpy() - truth).max() < 0.3
    pre = sa.pre_period
    assert np.all(np.abs(pre["estimate"]) < 4 * pre["std_error"])
    # last cohort is the control: its periods from 9 on are dropped
    assert sa.n_obs == 90 * 8
    assert list(sa.diagnostics["cohorts"]) == [3.0, 6.0]


def test_sunab_with_never_treated_and_weights():
    d = _sim(12, never=30)
    d["pop"] = 1.0 + (d["id"] % 5)
    r = sun_abraham(d, outcome="y", unit="id", time="t", first_treated="g", weights="pop",
                    leads=3, lags=4)
    assert list(r.effects["event_time"]) == [-3, -2, 0, 1, 2, 3, 4]
    truth = np.array([0, 0, 1, 2, 3, 4, 5.0])
    assert np.abs(r.effects["estimate"].to_numpy() - truth).max() < 0.3
    # equal weights give the unweighted answer
    d["one"] = 2.0
    a = sun_abraham(d, outcome="y", unit="id", time="t", first_treated="g", weights="one")
    b = sun_abraham(d, outcome="y", unit="id", time="t", first_treated="g")
    np.testing.assert_allclose(a.effects["estimate"], b.effects["estimate"], atol=1e-10)
    np.testing.assert_allclose(a.effects["std_error"], b.effects["std_error"], rtol=1e-8)


def test_sunab_plot_and_input_unchanged(castle):
    before = castle.copy()
    r = sun_abraham(castle, outcome="l_homicide", unit="state", time="year",
                    first_treated="g", leads=4, lags=4)
    pd.testing.assert_frame_equal(castle, before)
    assert r.plot() is not None
    assert "Sun & Abraham" in str(r.summary())


def test_sunab_bad_inputs(castle):
    kw = dict(outcome="l_homicide", unit="state", time="year", first_treated="g")
    with pytest.raises(SpecificationError, match="control"):
        sun_abraham(castle, control_group="not_yet", **kw)
    with pytest.raises(SpecificationError, match="reference"):
        sun_abraham(castle, reference=1, **kw)
    with pytest.raises(SpecificationError, match="lags"):
        sun_abraham(castle, leads=2, lags=-1, **kw)
    no_never = castle.loc[castle.g > 0]
    with pytest.raises(PanelError, match="never-treated"):
        sun_abraham(no_never, **kw)
    one = castle.loc[castle.g.isin([2006])]
    with pytest.raises((EstimationError, PanelError)):
        sun_abraham(one, control_group="last_cohort", **kw)


def test_sunab_covariates_and_overlay_plot(castle):
    from wsa_eval.did.imputation import imputation
    from wsa_eval.did.twfe import event_study
    from wsa_eval.plotting import event_study_plot

    d = castle.copy()
    d["x"] = np.cos(d["sid"] * 0.9 + d["year"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = sun_abraham(d, outcome="l_homicide", unit="state", time="year",
                         first_treated="g", covariates=["x"], leads=4, lags=4)
        es = event_study(d, outcome="l_homicide", unit="state", time="year",
                         first_treated="g", covariates=["x"], leads=4, lags=4)
        bjs = imputation(d, outcome="l_homicide", unit="state", time="year",
                         first_treated="g", covariates=["x"], pretrends=4)
    assert "x" not in list(sa.effects["term"])  # covariates are not event-time effects
    assert list(sa.vcov.index) == list(sa.effects["term"])
    ax = event_study_plot([es, sa, bjs])
    assert len(ax.get_legend().get_texts()) == 3
