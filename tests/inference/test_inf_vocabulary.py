"""The glossary's argument names in wsa_eval.inference (issue 11): one test per old name
(each still works for one release, with a FutureWarning naming the new one), unit labels in
treated=, and no silent dropping of non-finite randomization statistics."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import InferenceWarning, SpecificationError
from wsa_eval.inference.conley_taber import conley_taber, conley_taber_arrays
from wsa_eval.inference.randomization import randomization_inference, randomization_test
from wsa_eval.inference.wild import wild_bootstrap_twfe

REF = Path(__file__).parents[1] / "reference" / "did_inf"


def _frame(N=12, T=8, seed=0):
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(N, 1)) + rng.normal(size=(1, T)) + rng.normal(size=(N, T))
    return pd.DataFrame({"area": np.repeat([f"A{i:02d}" for i in range(N)], T),
                         "year": np.tile(np.arange(2010, 2010 + T), N), "y": Y.ravel()})


KW = dict(outcome="y", unit="area", time="year", start=2014)


def _same(a, b):
    assert a.estimate == b.estimate and a.p_value == b.p_value


def test_randomization_inference_old_treated_units():
    df = _frame()
    with pytest.warns(FutureWarning, match="'treated_units' is now 'treated'"):
        old = randomization_inference(df, treated_units="A00", ci=False, **KW)
    _same(old, randomization_inference(df, treated="A00", ci=False, **KW))


def test_randomization_inference_old_max_draws():
    df = _frame(N=30)
    with pytest.warns(FutureWarning, match="'max_draws' is now 'reps'"):
        old = randomization_inference(df, treated=["A00", "A01"], max_draws=50, ci=False,
                                      random_state=2, **KW)
    new = randomization_inference(df, treated=["A00", "A01"], reps=50, ci=False,
                                  random_state=2, **KW)
    _same(old, new)
    assert new.diagnostics["n_assignments"] == 51
    with pytest.raises(SpecificationError, match="give 'reps' only"):
        randomization_inference(df, treated="A00", reps=5, max_draws=5, **KW)


def test_randomization_test_old_max_draws():
    Y = np.random.default_rng(1).normal(size=(30, 6))
    post = np.arange(6) >= 3
    with pytest.warns(FutureWarning, match="'max_draws' is now 'reps'"):
        a = randomization_test(Y, post, [0, 1], max_draws=40, random_state=3, ci=False)
    b = randomization_test(Y, post, [0, 1], reps=40, random_state=3, ci=False)
    assert a["p_value"] == b["p_value"] and len(a["stats"]) == 41


def test_conley_taber_old_names():
    df = _frame(N=20)
    with pytest.warns(FutureWarning, match="'treated_units' is now 'treated'"):
        a = conley_taber(df, treated_units="A00", **KW)
    _same(a, conley_taber(df, treated="A00", **KW))
    with pytest.warns(FutureWarning, match="'max_draws' is now 'reps'"):
        b = conley_taber(df, treated=["A00", "A01"], max_draws=30, random_state=1, **KW)
    c = conley_taber(df, treated=["A00", "A01"], reps=30, random_state=1, **KW)
    assert (b.ci_low, b.ci_high) == (c.ci_low, c.ci_high)
    Y = np.random.default_rng(2).normal(size=(20, 6))
    post = np.arange(6) >= 3
    with pytest.warns(FutureWarning, match="'max_draws' is now 'reps'"):
        d = conley_taber_arrays(Y, post, [0, 1], max_draws=30, random_state=4)
    e = conley_taber_arrays(Y, post, [0, 1], reps=30, random_state=4)
    assert (d["ci_low"], d["ci_high"]) == (e["ci_low"], e["ci_high"])


def test_wild_bootstrap_old_treated_column_and_new_labels():
    panel = pd.read_csv(REF / "wild_panel.csv")
    kw = dict(outcome="y", unit="unit", time="year", reps=99, random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InferenceWarning)
        new = wild_bootstrap_twfe(panel, treatment="d", **kw)
        with pytest.warns(FutureWarning, match="'treatment'"):
            old = wild_bootstrap_twfe(panel, treated="d", **kw)
        # the same design given as unit labels with their start
        first = panel.loc[panel.d == 1].groupby("unit")["year"].min()
        start = {u: float(t) for u, t in first.items()}
        lab = wild_bootstrap_twfe(panel, treated=list(first.index), start=start, **kw)
    _same(old, new)
    assert lab.estimate == pytest.approx(new.estimate, abs=1e-12)
    with pytest.raises(SpecificationError, match="treatment="):
        wild_bootstrap_twfe(panel, outcome="y", unit="unit", time="year")


def test_nonfinite_randomization_statistics_are_named():
    df = _frame(N=10)

    def stat(Y, treated, post):  # undefined whenever area A03 is the one "treated"
        return np.nan if treated[3] else float(Y[treated][:, post].mean())

    with pytest.warns(InferenceWarning, match=r"1 of 10 reassignments.*'A03'"):
        r = randomization_inference(df, treated="A00", statistic=stat, ci=False, **KW)
    assert r.diagnostics["n_nonfinite"] == 1
    assert r.diagnostics["n_assignments"] == 9  # the p-value is over the other nine
    assert np.isnan(r.placebo.loc[r.placebo.assigned == "A03", "statistic"]).all()
