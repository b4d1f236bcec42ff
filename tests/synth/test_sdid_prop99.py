"""Known answers for SDID / SC / DiD on California's Proposition 99 (Arkhangelsky et al. 2021).

Expected values and their sources are in tests/reference/synth_sdid/prop99_published.json
(R synthdid and Stata sdid output) and prop99_synthdid_port.json (PyPI synthdid port, made by
make_reference_synthdid_port.py in the same folder).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import ConvergenceWarning, InferenceWarning
from wsa_eval.results import TIDY_COLUMNS, compare
from wsa_eval.synth.sdid import SDIDResult, did, sc, sdid

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "tests" / "reference" / "synth_sdid"
PUBLISHED = json.loads((REF / "prop99_published.json").read_text())


@pytest.fixture(scope="module")
def prop99(reference_dir) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "prop99_california_synthdid.csv", sep=";")


KW = dict(outcome="PacksPerCapita", unit="State", time="Year", treated="California",
          start=1989)


@pytest.fixture(scope="module")
def fits(prop99):
    return {
        "sdid": sdid(prop99, **KW, random_state=20211201),
        "sc": sc(prop99, **KW, random_state=20211201),
        "did": did(prop99, **KW, random_state=20211201),
    }


@pytest.mark.parametrize("kind", ["sdid", "sc", "did"])
def test_point_estimates_match_r_synthdid(fits, kind):
    # R synthdid / Stata sdid: sdid -15.60383, sc -19.61966, did -27.34911 (published to 5
    # decimals, so tolerance 5e-6 = half a unit in the last printed digit)
    expected = PUBLISHED["estimates"][kind]
    assert fits[kind].estimate == pytest.approx(expected, abs=PUBLISHED["estimates_tolerance"])


def test_sdid_weights_match_r_synthdid(fits):
    # R synthdid summary() (README / vignette output): unit and time weights printed to 3
    # decimals (tol 6e-4),
    # effective N0 16.388 and effective T0 2.783 (printed to 3 decimals, tol 6e-4)
    r = fits["sdid"]
    tol = PUBLISHED["weights_tolerance"]
    for state, w in PUBLISHED["sdid_unit_weights_3dp"].items():
        assert r.unit_weights[state] == pytest.approx(w, abs=tol), state
    # R's summary lists the largest weights up to 90% of the mass; the rest are smaller
    rest = r.unit_weights.drop(list(PUBLISHED["sdid_unit_weights_3dp"]))
    assert rest.max() < 0.026
    for year, w in PUBLISHED["sdid_time_weights_3dp"].items():
        assert r.time_weights[int(year)] == pytest.approx(w, abs=tol), year
    rest = r.time_weights.drop([int(y) for y in PUBLISHED["sdid_time_weights_3dp"]])
    assert rest.sum() < 0.002
    assert r.n_effective_donors == pytest.approx(PUBLISHED["sdid_effective_N0"], abs=tol)
    assert 1 / np.sum(r.time_weights**2) == pytest.approx(PUBLISHED["sdid_effective_T0"],
                                                          abs=tol)
    assert r.unit_weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert r.time_weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_sc_and_did_weights_have_their_special_form(fits):
    assert np.all(fits["sc"].time_weights == 0)  # SC: no time weights (R sc_estimate)
    np.testing.assert_allclose(fits["did"].unit_weights, 1 / 38)
    np.testing.assert_allclose(fits["did"].time_weights, 1 / 19)
    assert fits["did"].n_effective_donors == pytest.approx(38.0)


def test_agrees_with_python_port(fits):
    # PyPI synthdid 0.10.0 (rounds to 5 decimals): tolerance 5e-6
    port = json.loads((REF / "prop99_synthdid_port.json").read_text())
    assert fits["sdid"].estimate == pytest.approx(port["estimates"]["sdid"], abs=5e-6)
    assert fits["did"].estimate == pytest.approx(port["estimates"]["did"], abs=5e-6)


def test_placebo_se_is_in_the_published_range(fits, prop99):
    # Placebo SEs are random (200 draws among 38 placebo states). Published: paper 8.4 (SDID),
    # 9.9 (SC), 17.7 (DiD); Stata sdid 9.88; Python port 10.79. Our own draws must fall in
    # a band that a 200-draw Monte Carlo of the exact 38-state distribution gives with
    # near certainty: +-35% around the paper's values.
    for kind, paper in (("sdid", 8.4), ("sc", 9.9), ("did", 17.7)):
        assert 0.65 * paper < fits[kind].se < 1.35 * paper, (kind, fits[kind].se)


def test_placebo_replications_are_the_placebo_states(fits, prop99):
    # with one treated unit the default uses every one of the 38 placebo states exactly
    # once (no draws); the DiD replications (fixed uniform weights) must equal a direct DiD
    # on that state
    reps = fits["did"].replications
    assert reps.shape == (38,)
    co = prop99[prop99.State != "California"]
    direct = []
    for s in co.State.unique():
        direct.append(did(co, outcome="PacksPerCapita", unit="State", time="Year",
                          treated=s, start=1989, inference=None).estimate)
    direct = np.array(direct)
    # the replications are the 38 leave-one-state-as-treated DiD estimates, each once
    np.testing.assert_allclose(np.sort(reps), np.sort(direct), atol=1e-9)


def test_effects_table(fits):
    r = fits["sdid"]
    eff = r.effects
    assert list(eff.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    assert {"time", "treated", "synthetic", "post", "cohort"} <= set(eff.columns)
    assert eff.shape[0] == 31
    post = eff[eff.post]
    # mean post-period gap is the estimate; gap = treated - synthetic
    assert post.estimate.mean() == pytest.approx(r.estimate, abs=1e-10)
    np.testing.assert_allclose(eff.estimate, eff.treated - eff.synthetic, atol=1e-10)
    # time-weighted pre-period gap is zero (the intercept shift)
    pre = eff[~eff.post].set_index("time")
    assert float(pre.estimate.reindex(r.time_weights.index) @ r.time_weights) == \
        pytest.approx(0.0, abs=1e-9)
    assert np.all(post.std_error > 0)


def test_compare_side_by_side(fits):
    tab = compare({k: v for k, v in fits.items()})
    assert list(tab.model) == ["sdid", "sc", "did"]
    np.testing.assert_allclose(tab.estimate, [PUBLISHED["estimates"][k] for k in fits],
                               atol=5e-6)
    assert tab.std_error.notna().all()


def test_result_api(fits):
    r = fits["sdid"]
    assert isinstance(r, SDIDResult)
    text = str(r.summary())
    assert "Nevada" in text and "-15.6" in text
    assert "inconclusive" in r.interpret()  # CI (about -34, 3) includes zero
    assert r.ci_low < r.estimate < r.ci_high
    assert 0 < r.p_value < 1
    assert r.spec["seed"] == 20211201 and r.spec["data_hash"]
    assert r.n_treated == 1 and r.n_units == 39
    for kind in r.plot_kinds:
        ax = r.plot(kind=kind)
        assert hasattr(ax, "plot")


def test_seed_reproducible_and_input_unchanged(prop99):
    before = prop99.copy()
    sdid(prop99, **KW, inference=None)
    # the random draws are shared by the three estimators; DiD is the quickest to rerun
    a = did(prop99, **KW, reps=30, random_state=7)
    b = did(prop99, **KW, reps=30, random_state=np.random.default_rng(7))
    c = did(prop99, **KW, reps=30, random_state=8)
    assert a.se == b.se
    np.testing.assert_array_equal(a.replications, b.replications)
    assert a.se != c.se
    pd.testing.assert_frame_equal(prop99, before)


def test_exclude_drops_donors(prop99):
    r = sdid(prop99, **KW, inference=None, exclude=["Nevada", "New Hampshire"])
    assert "Nevada" not in r.unit_weights.index
    assert r.n_units == 37
    assert r.estimate != pytest.approx(PUBLISHED["estimates"]["sdid"], abs=1e-3)


def _port():
    return json.loads((REF / "prop99_synthdid_port.json").read_text())


@pytest.mark.parametrize("state", ["Nevada", "Utah", "Kentucky"])
def test_placebo_state_estimates_match_port(prop99, state):
    # PyPI synthdid port, SDID with the given state treated from 1989 and California
    # removed (made by make_reference_synthdid_port.py; port rounds to 5 decimals: tol 5e-6)
    port = _port()["placebo_estimates"]["sdid"]
    co = prop99[prop99.State != "California"]
    r = sdid(co, outcome="PacksPerCapita", unit="State", time="Year", treated=state,
             start=1989, inference=None)
    assert r.estimate == pytest.approx(port[state], abs=5e-6)


def test_sdid_placebo_replications_are_placebo_states(fits):
    # R's placebo (Algorithm 4) warm-starts the weights from the full-sample fit, so the
    # replication of a state equals the port's cold-start estimate for that placebo state up
    # to the Frank-Wolfe tolerance (observed max 0.102 packs; tolerance 0.15). With all 38
    # placebos (the default for one treated unit; replication j treats comparison unit j)
    # the SE is the population sd of the 38 placebo estimates: 9.369 from the port's
    # cold-start values; tolerance 1% (the warm starts).
    port = _port()["placebo_estimates"]["sdid"]
    r = fits["sdid"]
    mine = pd.Series(r.replications, index=r.unit_weights.index)
    pv = pd.Series(port).reindex(mine.index)
    assert (mine - pv).abs().max() < 0.15
    assert r.se == pytest.approx(np.std(pv.to_numpy()), rel=0.01)


def test_full_precision_against_synthdid_py(fits):
    # synthdid-py 0.1.0, an R-faithful port (make_reference_synthdid_py.py): same Frank-Wolfe
    # path, so estimates agree to rounding (tol 1e-9) and weights to 1e-9
    path = REF / "prop99_synthdid_py.json"
    ref = json.loads(path.read_text())
    for kind in ("sdid", "sc", "did"):
        assert fits[kind].estimate == pytest.approx(ref["estimates"][kind], abs=1e-9)
    om = pd.Series(ref["omega"], index=ref["units"])
    lam = pd.Series(ref["lambda"], index=ref["years"])
    r = fits["sdid"]
    assert np.abs(r.unit_weights.reindex(om.index) - om).max() < 1e-9
    assert np.abs(r.time_weights.reindex(lam.index) - lam).max() < 1e-9


@pytest.mark.parametrize("kind", ["sdid", "sc", "did"])
def test_placebo_se_matches_synthdid_py_draw_for_draw(prop99, kind):
    # synthdid-py 0.1.0 draws its placebo permutations from numpy.random.default_rng(seed)
    # as we do, and warm-starts the weights as R does: with the same seed the placebo SE is
    # the same number (make_reference_synthdid_py.py; tol 1e-8)
    ref = json.loads((REF / "prop99_synthdid_py.json").read_text())
    fn = {"sdid": sdid, "sc": sc, "did": did}[kind]
    r = fn(prop99, **KW, reps=200, random_state=1)
    assert r.se == pytest.approx(ref["placebo_se_200_seed1"][kind], abs=1e-8)


def test_placebo_p_value_never_below_the_permutation_floor(prop99):
    # issue 10: sdid(prop99, reps=20) reported p = 0.002 and "evidence of a reduction",
    # below the smallest p-value 38 placebos can give (1/39). Now: a warning that 20 draws
    # are fewer than the 38 placebos, and p >= 1/39 whatever the draws.
    with pytest.warns(InferenceWarning, match="exactly 38 placebos"):
        r = sdid(prop99, **KW, reps=20, random_state=0)
    assert r.p_value >= 1 / 39 - 1e-15
    assert r.diagnostics["smallest_p_value"] == pytest.approx(1 / 39)
    exact = sdid(prop99, **KW, random_state=0)
    assert exact.p_value >= 1 / 39 and "all 38 placebos" in exact.inference
    assert "reduction" not in r.interpret().split(".")[0] or r.p_value >= 1 / 39


def test_exact_placebo_does_not_depend_on_the_seed(prop99):
    a = did(prop99, **KW, random_state=1)
    b = did(prop99, **KW, random_state=2)
    assert a.se == b.se
    np.testing.assert_array_equal(a.replications, b.replications)


@pytest.mark.parametrize("old, new", [("se", "inference"), ("n_permutations", "reps")])
def test_old_argument_names_still_work_with_a_future_warning(prop99, old, new):
    value = {"se": "placebo", "n_permutations": 40}[old]
    with pytest.warns(FutureWarning, match=f"'{old}' is now '{new}'"):
        r = did(prop99, **KW, **{old: value}, random_state=3)
    ref = did(prop99, **KW, **{new: value}, random_state=3)
    assert r.se == ref.se


def test_frank_wolfe_iteration_cap_warns(prop99):
    # Nevada as the treated unit (California removed): the unit-weight Frank-Wolfe pass
    # after sparsifying runs into R synthdid's cap of 10,000 iterations; say so
    co = prop99[prop99.State != "California"]
    with pytest.warns(ConvergenceWarning, match="iteration cap"):
        r = sdid(co, outcome="PacksPerCapita", unit="State", time="Year", treated="Nevada",
                 start=1989, inference=None)
    assert r.diagnostics["frank_wolfe_capped"]
