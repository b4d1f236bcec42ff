"""The proven-reoffending cohort built in SQL equals the pandas builder (MoJ definitions)."""

from __future__ import annotations

import hashlib
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

from wsa_eval.engine.cohort import OUTPUT_COLUMNS as ENGINE_OUTPUT
from wsa_eval.errors import DataFormatError, DataWarning
from wsa_eval.survival import cox, kaplan_meier, proven_reoffending
from wsa_eval.survival.cohort import OUTPUT_COLUMNS

KW = dict(person="person_id", index_date="index_date", offence_date="offence_date",
          proven_date="proven_date")


def pandas_cohort(people, offences, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return proven_reoffending(people, offences, **KW, **kw)


def messy(seed=3, n=1500, m=6000):
    """Index events and offences with every kind of impossible record the builder drops."""
    rng = np.random.default_rng(seed)
    ie = pd.DataFrame({"person_id": np.arange(n),
                       "index_date": pd.Timestamp("2018-01-01")
                       + pd.to_timedelta(rng.integers(0, 1000, n), "D"),
                       "area": rng.choice(["A", "B", "C"], n)})
    ie.loc[5, "index_date"] = pd.NaT  # missing index date
    ie.loc[7, "index_date"] = pd.Timestamp("2023-01-01")  # after data_end
    ie = pd.concat([ie, ie.iloc[[10, 11]].assign(index_date=pd.Timestamp("2022-01-01"))],
                   ignore_index=True)  # repeated people (later events: dropped)
    od = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 1400, m), "D")
    off = pd.DataFrame({"person_id": rng.integers(0, n + 40, m), "offence_date": od,
                        "proven_date": od + pd.to_timedelta(rng.integers(-5, 300, m), "D")})
    off.loc[3, "offence_date"] = pd.NaT
    off.loc[4, "proven_date"] = pd.NaT
    return ie, off


def check_same(res_pd, res_en, carried=()):
    a = res_pd.persons
    b = res_en.persons.df().sort_values("person_id").reset_index(drop=True)
    assert a["person_id"].tolist() == b["person_id"].tolist()
    for c in list(OUTPUT_COLUMNS) + list(carried):
        x, y = a[c], b[c]
        if x.dtype.kind in "OUT" or str(x.dtype).startswith("str"):
            assert x.astype(str).tolist() == y.astype(str).tolist(), c
        else:
            np.testing.assert_allclose(x.astype(float), y.astype(float), rtol=0, atol=1e-10,
                                       equal_nan=True, err_msg=c)
    np.testing.assert_allclose(res_pd.measures["value"].astype(float),
                               res_en.measures["value"].astype(float), rtol=0, atol=1e-10)
    want = res_pd.dropped.groupby(["table", "reason"]).size()
    got = res_en.dropped.set_index(["table", "reason"])["rows"]
    assert want.sort_index().to_dict() == got.sort_index().to_dict()


def test_output_columns_agree():
    assert tuple(ENGINE_OUTPUT) == tuple(OUTPUT_COLUMNS)


@pytest.mark.parametrize("include_index_day", [False, True])
def test_messy_cohort_equals_pandas(tmp_path, include_index_day):
    ie, off = messy()
    kw = dict(data_end="2021-06-30", include_index_day=include_index_day)
    a = pandas_cohort(ie, off, **kw)
    ie.to_parquet(tmp_path / "ie.parquet")
    off.to_parquet(tmp_path / "off.parquet")
    with pytest.warns(DataWarning, match="Dropped impossible records"):
        b = proven_reoffending(str(tmp_path / "ie.parquet"), str(tmp_path / "off.parquet"),
                               **KW, **kw)
    check_same(a, b, carried=["area"])
    assert b.engine == "duckdb"
    assert b.diagnostics["offence_rows_read"] == len(off)


def test_generated_cohort_and_downstream(linked, linked_paths):
    """The generated cohort: same persons, KM by group and Cox with categorical covariates."""
    kw = dict(data_end=linked.data_end)
    a = pandas_cohort(linked.people, linked.offences, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        b = proven_reoffending(linked_paths["people"], linked_paths["offences"], **KW, **kw)
    check_same(a, b, carried=["sex", "age_band", "pfa", "programme", "disposal"])
    ka = kaplan_meier(a.persons, duration="time", event="event", group="programme")
    kb = kaplan_meier(b.persons, duration="time", event="event", group="programme")
    np.testing.assert_allclose(ka.table.drop(columns="group").to_numpy(float),
                               kb.table.drop(columns="group").to_numpy(float), atol=1e-10)
    cats = ["sex", "age_band", "disposal", "prior_band"]
    dummies = pd.get_dummies(a.persons, columns=cats, drop_first=True, dtype=float)
    names = ["programme"] + [c for c in dummies.columns
                             if any(c.startswith(k + "_") for k in cats)]
    ca = cox(dummies, duration="time", event="event", covariates=names, treatment="programme")
    cb = cox(b.persons, duration="time", event="event", covariates=["programme"] + cats,
             treatment="programme")
    np.testing.assert_allclose(ca.coef.to_numpy(), cb.coef.to_numpy(), atol=1e-10)
    np.testing.assert_allclose(ca.vcov.to_numpy(), cb.vcov.to_numpy(), atol=1e-10)
    # the cohort result keeps the result contract
    assert "engine=duckdb" in repr(b)
    assert b.to_frame().shape == (1, 8)
    assert "proven reoffence" in b.interpret()


def test_inputs_are_not_written_to(tmp_path):
    ie, off = messy(n=300, m=900)
    ie.to_parquet(tmp_path / "ie.parquet")
    off.to_csv(tmp_path / "off.csv", index=False)
    before = {p: hashlib.sha1(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    ie_copy = ie.copy()
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_csv('{tmp_path / 'off.csv'}')")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        proven_reoffending(ie, rel, **KW, data_end="2021-06-30")
        proven_reoffending(str(tmp_path / "ie.parquet"), str(tmp_path / "off.csv"), **KW,
                           data_end="2021-06-30")
    after = {p: hashlib.sha1(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert before == after
    pd.testing.assert_frame_equal(ie, ie_copy)
    # only temporary objects were made on the caller's connection
    assert con.sql("SELECT COUNT(*) FROM duckdb_tables() WHERE NOT temporary").fetchall() == [(0,)]


def test_pandas_index_events_with_csv_offences_stay_on_the_streamed_builder(tmp_path):
    ie, off = messy(n=200, m=500)
    off.to_csv(tmp_path / "off.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        r = proven_reoffending(ie, str(tmp_path / "off.csv"), **KW, data_end="2021-06-30")
    assert isinstance(r.persons, pd.DataFrame)  # today's behaviour, unchanged


def test_errors_raise_names_the_reason(tmp_path):
    ie, off = messy(n=200, m=500)
    ie.to_parquet(tmp_path / "ie.parquet")
    with pytest.raises(DataFormatError, match="missing or unreadable index date"):
        proven_reoffending(str(tmp_path / "ie.parquet"), off, **KW, data_end="2021-06-30",
                           errors="raise")
