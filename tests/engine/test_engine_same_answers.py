"""Every engine path gives the pandas path's answer, to 1e-10 (issue 12).

The pandas paths are themselves checked against R (survival 3.5, cmprsk) in
tests/survival/; here the same functions get the data as a Parquet path or a DuckDB relation
and must agree: Kaplan-Meier (with weights and delayed entry), the log-rank test (stratified),
the RMST, the Aalen-Johansen cumulative incidence, Gray's test, and Cox coefficients and
standard errors (Efron and Breslow; model-based, robust and cluster-robust; strata; delayed
entry) on Rossi et al. (1980) and mgus2 (Kyle et al. 2002, as shipped with R's survival).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from wsa_eval.survival import (
    cox,
    cumulative_incidence,
    gray_test,
    kaplan_meier,
    logrank,
    rmst,
)

TOL = 1e-10
COV = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def same(a, b, tol=TOL):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=tol)


def numbers(frame: pd.DataFrame) -> np.ndarray:
    return frame.drop(columns=[c for c in ("group",) if c in frame]).to_numpy(dtype=float)


@pytest.fixture(scope="module")
def rossi_rel(rossi_path):
    con = duckdb.connect()
    return con.sql(f"SELECT * FROM read_parquet('{rossi_path}')")


@pytest.mark.parametrize("kind", ["path", "relation"])
def test_kaplan_meier(rossi, rossi_path, rossi_rel, kind):
    data = rossi_path if kind == "path" else rossi_rel
    a = kaplan_meier(rossi, duration="week", event="arrest", group="fin")
    b = kaplan_meier(data, duration="week", event="arrest", group="fin")
    assert a.table["group"].tolist() == b.table["group"].tolist()
    same(numbers(a.table), numbers(b.table))
    same(numbers(a.medians), numbers(b.medians))
    assert [c.n for c in a.curves.values()] == [c.n for c in b.curves.values()]
    assert b.spec["arguments"]["engine"] == "duckdb"


def test_kaplan_meier_weights_and_entry(rossi, tmp_path):
    r = rossi.assign(w=(rossi["prio"] % 3) + 1, ent=(rossi["week"] * 0.3).round())
    r = r[r["ent"] < r["week"]]
    p = tmp_path / "r.parquet"
    r.to_parquet(p)
    for kw in (dict(weights="w"), dict(entry="ent"), dict(weights="w", entry="ent")):
        a = kaplan_meier(r, duration="week", event="arrest", group="fin", **kw)
        b = kaplan_meier(str(p), duration="week", event="arrest", group="fin", **kw)
        same(numbers(a.table), numbers(b.table))


def test_logrank_and_rmst(rossi, rossi_path, rossi_rel):
    for strata in (None, "race"):
        a = logrank(rossi, duration="week", event="arrest", group="fin", strata=strata)
        b = logrank(rossi_rel, duration="week", event="arrest", group="fin", strata=strata)
        same([a.statistic, a.p_value], [b.statistic, b.p_value])
        same(a.variance, b.variance)
        same(a.table[["n", "observed", "expected"]], b.table[["n", "observed", "expected"]])
    a = rmst(rossi, duration="week", event="arrest", tau=40, group="fin")
    b = rmst(rossi_path, duration="week", event="arrest", tau=40, group="fin")
    same(a.effects[["estimate", "std_error"]], b.effects[["estimate", "std_error"]])
    same(a.by_group[["rmst", "std_error"]], b.by_group[["rmst", "std_error"]])


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("inference", ["model", "robust"])
def test_cox(rossi, rossi_rel, ties, inference):
    a = cox(rossi, duration="week", event="arrest", covariates=COV, ties=ties,
            inference=inference)
    b = cox(rossi_rel, duration="week", event="arrest", covariates=COV, ties=ties,
            inference=inference)
    same(a.coef, b.coef)
    same(a.vcov, b.vcov)
    same(a.naive_vcov, b.naive_vcov)
    same([a.loglik, a.loglik_null], [b.loglik, b.loglik_null], 1e-8)
    same(a.tests["statistic"], b.tests["statistic"], 1e-8)
    assert (a.n_obs, a.n_events) == (b.n_obs, b.n_events)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_cluster_strata_entry(rossi, tmp_path, ties):
    r = rossi.assign(ent=(rossi["week"] * 0.3).round())
    r = r[r["ent"] < r["week"]]
    p = str(tmp_path / "r.parquet")
    r.to_parquet(p)
    kw = dict(duration="week", event="arrest", covariates=["fin", "race", "prio"], ties=ties)
    for extra in (dict(cluster="age", strata="wexp"), dict(entry="ent"),
                  dict(entry="ent", strata=["wexp", "mar"])):
        a = cox(r, **kw, **extra)
        b = cox(p, **kw, **extra)
        same(a.coef, b.coef)
        same(a.vcov, b.vcov)


def test_cumulative_incidence_and_gray(mgus, mgus_path):
    a = cumulative_incidence(mgus, duration="etime", event="event", group="sex")
    b = cumulative_incidence(mgus_path, duration="etime", event="event", group="sex")
    assert a.table["group"].tolist() == b.table["group"].tolist()
    same(numbers(a.table), numbers(b.table))
    same([a.gray["statistic"], a.gray["p_value"]], [b.gray["statistic"], b.gray["p_value"]])
    a = gray_test(mgus, duration="etime", event="event", group="sex", strata="old")
    b = gray_test(mgus_path, duration="etime", event="event", group="sex", strata="old")
    same([a.statistic, a.p_value], [b.statistic, b.p_value])
    a = cumulative_incidence(mgus, duration="etime", event="event", event_of_interest=2)
    b = cumulative_incidence(mgus_path, duration="etime", event="event", event_of_interest=2)
    same(numbers(a.table), numbers(b.table))


def test_mgus_cox_and_km(mgus, mgus_path):
    a = cox(mgus.assign(male=(mgus["sex"] == "M").astype(int), ev=(mgus["event"] == 2) * 1),
            duration="etime", event="ev", covariates=["male", "age"])
    con = duckdb.connect()
    rel = con.sql(f"SELECT *, CAST(sex = 'M' AS INTEGER) AS male, "
                  f"CAST(event = 2 AS INTEGER) AS ev FROM read_parquet('{mgus_path}')")
    b = cox(rel, duration="etime", event="ev", covariates=["male", "age"])
    same(a.coef, b.coef)
    same(a.vcov, b.vcov)
    m = mgus.assign(ev=(mgus["event"] > 0) * 1)
    a = kaplan_meier(m, duration="etime", event="ev", group="sex")
    b = kaplan_meier(rel.query("r", "SELECT *, CAST(event > 0 AS INTEGER) AS ev2 FROM r"),
                     duration="etime", event="ev2", group="sex")
    same(numbers(a.table), numbers(b.table))


def test_text_covariates_are_dummy_coded_as_get_dummies(linked):
    """A text covariate on the engine = pandas.get_dummies(drop_first=True) on pandas."""
    p = linked.people.assign(time=np.minimum(365.0, 30 + linked.people["age"] * 3.0),
                             event=(linked.people["person_id"] % 3 == 0).astype(int))
    a = cox(pd.get_dummies(p, columns=["disposal", "sex"], drop_first=True, dtype=float),
            duration="time", event="event",
            covariates=["programme"] + [c for c in pd.get_dummies(
                p[["disposal", "sex"]], drop_first=True).columns])
    con = duckdb.connect()
    con.register("p", p)
    b = cox(con.sql("SELECT * FROM p"), duration="time", event="event",
            covariates=["programme", "disposal", "sex"])
    assert list(a.coef.index) == list(b.coef.index)
    same(a.coef, b.coef)
    same(a.vcov, b.vcov)


def test_ibis_table_input(rossi, rossi_path):
    """An ibis table (DuckDB backend) is read on its own connection."""
    ibis = pytest.importorskip("ibis", reason="ibis is optional: pip install 'ibis-framework'")
    t = ibis.duckdb.connect().read_parquet(rossi_path)
    a = kaplan_meier(rossi, duration="week", event="arrest", group="fin")
    b = kaplan_meier(t, duration="week", event="arrest", group="fin")
    same(numbers(a.table), numbers(b.table))
    c = cox(t.filter(t.age > 20), duration="week", event="arrest", covariates=COV)
    d = cox(rossi[rossi["age"] > 20], duration="week", event="arrest", covariates=COV)
    same(c.coef, d.coef)
