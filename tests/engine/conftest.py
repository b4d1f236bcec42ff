"""Fixtures for the engine tests: reference data sets written to Parquet, a small generated
linked data set, and a Spark session in local mode (skipped, with how to get one, where
pyspark or Java is missing)."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from wsa_eval.datasets import load_mgus2_cr, load_rossi
from wsa_eval.engine import simulate_linked_data


@pytest.fixture(scope="session")
def rossi() -> pd.DataFrame:
    return load_rossi()


@pytest.fixture(scope="session")
def rossi_path(rossi, tmp_path_factory) -> str:
    p = tmp_path_factory.mktemp("rossi") / "rossi.parquet"
    rossi.to_parquet(p)
    return str(p)


@pytest.fixture(scope="session")
def mgus() -> pd.DataFrame:
    g = load_mgus2_cr()
    return g.assign(old=(g["age"] > 70).astype(int))


@pytest.fixture(scope="session")
def mgus_path(mgus, tmp_path_factory) -> str:
    p = tmp_path_factory.mktemp("mgus") / "mgus2.parquet"
    mgus.to_parquet(p)
    return str(p)


@pytest.fixture(scope="session")
def linked():
    """A generated linked data set in memory (3,000 people, about 16,000 offences)."""
    return simulate_linked_data(3000, random_state=11)


@pytest.fixture(scope="session")
def linked_paths(linked, tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("linked")
    out = {}
    for name in ("people", "offences", "population"):
        p = d / f"{name}.parquet"
        getattr(linked, name).to_parquet(p)
        out[name] = str(p)
    return out


SPARK_HELP = ("the Spark tests need pyspark (pip install 'wsa_eval[spark]') and a Java 17+ "
              "runtime (apt-get install openjdk-17-jre-headless, or set JAVA_HOME)")


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason=SPARK_HELP)
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip(SPARK_HELP)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("wsa_eval-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.memory", "1g")
               .config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
