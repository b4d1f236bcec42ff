"""The glossary's argument names in wsa_eval.did (issue 11): one test per old name (each
still works for one release, with a FutureWarning naming the new one), unit labels in
treated= with start=, unit ids that mix numbers and text, collinear regressors named,
HonestDiD's optimiser checked, and the warning for repeated-cross-section estimators on
unbalanced panels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.did import (
    bacon_decomposition,
    callaway_santanna,
    did2x2,
    event_study,
    honest_did,
    imputation,
    sun_abraham,
    twfe,
)
from wsa_eval.errors import (
    ConvergenceWarning,
    DataWarning,
    EstimationError,
    SpecificationError,
)


def _panel(units=("North", "South", "East", "West", "Greater Manchester", "Kent"), T=8,
           starts=None, seed=0):
    """Areas by name; Greater Manchester starts in period 5, Kent in 6 (others never)."""
    starts = starts or {"Greater Manchester": 5, "Kent": 6}
    rng = np.random.default_rng(seed)
    rows = []
    for u in units:
        a = rng.normal()
        for t in range(1, T + 1):
            g = starts.get(u, 0)
            rows.append((u, t, g, int(g > 0 and t >= g), a + 0.2 * t + rng.normal()
                         + (1.0 if g and t >= g else 0.0)))
    return pd.DataFrame(rows, columns=["area", "t", "g", "D", "y"])


KW = dict(outcome="y", unit="area", time="t")


def _quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        warnings.simplefilter("ignore", UserWarning)  # few treated clusters
        return f(*a, **k)


def test_twfe_unit_label_with_start():
    d = _panel()
    lab = _quiet(twfe, d, treated=["Greater Manchester", "Kent"],
                 start={"Greater Manchester": 5, "Kent": 6}, **KW)
    col = _quiet(twfe, d, treatment="D", **KW)
    assert lab.estimate == pytest.approx(col.estimate, abs=1e-12)
    one = _quiet(twfe, d.loc[d.area != "Kent"], treated="Greater Manchester", start=5, **KW)
    assert one.n_treated == 1
    with pytest.raises(SpecificationError, match="needs start="):
        twfe(d.loc[d.area != "Kent"], treated="Greater Manchester", **KW)  # no start=


def test_twfe_old_treated_column():
    d = _panel()
    with pytest.warns(FutureWarning, match="'treatment'"):
        old = _quiet(twfe, d, treated="D", **KW)
    assert old.estimate == _quiet(twfe, d, treatment="D", **KW).estimate


def test_twfe_old_treated_units():
    d = _panel()
    with pytest.warns(FutureWarning, match="'treated_units' is now 'treated'"):
        old = _quiet(twfe, d, treated_units="Kent", start=6, **KW)
    assert old.estimate == _quiet(twfe, d, treated="Kent", start=6, **KW).estimate


def test_event_study_old_treated_units():
    d = _panel()
    with pytest.warns(FutureWarning, match="'treated_units' is now 'treated'"):
        old = _quiet(event_study, d, treated_units=["Greater Manchester", "Kent"],
                     start={"Greater Manchester": 5, "Kent": 6}, **KW)
    new = _quiet(event_study, d, first_treated="g", **KW)
    np.testing.assert_allclose(old.effects["estimate"], new.effects["estimate"], atol=1e-12)


def test_event_study_old_treated_column():
    d = _panel()
    with pytest.warns(FutureWarning, match="'treatment'"):
        old = _quiet(event_study, d, treated="D", **KW)
    assert old.estimate == pytest.approx(_quiet(event_study, d, treatment="D", **KW).estimate)


def test_sun_abraham_old_control():
    d = _panel(starts={"Greater Manchester": 4, "Kent": 6, "North": 7})
    with pytest.warns(FutureWarning, match="'control' is now 'control_group'"):
        old = _quiet(sun_abraham, d, first_treated="g", control="last_cohort", **KW)
    new = _quiet(sun_abraham, d, first_treated="g", control_group="last_cohort", **KW)
    assert old.estimate == new.estimate


def test_sun_abraham_and_imputation_old_treated_column():
    d = _panel()
    for f in (sun_abraham, imputation):
        with pytest.warns(FutureWarning, match="'treatment'"):
            old = _quiet(f, d, treated="D", **KW)
        assert old.estimate == pytest.approx(_quiet(f, d, first_treated="g", **KW).estimate,
                                             abs=1e-12)


def test_imputation_old_treated_units():
    d = _panel()
    with pytest.warns(FutureWarning, match="'treated_units' is now 'treated'"):
        old = _quiet(imputation, d, treated_units="Kent", start=6, **KW)
    new = _quiet(imputation, d, treated="Kent", start=6, **KW)
    assert old.estimate == new.estimate


def test_bacon_old_treated_column():
    d = _panel()
    with pytest.warns(FutureWarning, match="'treatment'"):
        old = _quiet(bacon_decomposition, d, treated="D", **KW)
    assert old.estimate == _quiet(bacon_decomposition, d, treatment="D", **KW).estimate


def test_did2x2_old_treat_and_treated_units():
    d = _panel().assign(grp=lambda x: (x.area == "Kent").astype(int))
    new = _quiet(did2x2, d, treated="Kent", start=6, **KW)
    with pytest.warns(FutureWarning, match="'treat' is now 'treatment'"):
        a = _quiet(did2x2, d, treat="grp", start=6, **KW)
    with pytest.warns(FutureWarning, match="'treated_units' is now 'treated'"):
        b = _quiet(did2x2, d, treated_units=["Kent"], start=6, **KW)
    assert a.estimate == pytest.approx(new.estimate, abs=1e-12)
    assert b.estimate == pytest.approx(new.estimate, abs=1e-12)


def test_did2x2_names_collinear_columns():
    d = _panel()
    d = d.loc[~((d.area == "Kent") & (d.t >= 6))]  # Kent never observed after the start
    with pytest.raises(EstimationError, match="'treated:post'"):
        _quiet(did2x2, d, treated="Kent", start=6, **KW)


def test_callaway_santanna_old_bootstrap():
    d = _panel(units=[f"u{i}" for i in range(40)],
               starts={f"u{i}": (4 if i < 10 else 6 if i < 20 else 0) for i in range(40)})
    kw = dict(first_treated="g", outcome="y", unit="area", time="t")
    with pytest.warns(FutureWarning, match="'bootstrap' is now inference='bootstrap'"):
        old = _quiet(callaway_santanna, d, bootstrap=199, random_state=3, **kw)
    new = _quiet(callaway_santanna, d, inference="bootstrap", reps=199, random_state=3, **kw)
    assert old.bootstrap_reps == new.bootstrap_reps == 199
    np.testing.assert_array_equal(old.att_gt["std_error"], new.att_gt["std_error"])
    an = _quiet(callaway_santanna, d, **kw)
    with pytest.warns(FutureWarning, match="'bootstrap' is now"):
        a = an.aggregate("group", bootstrap=199, random_state=2)
    b = an.aggregate("group", inference="bootstrap", reps=199, random_state=2)
    assert a.se == b.se and "199 draws" in b.inference


def test_honest_did_old_sims_and_seed_recorded():
    b = np.array([0.1, -0.05, 0.3, 0.4])
    S = np.diag([0.01, 0.01, 0.02, 0.02])
    with pytest.warns(FutureWarning, match="'sims' is now 'reps'"):
        old = honest_did((b, S, 2, 2), M=[0.5], grid_points=40, sims=300, random_state=1)
    new = honest_did((b, S, 2, 2), M=[0.5], grid_points=40, reps=300, random_state=1)
    pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())
    drawn = honest_did((b, S, 2, 2), M=[0.5], grid_points=40, reps=300)
    seed = drawn.spec["seed"]
    assert isinstance(seed, int)  # drawn, recorded, and repeats the run
    again = honest_did((b, S, 2, 2), M=[0.5], grid_points=40, reps=300, random_state=seed)
    pd.testing.assert_frame_equal(drawn.to_frame(), again.to_frame())


def test_honest_did_warns_when_slsqp_does_not_converge(monkeypatch):
    from scipy import optimize

    from wsa_eval.did import _honest_sd

    real = optimize.minimize

    def stopped(*a, **k):
        res = real(*a, **k)
        res.success, res.message = False, "Iteration limit reached"
        return res

    monkeypatch.setattr(_honest_sd.optimize, "minimize", stopped)
    b = np.array([0.05, -0.02, 0.1, 0.3, 0.35])
    S = np.diag([0.01, 0.01, 0.01, 0.02, 0.02])
    with pytest.warns(ConvergenceWarning, match="Iteration limit reached"):
        honest_did((b, S, 3, 2), method="smoothness", M=[0.05])


MIXED = [1, 2, 3, "a", "b", "c", 7, "z"]


@pytest.mark.parametrize("f", [twfe, event_study, sun_abraham, imputation,
                               bacon_decomposition])
def test_unit_ids_mixing_numbers_and_text(f):
    rng = np.random.default_rng(0)
    g = [3, 0, 4, 0, 3, 0, 5, 0]
    rows = [(u, t, g[i], rng.normal() + (t >= g[i] > 0)) for i, u in enumerate(MIXED)
            for t in range(1, 7)]
    d = pd.DataFrame(rows, columns=["id", "t", "g", "y"])
    r = _quiet(f, d, outcome="y", unit="id", time="t", first_treated="g")
    same = d.assign(id=d["id"].astype(str))
    ref = _quiet(f, same, outcome="y", unit="id", time="t", first_treated="g")
    assert r.estimate == pytest.approx(ref.estimate, abs=1e-10)


def test_repeated_cross_section_or_ipw_warn_on_unbalanced_panels(mpdta):
    thin = mpdta.sample(frac=0.9, random_state=0)
    kw = dict(outcome="lemp", unit="countyreal", time="year", first_treated="first.treat",
              covariates="lpop", panel=False)
    for method in ("reg", "ipw"):
        with pytest.warns(DataWarning, match="method='dr'"):
            callaway_santanna(thin, method=method, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        warnings.filterwarnings("ignore", message=".*not observed in every period.*")
        callaway_santanna(thin, method="dr", **kw)  # no pairing warning for DR
