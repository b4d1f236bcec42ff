"""Linked data at scale: person-level records in Parquet files and SQL engines.

The Ministry of Justice's linked data (BOLD, the Justice Data Lab) are tens of millions of
rows in Parquet files and SQL engines. Every survival function of wsa_eval that takes a
pandas DataFrame also takes, wherever it takes one, a Parquet or CSV path (or glob), a DuckDB
relation, an ibis table or a PySpark DataFrame; this package does the person-level work
there and sends back only small tables:

* :mod:`.cohort` -- the MoJ proven-reoffending cohort (the persons table stays in the
  engine);
* :mod:`.survival` -- the sufficient statistics of Kaplan-Meier, the log-rank test, the
  Aalen-Johansen cumulative incidence, Gray's test and the RMST (counts by group, time and
  event) and of the Cox model with discrete covariates (counts by covariate pattern and
  time);
* :mod:`.matching` -- exact and coarsened exact matching;
* :mod:`.panel` -- person-level records to an area x period panel with ONS population rates;
* :mod:`.simulate` -- a synthetic linked-data generator (people and offences, 1M-100M rows).

The estimators stay in :mod:`wsa_eval.survival` (this package is data access and imports
no estimator family); they read the counts as frequency weights and give the person-level
answers exactly.

Design note: SQL written once, transpiled (not ibis)
----------------------------------------------------
Each computation is a few SQL statements written once in DuckDB's dialect and run as they
are on DuckDB, the embedded default (nothing to start), or transpiled to Spark SQL with
sqlglot, as the MoJ's linkage library Splink does -- the convention its analysts know. We
chose this over ibis (the other natural choice) because: (1) the computations are a handful
of ``GROUP BY`` and ``JOIN`` statements that read best as SQL beside the MoJ definitions;
(2) the dependency is small (duckdb and the pure-Python sqlglot, versus ibis's stack), and
ibis 12.0 with the current sqlglot (30.x) failed on its own DuckDB ``create_table`` when we
tried it: a portable layer that breaks with its own dependency is a risk for a stable API;
(3) the only dialect-specific SQL, reading dates, is two short functions per backend. ibis
tables are still accepted as inputs (compiled on their own backend to a DuckDB relation or a
Spark DataFrame).

Connections: paths and pandas frames are read by a new in-memory DuckDB connection per call
(set its memory and threads with :func:`connect` and pass relations of it instead); a DuckDB
relation is read on its own connection, a Spark DataFrame on its own session. What the
engine creates there is temporary (views and tables named ``wsa_*``); inputs are never
written to.
"""

from __future__ import annotations

from typing import Any

from ._inputs import is_engine_input
from .panel import area_panel
from .simulate import LinkedData, simulate_linked_data

__all__ = ["is_engine_input", "connect", "area_panel", "simulate_linked_data", "LinkedData"]


def connect(path: str = ":memory:", *, memory_limit: str | None = None,
            threads: int | None = None, temp_directory: str | None = None) -> Any:
    """A DuckDB connection with the given limits (``memory_limit="3GB"``, ``threads=2``,
    ``temp_directory`` for spilling); read inputs with it (``con.read_parquet(...)``) and pass
    the relations to wsa_eval."""
    import duckdb

    config: dict[str, Any] = {}
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    if threads is not None:
        config["threads"] = int(threads)
    if temp_directory is not None:
        config["temp_directory"] = temp_directory
    return duckdb.connect(path, config=config)

