"""Log-rank tests against R survival 3.5-3 ``survdiff`` (rho = 0) on Rossi et al. (1980).

Reference: tests/reference/survival_core/reference_values.csv (make_reference.R).
Tolerance 1e-6 absolute on chi-squared, expected counts and the variance matrix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.survival.logrank import logrank

REF = Path(__file__).resolve().parents[1] / "reference" / "survival_core"
TOL = 1e-6


def _ref(case, quantity):
    r = pd.read_csv(REF / "reference_values.csv")
    return r[(r.case == case) & (r.quantity == quantity)].value.to_numpy(float)


@pytest.fixture(scope="module")
def rossi(reference_dir):
    d = pd.read_csv(reference_dir / "rossi.csv")
    d["prio3"] = pd.cut(d["prio"], [-1, 1, 4, 100], labels=["0-1", "2-4", "5+"])
    return d


@pytest.mark.parametrize("case,kw", [
    ("logrank_fin", dict(group="fin")),
    ("logrank_prio3", dict(group="prio3")),
    ("logrank_fin_strata", dict(group="fin", strata=["wexp", "mar"])),
])
def test_matches_survdiff(rossi, case, kw):
    res = logrank(rossi, duration="week", event="arrest", **kw)
    assert res.statistic == pytest.approx(_ref(case, "chisq")[0], abs=TOL)
    assert res.df == int(_ref(case, "df")[0])
    np.testing.assert_allclose(res.table["observed"], _ref(case, "observed"), atol=TOL)
    np.testing.assert_allclose(res.table["expected"], _ref(case, "expected"), atol=TOL)
    np.testing.assert_allclose(res.variance.ravel(), _ref(case, "var"), atol=TOL)
    assert 0 < res.p_value < 1


def test_frequency_weights_equal_replicated_rows(rossi):
    d = rossi.assign(k=1 + rossi["id"] % 3)
    rep = d.loc[d.index.repeat(d["k"])].reset_index(drop=True)
    a = logrank(d, duration="week", event="arrest", group="prio3", weights="k")
    b = logrank(rep, duration="week", event="arrest", group="prio3")
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)
    np.testing.assert_allclose(a.table["expected"], b.table["expected"], rtol=1e-12)


def test_interpret_and_summary(rossi):
    res = logrank(rossi, duration="week", event="arrest", group="prio3")
    txt = res.interpret()
    assert "differs" in txt and "fewer events than expected" in txt
    assert "Chi-squared" in str(res.summary())
    res2 = logrank(rossi, duration="week", event="arrest", group="fin")
    assert "inconclusive" in res2.interpret()
