"""Spark local mode runs the same calls and gives DuckDB's answers (issue 12).

One test, one Spark session: starting Spark costs tens of seconds, so the checks share it
(and stay on a few thousand rows to keep CI's share small). Skipped, saying how to get them,
where pyspark or a Java runtime is missing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import ColumnError, DataWarning
from wsa_eval.survival import (
    cox,
    cumulative_incidence,
    exact_match,
    kaplan_meier,
    logrank,
    proven_reoffending,
)

KW = dict(person="person_id", index_date="index_date", offence_date="offence_date",
          proven_date="proven_date")


def test_spark_local_mode_matches_duckdb(spark, linked, linked_paths, rossi_path, mgus_path):
    people = spark.read.parquet(linked_paths["people"])
    offences = spark.read.parquet(linked_paths["offences"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        on_spark = proven_reoffending(people, offences, data_end=linked.data_end, **KW)
        on_duck = proven_reoffending(linked_paths["people"], linked_paths["offences"],
                                     data_end=linked.data_end, **KW)
    assert on_spark.engine == "spark" and on_duck.engine == "duckdb"
    a = on_duck.persons.df().sort_values("person_id").reset_index(drop=True)
    b = on_spark.persons.toArrow().to_pandas().sort_values("person_id").reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    for c in ["reoffended", "n_reoffences", "days_to_first", "event", "time", "n_censored",
              "follow_up_complete", "follow_up_days_observed", "programme"]:
        np.testing.assert_array_equal(a[c].to_numpy(float), b[c].to_numpy(float), err_msg=c)
    pd.testing.assert_frame_equal(on_duck.measures, on_spark.measures)
    pd.testing.assert_frame_equal(on_duck.dropped[["table", "reason", "rows"]],
                                  on_spark.dropped[["table", "reason", "rows"]])

    # the same survival calls on the Spark persons table
    ka = kaplan_meier(on_duck.persons, duration="time", event="event", group="programme")
    kb = kaplan_meier(on_spark.persons, duration="time", event="event", group="programme")
    np.testing.assert_allclose(ka.table.drop(columns="group").to_numpy(float),
                               kb.table.drop(columns="group").to_numpy(float), atol=1e-10)
    cov = ["programme", "sex", "age_band", "disposal"]
    ca = cox(on_duck.persons, duration="time", event="event", covariates=cov)
    cb = cox(on_spark.persons, duration="time", event="event", covariates=cov)
    np.testing.assert_allclose(ca.coef, cb.coef, atol=1e-10)
    np.testing.assert_allclose(ca.vcov, cb.vcov, atol=1e-10)
    ma = exact_match(on_duck.persons, treatment="programme", covariates=["sex", "age_band"],
                     outcomes=["reoffended"])
    mb = exact_match(on_spark.persons, treatment="programme", covariates=["sex", "age_band"],
                     outcomes=["reoffended"])
    pd.testing.assert_frame_equal(ma.effects, mb.effects, atol=1e-12)

    # reference data read by Spark
    rossi = spark.read.parquet(rossi_path)
    la = logrank(rossi_path, duration="week", event="arrest", group="fin", strata="race")
    lb = logrank(rossi, duration="week", event="arrest", group="fin", strata="race")
    assert la.statistic == pytest.approx(lb.statistic, abs=1e-10)
    fa = cumulative_incidence(mgus_path, duration="etime", event="event", group="sex")
    fb = cumulative_incidence(spark.read.parquet(mgus_path), duration="etime", event="event",
                              group="sex")
    np.testing.assert_allclose(fa.table.drop(columns="group").to_numpy(float),
                               fb.table.drop(columns="group").to_numpy(float), atol=1e-10)

    # a Spark frame with a misnamed column: the library's error, naming it
    bad = offences.withColumnRenamed("proven_date", "provendate")
    with pytest.raises(ColumnError, match="Spark DataFrame.*proven_date='proven_date'"):
        proven_reoffending(people, bad, data_end=linked.data_end, **KW)
