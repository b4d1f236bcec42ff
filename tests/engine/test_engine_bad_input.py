"""Bad input on the engine gets the library's own error, naming the file or column."""

from __future__ import annotations

import importlib

import duckdb
import numpy as np
import pandas as pd
import pytest

from wsa_eval.engine import is_engine_input
from wsa_eval.errors import ColumnError, DataFormatError, SpecificationError, WsaEvalError
from wsa_eval.survival import cox, cumulative_incidence, kaplan_meier, match, proven_reoffending

KW = dict(person="person_id", index_date="index_date", offence_date="offence_date",
          proven_date="proven_date", data_end="2021-06-30")


@pytest.fixture
def files(tmp_path):
    ie = pd.DataFrame({"person_id": [1, 2, 3],
                       "index_date": pd.to_datetime(["2019-01-05", "2019-02-01",
                                                     "2019-03-01"])})
    off = pd.DataFrame({"person_id": [1, 2, 2],
                        "offence_date": pd.to_datetime(["2019-02-01", "2019-03-01",
                                                        "2019-05-01"]),
                        "proven_date": pd.to_datetime(["2019-03-01", "2019-04-01",
                                                       "2019-06-01"])})
    ie.to_parquet(tmp_path / "ie.parquet")
    off.to_parquet(tmp_path / "off.parquet")
    off.drop(columns="proven_date").to_parquet(tmp_path / "no_proven.parquet")
    return tmp_path, ie, off


def test_what_counts_as_an_engine_input(files):
    d, ie, _ = files
    con = duckdb.connect()
    assert is_engine_input(str(d / "ie.parquet"))
    assert is_engine_input(d / "ie.parquet")
    assert is_engine_input(con.sql("SELECT 1 AS a"))
    assert not is_engine_input(ie)
    assert not is_engine_input([1, 2])


def test_missing_path_names_it(files):
    d, _, _ = files
    with pytest.raises(SpecificationError, match="does not exist") as e:
        kaplan_meier(str(d / "nope.parquet"), duration="t", event="e")
    assert "nope.parquet" in str(e.value)
    with pytest.raises(SpecificationError, match="No file matches"):
        proven_reoffending(str(d / "missing" / "*.parquet"), str(d / "off.parquet"), **KW)
    (d / "ie.xlsx").write_bytes(b"not a table")
    with pytest.raises(SpecificationError, match="Cannot tell the format.*ie.xlsx"):
        kaplan_meier(str(d / "ie.xlsx"), duration="t", event="e")


def test_parquet_missing_a_column_names_file_and_column(files):
    d, _, _ = files
    with pytest.raises(ColumnError) as e:
        proven_reoffending(str(d / "ie.parquet"), str(d / "no_proven.parquet"), **KW)
    msg = str(e.value)
    assert "no_proven.parquet" in msg and "proven_date='proven_date'" in msg
    assert isinstance(e.value, WsaEvalError)


def test_wrong_types_name_the_column(files, tmp_path):
    d, ie, off = files
    p = tmp_path / "t.parquet"
    pd.DataFrame({"t": ["1", "2"], "e": [1, 0]}).to_parquet(p)
    with pytest.raises(ColumnError, match="duration='t'.*t.parquet.*number"):
        kaplan_meier(str(p), duration="t", event="e")
    pd.DataFrame({"t": [1.0, 2.0], "e": ["yes", "no"]}).to_parquet(p)
    with pytest.raises(ColumnError, match="event='e'"):
        kaplan_meier(str(p), duration="t", event="e")
    pd.DataFrame({"t": [1.0, -2.0], "e": [1, 0]}).to_parquet(p)
    with pytest.raises(ColumnError, match="'t'.*negative"):
        kaplan_meier(str(p), duration="t", event="e")
    pd.DataFrame({"t": [1.0, 2.0], "e": [1, 3]}).to_parquet(p)
    with pytest.raises(ColumnError, match="other than 0"):
        kaplan_meier(str(p), duration="t", event="e")
    # person ids of different types in the two files
    off.assign(person_id=off["person_id"].astype(str)).to_parquet(tmp_path / "o.parquet")
    with pytest.raises(ColumnError, match="person='person_id'.*cannot be matched"):
        proven_reoffending(str(d / "ie.parquet"), str(tmp_path / "o.parquet"), **KW)
    # a date column that holds numbers with decimals
    off.assign(offence_date=1.5).to_parquet(tmp_path / "o2.parquet")
    with pytest.raises(ColumnError, match="offence_date='offence_date'.*must hold dates"):
        proven_reoffending(str(d / "ie.parquet"), str(tmp_path / "o2.parquet"), **KW)


def test_text_dates_in_one_format_are_read_and_in_several_are_refused(files, tmp_path):
    d, ie, off = files
    ref = proven_reoffending(str(d / "ie.parquet"), str(d / "off.parquet"), **KW)
    uk = off.assign(offence_date=off["offence_date"].dt.strftime("%d/%m/%Y"),
                    proven_date=off["proven_date"].dt.strftime("%Y-%m-%d"))
    uk.to_csv(tmp_path / "uk.csv", index=False)
    con = duckdb.connect()
    sql = ("SELECT CAST(person_id AS BIGINT) AS person_id, offence_date, proven_date "
           "FROM read_csv('{}', all_varchar = true)")
    rel = con.sql(sql.format(tmp_path / "uk.csv"))
    got = proven_reoffending(str(d / "ie.parquet"), rel, **KW)
    pd.testing.assert_frame_equal(
        ref.persons.df().sort_values("person_id").reset_index(drop=True),
        got.persons.df().sort_values("person_id").reset_index(drop=True))
    mixed = uk.copy()
    mixed.loc[1, "offence_date"] = "2019-03-01"
    mixed.to_csv(tmp_path / "mixed.csv", index=False)
    rel = con.sql(sql.format(tmp_path / "mixed.csv"))
    with pytest.raises(DataFormatError, match="offence_date.*more than one format") as e:
        proven_reoffending(str(d / "ie.parquet"), rel, **KW)
    assert "DD/MM/YYYY" in str(e.value) and "YYYY-MM-DD" in str(e.value)


def test_dates_and_day_numbers_cannot_be_mixed(files, tmp_path):
    d, ie, off = files
    off.assign(offence_date=np.arange(3), proven_date=np.arange(3) + 5).to_parquet(
        tmp_path / "days.parquet")
    with pytest.raises(SpecificationError, match="both be dates or both be day numbers"):
        proven_reoffending(str(d / "ie.parquet"), str(tmp_path / "days.parquet"), **KW)


def test_continuous_covariate_is_named(rossi, tmp_path, monkeypatch):
    r = rossi.assign(score=np.linspace(0, 1, len(rossi)))
    p = str(tmp_path / "r.parquet")
    r.to_parquet(p)
    with pytest.raises(SpecificationError, match="Covariate 'score'.*looks continuous"):
        cox(p, duration="week", event="arrest", covariates=["fin", "score"])
    cox_module = importlib.import_module("wsa_eval.survival.cox")
    monkeypatch.setattr(cox_module, "MAX_CLUSTERS", 100)  # person-level clusters: refused
    with pytest.raises(SpecificationError, match="'id'.*levels"):
        cox(p, duration="week", event="arrest", covariates=["fin"], cluster="id")


def test_engine_refusals_say_what_to_do(rossi, tmp_path, mgus_path):
    r = rossi.assign(w=np.where(rossi["fin"] == 1, 0.5, 1.5))
    p = str(tmp_path / "r.parquet")
    r.to_parquet(p)
    with pytest.raises(SpecificationError, match="non-integer"):
        kaplan_meier(p, duration="week", event="arrest", weights="w")
    with pytest.raises(SpecificationError, match="exact_match"):
        match(p, treatment="fin", covariates=["age"])
    with pytest.raises(SpecificationError, match="no case weights"):
        cox(p, duration="week", event="arrest", covariates=["fin"], weights="w")
    with pytest.raises(ColumnError, match="group='nope'"):
        cumulative_incidence(mgus_path, duration="etime", event="event", group="nope")
