"""Cox from covariate-pattern x time counts: the Efron likelihood for frequency weights.

Known answer: the Efron (1977) log partial likelihood written out person by person (a loop
over tied deaths, below) equals the collapsed computation at any beta; the fitted model
equals the person-level fit. Treating the counts as R-style case weights (the number of
tied *rows* and their mean weight) gives a different, approximate answer: the test shows
the gap, which is why the collapsed path counts tied people.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from wsa_eval.survival import cox
from wsa_eval.survival._cox_collapsed import FrequencyRiskSets
from wsa_eval.survival._cox_core import RiskSets, cox_evaluate


def tied_people(n=4000, seed=7):
    rng = np.random.default_rng(seed)
    x1 = rng.integers(0, 2, n)
    x2 = rng.integers(0, 3, n)
    t = np.ceil(rng.exponential(8 / np.exp(0.5 * x1 - 0.3 * x2))).clip(1, 12)  # heavy ties
    e = (rng.uniform(size=n) < 0.8).astype(int)
    return pd.DataFrame({"time": t, "event": e, "x1": x1, "x2": x2})


def efron_loglik_by_person(df: pd.DataFrame, beta: np.ndarray) -> float:
    """Efron's log partial likelihood, one tied death at a time (no collapsing)."""
    X = df[["x1", "x2"]].to_numpy(float)
    r = np.exp(X @ beta)
    t, e = df["time"].to_numpy(), df["event"].to_numpy() == 1
    ll = 0.0
    for tj in np.unique(t[e]):
        risk = t >= tj
        dead = (t == tj) & e
        d = int(dead.sum())
        s0, d0 = r[risk].sum(), r[dead].sum()
        ll += float((X[dead] @ beta).sum())
        for k in range(d):
            ll -= np.log(s0 - k / d * d0)
    return ll


def cells_of(df: pd.DataFrame) -> pd.DataFrame:
    return df.groupby(["x1", "x2", "time", "event"], as_index=False).size().rename(
        columns={"size": "n"})


def test_collapsed_efron_equals_person_level_formula():
    df = tied_people(600)
    c = cells_of(df)
    X = c[["x1", "x2"]].to_numpy(float)
    n = c["n"].to_numpy(float)
    rs = FrequencyRiskSets(c["time"].to_numpy(float), c["event"].to_numpy() == 1, n)
    assert rs.n_deaths == int(df["event"].sum())
    for beta in (np.zeros(2), np.array([0.4, -0.2]), np.array([-1.0, 0.7])):
        st = cox_evaluate(rs, np.asfortranarray(X), n, beta)
        assert st.loglik == pytest.approx(efron_loglik_by_person(df, beta), abs=1e-9)


def test_collapsed_fit_equals_person_level_and_case_weights_do_not():
    df = tied_people()
    a = cox(df, duration="time", event="event", covariates=["x1", "x2"])
    con = duckdb.connect()
    con.register("df", df)
    b = cox(con.sql("SELECT * FROM df"), duration="time", event="event",
            covariates=["x1", "x2"])
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-10)
    np.testing.assert_allclose(a.vcov, b.vcov, atol=1e-10)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-8)
    # R-style case weights on the cells: Efron with the mean weight of tied rows
    c = cells_of(df)
    w = cox(c, duration="time", event="event", covariates=["x1", "x2"], weights="n")
    assert np.max(np.abs(w.coef.to_numpy() - a.coef.to_numpy())) > 1e-4
    # Breslow treats weights as frequencies exactly, so there the two agree
    a = cox(df, duration="time", event="event", covariates=["x1", "x2"], ties="breslow")
    w = cox(c, duration="time", event="event", covariates=["x1", "x2"], weights="n",
            ties="breslow")
    np.testing.assert_allclose(a.coef, w.coef, atol=1e-10)


def test_robust_variance_from_cells_equals_person_level():
    df = tied_people(3000, seed=2).assign(area=lambda d: np.arange(len(d)) % 40)
    con = duckdb.connect()
    con.register("df", df)
    rel = con.sql("SELECT * FROM df")
    for kw in (dict(inference="robust"), dict(cluster="area")):
        a = cox(df, duration="time", event="event", covariates=["x1", "x2"], **kw)
        b = cox(rel, duration="time", event="event", covariates=["x1", "x2"], **kw)
        np.testing.assert_allclose(a.vcov, b.vcov, atol=1e-10)


def test_plain_risk_sets_count_rows_not_people():
    """What FrequencyRiskSets changes: the tied-death slots are people, not rows."""
    c = cells_of(tied_people(500))
    t, e, n = c["time"].to_numpy(float), c["event"].to_numpy() == 1, c["n"].to_numpy(float)
    assert RiskSets(t, e).n_deaths == int(e.sum())
    assert FrequencyRiskSets(t, e, n).n_deaths == int(n[e].sum())
