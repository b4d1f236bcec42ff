"""One benchmark part, run in its own process by run.py; prints one JSON line."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from wsa_eval.engine import connect
from wsa_eval.survival import cox, kaplan_meier, proven_reoffending

warnings.simplefilter("ignore")
COVARIATES = ["programme", "sex", "age_band", "ethnicity", "region", "disposal",
              "prior_band", "year"]
OUT_COLS = ["reoffended", "n_reoffences", "days_to_first", "event", "time", "censored",
            "follow_up_complete", "follow_up_days_observed"]
KW = dict(person="person_id", data_end="2021-06-30")
PEOPLE = "SELECT *, CAST(index_year AS VARCHAR) AS year FROM read_parquet('{}/people/*.parquet')"


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KB -> GB


def pipeline(d: Path) -> dict:
    tmp = tempfile.mkdtemp(prefix="wsa_spill_")
    con = connect(memory_limit="2GB", threads=2, temp_directory=tmp)
    t0 = time.perf_counter()
    people = con.sql(PEOPLE.format(d))
    offences = con.read_parquet(f"{d}/offences/*.parquet")
    coh = proven_reoffending(people, offences, **KW)
    t1 = time.perf_counter()
    km = kaplan_meier(coh.persons, duration="time", event="event", group="programme")
    t2 = time.perf_counter()
    cx = cox(coh.persons, duration="time", event="event", covariates=COVARIATES,
             treatment="programme")
    t3 = time.perf_counter()
    return {"cohort_s": t1 - t0, "km_s": t2 - t1, "cox_s": t3 - t2, "total_s": t3 - t0,
            "peak_rss_gb": peak_gb(), "n_people": int(coh.measure("cohort_size")),
            "n_offences": int(coh.diagnostics["offence_rows_read"]),
            "cox_terms": len(cx.coef), "cox_cells": int(cx.diagnostics["cells"]),
            "hr_programme": float(np.exp(cx.estimate)),
            "km_groups": int(km.table["group"].nunique())}


def cohort(d: Path) -> dict:
    import duckdb

    csv = d / "offences.csv"
    if not csv.exists():
        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{d}/offences/*.parquet')) TO '{csv}' "
                   "(HEADER, DELIMITER ',')")
    people = duckdb.sql(f"SELECT * FROM read_parquet('{d}/people/*.parquet')").df()
    runs: dict[str, list[float]] = {"pandas_csv": [], "duckdb_csv": [], "duckdb_parquet": []}
    kept = {}
    for _ in range(2):
        t = time.perf_counter()
        a = proven_reoffending(people, str(csv), index_date="index_date",
                               offence_date="offence_date", proven_date="proven_date", **KW)
        runs["pandas_csv"].append(time.perf_counter() - t)
        kept["pandas"] = a
        for name, reader in (("duckdb_csv", f"read_csv('{csv}')"),
                             ("duckdb_parquet", f"read_parquet('{d}/offences/*.parquet')")):
            con = duckdb.connect(config={"threads": 2})
            con.register("people_frame", people)
            t = time.perf_counter()
            b = proven_reoffending(con.sql("SELECT * FROM people_frame"),
                                   con.sql(f"SELECT * FROM {reader}"), **KW)
            runs[name].append(time.perf_counter() - t)
            kept[name] = b
    a = kept["pandas"].persons.sort_values("person_id").reset_index(drop=True)
    same = True
    for name in ("duckdb_csv", "duckdb_parquet"):
        b = kept[name].persons.df().sort_values("person_id").reset_index(drop=True)
        for c in OUT_COLS:
            same &= bool(np.allclose(a[c].to_numpy(float), b[c].to_numpy(float),
                                     equal_nan=True, atol=0))
    return {**runs, "same_cohort": same, "n_offences": int(kept["pandas"].diagnostics[
        "offence_rows_read"]),
            "speedup_csv": min(runs["pandas_csv"]) / min(runs["duckdb_csv"]),
            "speedup_parquet": min(runs["pandas_csv"]) / min(runs["duckdb_parquet"]),
            "peak_rss_gb": peak_gb()}


def spark(d: Path) -> dict:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    t = time.perf_counter()
    s = (SparkSession.builder.master("local[2]").appName("wsa-bench")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
         .config("spark.driver.memory", "2g").getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter() - t
    out: dict = {"spark_start_s": start}
    con = connect(threads=2)
    ins = {
        "spark": (s.read.parquet(f"{d}/people").withColumn(
            "year", F.col("index_year").cast("string")), s.read.parquet(f"{d}/offences")),
        "duck": (con.sql(PEOPLE.format(d)), con.read_parquet(f"{d}/offences/*.parquet"))}
    res = {}
    for eng, (people, offences) in ins.items():
        t0 = time.perf_counter()
        coh = proven_reoffending(people, offences, **KW)
        t1 = time.perf_counter()
        km = kaplan_meier(coh.persons, duration="time", event="event", group="programme")
        t2 = time.perf_counter()
        cx = cox(coh.persons, duration="time", event="event", covariates=COVARIATES)
        t3 = time.perf_counter()
        out.update({f"{eng}_cohort_s": t1 - t0, f"{eng}_km_s": t2 - t1,
                    f"{eng}_cox_s": t3 - t2})
        res[eng] = (coh, km, cx)
    a = res["duck"][0].persons.df().sort_values("person_id").reset_index(drop=True)
    b = (res["spark"][0].persons.toArrow().to_pandas().sort_values("person_id")
         .reset_index(drop=True))
    out["same_cohort"] = bool(all(np.array_equal(a[c].to_numpy(float), b[c].to_numpy(float),
                                                 equal_nan=True) for c in OUT_COLS))
    kd, ks = res["duck"][1].table, res["spark"][1].table
    diffs = [np.max(np.abs(kd.drop(columns="group").to_numpy(float)
                           - ks.drop(columns="group").to_numpy(float))),
             np.max(np.abs(res["duck"][2].coef.to_numpy() - res["spark"][2].coef.to_numpy())),
             np.max(np.abs(res["duck"][2].vcov.to_numpy() - res["spark"][2].vcov.to_numpy()))]
    out["max_diff"] = float(max(diffs))
    out["n_offences"] = int(res["duck"][0].diagnostics["offence_rows_read"])
    s.stop()
    return out


if __name__ == "__main__":
    part, data = sys.argv[1], Path(sys.argv[2])
    result = {"pipeline": pipeline, "cohort": cohort, "spark": spark}[part](data)
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                      for k, v in result.items()}))
