"""Goodman-Bacon (2021) decomposition (wsa_eval.did.bacon).

Published values: R package bacondecomp (Flack & Jee), castle example,
https://github.com/evanjflack/bacondecomp (README / vignettes/bacon.Rmd output of
``bacon(l_homicide ~ post, data = castle, id_var = "state", time_var = "year")``):

    type                      weight   avg_est
    Earlier vs Later Treated  0.05976  -0.00554
    Later vs Earlier Treated  0.03190   0.07032
    Treated vs Untreated      0.90834   0.08796
    weighted sum = 0.08181162 (= TWFE)

and the vignette's remark that "one estimate has almost 60 percent of the weight: states
treated in 2006 vs states that are never treated". Printed to 5 decimals: tolerance 5e-6.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.did.bacon import LATE_ALWAYS, TYPES, bacon_decomposition
from wsa_eval.did.twfe import did2x2, twfe
from wsa_eval.errors import ColumnError, EstimationError, PanelError

PUBLISHED = {  # bacondecomp castle example (see module docstring); tolerance 5e-6
    "Earlier vs Later Treated": (0.05976, -0.00554),
    "Later vs Earlier Treated": (0.03190, 0.07032),
    "Treated vs Untreated": (0.90834, 0.08796),
}


@pytest.fixture(scope="module")
def decomp(castle):
    return bacon_decomposition(castle, outcome="l_homicide", unit="state", time="year",
                               treatment="post")


def test_bacon_castle_published_by_type(decomp):
    by = decomp.by_type.set_index("type")
    for typ, (w, est) in PUBLISHED.items():
        assert by.loc[typ, "weight"] == pytest.approx(w, abs=5e-6)
        assert by.loc[typ, "avg_estimate"] == pytest.approx(est, abs=5e-6)
    # bacondecomp README: sum(estimate * weight) = 0.08181162 (8 decimals printed)
    assert decomp.estimate == pytest.approx(0.08181162, abs=5e-9)


def test_bacon_reproduces_twfe_exactly(decomp, castle):
    tab = decomp.to_frame()
    assert list(tab.columns) == ["type", "treated_cohort", "control_cohort", "estimate",
                                 "weight"]
    assert tab["weight"].sum() == pytest.approx(1.0, abs=1e-10)
    assert (tab["weight"] > 0).all()
    tw = twfe(castle, outcome="l_homicide", unit="state", time="year", treatment="post")
    assert float((tab["estimate"] * tab["weight"]).sum()) == pytest.approx(tw.estimate,
                                                                            abs=1e-10)
    assert set(tab["type"]) == set(TYPES) - {LATE_ALWAYS}  # castle: no always-treated state
    # 5 cohorts (2005-2009) and never treated: 5 + 2 * C(5, 2) = 25 comparisons
    assert len(tab) == 25


def test_bacon_2006_vs_never_has_most_weight(decomp, castle):
    tab = decomp.to_frame()
    top = tab.loc[tab["weight"].idxmax()]
    assert top["type"] == "Treated vs Untreated" and top["treated_cohort"] == 2006
    assert 0.55 < top["weight"] < 0.60  # "almost 60 percent" (bacondecomp vignette)
    # and its estimate is the canonical 2x2 of the 2006 cohort against never-treated states
    first = castle.loc[castle.post == 1].groupby("state")["year"].min()
    units = list(first.index[first == 2006])
    sub = castle.loc[castle.treatment_date.isna() | castle.state.isin(units)]
    r = did2x2(sub, outcome="l_homicide", unit="state", time="year", treated=units,
               start=2006)
    assert r.estimate == pytest.approx(top["estimate"], abs=1e-10)


def test_bacon_simulated_panels_reproduce_twfe():
    rng = np.random.default_rng(7)
    for _ in range(5):
        T = int(rng.integers(5, 12))
        n = int(rng.integers(10, 40))
        g = rng.choice(np.r_[0, np.arange(2, T + 1)], size=n)
        rows = [(i, t, g[i], rng.normal() + (t >= g[i] > 0) * rng.normal(1, 1))
                for i in range(n) for t in range(1, T + 1)]
        d = pd.DataFrame(rows, columns=["id", "t", "g", "y"])
        if d.loc[d.g > 0, "g"].nunique() < 1:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = bacon_decomposition(d, outcome="y", unit="id", time="t", first_treated="g")
            tw = twfe(d, outcome="y", unit="id", time="t", first_treated="g")
        tab = r.to_frame()
        assert tab["weight"].sum() == pytest.approx(1.0, abs=1e-10)
        assert float((tab["estimate"] * tab["weight"]).sum()) == pytest.approx(
            tw.estimate, abs=1e-10)


def test_bacon_plot_summary_interpret(decomp):
    ax = decomp.plot()
    assert ax.get_xlabel() == "weight in the TWFE estimate"
    assert len(ax.collections) == 3  # one scatter per comparison type
    ax2 = decomp.plot(kind="scatter", annotate=True)
    assert len(ax2.texts) == 25
    text = str(decomp.summary())
    assert "Later vs Earlier Treated" in text
    msg = decomp.interpret()
    assert "3.2%" in msg and "already-treated" in msg
    assert decomp.forbidden_weight == pytest.approx(0.03190, abs=5e-6)


def test_bacon_input_unchanged_and_bad_inputs(castle):
    before = castle.copy()
    bacon_decomposition(castle, outcome="l_homicide", unit="state", time="year",
                        treatment="post")
    pd.testing.assert_frame_equal(castle, before)
    with pytest.raises(PanelError, match="balanced"):
        bacon_decomposition(castle.iloc[1:], outcome="l_homicide", unit="state",
                            time="year", treatment="post")
    with pytest.raises(ColumnError):
        bacon_decomposition(castle, outcome="l_homicidee", unit="state", time="year",
                            treatment="post")
    one = castle.loc[castle.treatment_date.eq(2006) & ~castle.state.isin(["Alaska",
                                                                          "Arizona"])]
    with pytest.raises((EstimationError, PanelError)):
        bacon_decomposition(one, outcome="l_homicide", unit="state", time="year",
                            treatment="post")
