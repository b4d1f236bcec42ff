"""Goodman-Bacon decomposition when some units are treated before the data start.

Goodman-Bacon (2021, J. Econometrics 225(2), Section 3) and R ``bacondecomp`` keep units
treated in the first observed period as an "always treated" comparison group: their
treatment dummy never changes, so the TWFE regression uses them as controls, and the
decomposition must reproduce the TWFE coefficient of the whole panel (issue 14 section 2).

Known answer: Stevenson & Wolfers (2006) unilateral divorce and female suicide, the
``divorce`` data of R bacondecomp (women; 9 of 51 states reformed before 1964). Expected
values in tests/reference/did_bacon/divorce_reference.json, written by
make_divorce_reference.R beside it (base R ``lm()`` for the TWFE and for every 2x2, weights
from Goodman-Bacon eq. 10a-c): TWFE -0.0560458647 on all states (-0.0063142891 if the
always-treated states are dropped, which is what wsa_eval decomposed before). Tolerance
1e-10 (double-precision least squares on both sides).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.did.bacon import LATE_ALWAYS, bacon_decomposition
from wsa_eval.did.twfe import did2x2, twfe
from wsa_eval.errors import DataWarning

REF_DIR = Path(__file__).parents[1] / "reference" / "did_bacon"
REF = json.loads((REF_DIR / "divorce_reference.json").read_text())
KW = dict(outcome="suiciderate_elast_jag", unit="st", time="year", treatment="unilateral")


@pytest.fixture(scope="module")
def divorce():
    return pd.read_csv(REF_DIR / "divorce_women.csv")


@pytest.fixture(scope="module")
def decomp(divorce):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return bacon_decomposition(divorce, **KW)


def _expected() -> pd.DataFrame:
    e = pd.DataFrame(REF["two_by_twos"])
    for c in ("treated_cohort", "control_cohort"):
        e[c] = e[c].replace("inf", np.inf).astype(float)
    return e


def test_always_treated_kept_and_identity_holds(decomp, divorce):
    assert decomp.estimate == pytest.approx(REF["twfe"], abs=1e-10)
    tab = decomp.to_frame()
    assert tab["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert float((tab["estimate"] * tab["weight"]).sum()) == pytest.approx(REF["twfe"],
                                                                            abs=1e-10)
    assert decomp.n_units == REF["n_states"] == 51
    # the user's TWFE regression (all states) is the one decomposed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        tw = twfe(divorce, **KW)
    assert tw.estimate == pytest.approx(REF["twfe"], abs=1e-10)
    assert tw.n_units == 51
    assert REF["twfe_always_treated_dropped"] == pytest.approx(-0.0063142891, abs=1e-9)


def test_every_two_by_two_matches_r_lm(decomp):
    got = decomp.to_frame()
    exp = _expected()
    key = ["type", "treated_cohort", "control_cohort"]
    m = got.merge(exp, on=key, suffixes=("", "_r"), how="outer", indicator=True)
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", key]
    np.testing.assert_allclose(m["estimate"], m["estimate_r"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(m["weight"], m["weight_r"], rtol=0, atol=1e-12)
    always = got.loc[got["type"] == LATE_ALWAYS]
    assert len(always) == 12  # one per timing cohort (1969, ..., 1985)
    assert (always["control_cohort"] == 1964).all()
    assert decomp.forbidden_weight == pytest.approx(
        exp.loc[exp["type"].isin(["Later vs Earlier Treated", LATE_ALWAYS]), "weight"].sum(),
        abs=1e-12)


def test_always_treated_two_by_two_is_a_canonical_did(decomp, divorce):
    """Brute force with the library's own 2x2 (statsmodels OLS): cohort 1973 against the
    states treated before 1964, over the whole panel."""
    first = divorce.loc[divorce.unilateral == 1].groupby("st")["year"].min()
    cohort = list(first.index[first == 1973])
    always = list(first.index[first == 1964])
    sub = divorce.loc[divorce.st.isin(cohort + always)]
    r = did2x2(sub, outcome="suiciderate_elast_jag", unit="st",
               time="year", treated=cohort, start=1973)
    row = decomp.to_frame().query("type == @LATE_ALWAYS and treated_cohort == 1973")
    assert r.estimate == pytest.approx(float(row["estimate"].iloc[0]), abs=1e-10)


def test_always_treated_reported_not_dropped(divorce):
    with pytest.warns(DataWarning, match="always treated") as rec:
        bacon_decomposition(divorce, **KW)
    assert not any("dropped" in str(w.message) for w in rec)


def test_plot_marks_the_always_treated_comparisons(decomp):
    ax = decomp.plot(annotate=True)
    assert len(ax.collections) == 4  # one scatter per comparison type
    labels = [t.get_text() for t in ax.texts]
    assert sum(lab.endswith("/always") for lab in labels) == 12
    assert "Later vs Always Treated" in [t.get_text() for t in ax.get_legend().get_texts()]
