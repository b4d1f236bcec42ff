"""Where the SQL runs: DuckDB in-process (the default) or a Spark session.

Every computation in the engine is one or a few SQL statements written once, in DuckDB's
dialect, with identifiers double-quoted. :class:`DuckDBBackend` runs them as they are;
:class:`SparkBackend` transpiles them to Spark SQL with sqlglot first (as Splink does). The
only dialect-specific SQL is the reading of dates (:meth:`day_number`), which each backend
writes itself.

A backend keeps what it creates (views over the inputs, the cohort table) as *temporary*
objects of its connection or session, with names ``wsa_<what>_<random>``: nothing is
written to the caller's database or files.
"""

from __future__ import annotations

import glob
import os
import uuid
from typing import Any

import pandas as pd

from ..errors import DataFormatError, SpecificationError

__all__ = ["DuckDBBackend", "SparkBackend", "fresh_name", "quote", "type_kind"]


def fresh_name(what: str) -> str:
    """A name for a temporary view or table that cannot clash with the caller's."""
    return f"wsa_{what}_{uuid.uuid4().hex[:12]}"


def quote(name: str) -> str:
    """A double-quoted SQL identifier (DuckDB dialect; transpiled to backticks for Spark)."""
    return '"' + str(name).replace('"', '""') + '"'


_INTEGER = {"tinyint", "smallint", "integer", "int", "bigint", "hugeint", "utinyint",
            "usmallint", "uinteger", "ubigint", "uhugeint", "long", "short", "byte", "int8",
            "int4", "int2", "int64", "int32", "int16"}
_FLOAT = {"double", "float", "real", "float4", "float8", "float64", "float32"}


def type_kind(sql_type: str) -> str:
    """``integer``, ``float``, ``date``, ``timestamp``, ``string``, ``boolean`` or ``other``
    for a DuckDB or Spark type name."""
    t = str(sql_type).strip().lower()
    if t.startswith("timestamp") or t == "datetime":
        return "timestamp"
    if t == "date":
        return "date"
    if t in _INTEGER:
        return "integer"
    if t in _FLOAT or t.startswith(("decimal", "numeric")):
        return "float"
    if t in ("varchar", "string", "text") or t.startswith(("varchar", "char")):
        return "string"
    if t in ("boolean", "bool"):
        return "boolean"
    return "other"


#: text date formats the engine recognises (strftime for DuckDB, Java patterns for Spark),
#: in the order tried; day-first before month-first (dates in England and Wales)
DATE_FORMATS = (
    ("%Y-%m-%d", "yyyy-MM-dd", "YYYY-MM-DD"),
    ("%d/%m/%Y", "dd/MM/yyyy", "DD/MM/YYYY"),
    ("%Y/%m/%d", "yyyy/MM/dd", "YYYY/MM/DD"),
    ("%d-%m-%Y", "dd-MM-yyyy", "DD-MM-YYYY"),
    ("%d.%m.%Y", "dd.MM.yyyy", "DD.MM.YYYY"),
    ("%Y%m%d", "yyyyMMdd", "YYYYMMDD"),
    ("%Y-%m-%d %H:%M:%S", "yyyy-MM-dd HH:mm:ss", "YYYY-MM-DD hh:mm:ss"),
    ("%Y-%m-%dT%H:%M:%S", "yyyy-MM-dd'T'HH:mm:ss", "YYYY-MM-DDThh:mm:ss"),
    ("%d/%m/%Y %H:%M:%S", "dd/MM/yyyy HH:mm:ss", "DD/MM/YYYY hh:mm:ss"),
    ("%d/%m/%Y %H:%M", "dd/MM/yyyy HH:mm", "DD/MM/YYYY hh:mm"),
)


def _file_kind(path: str) -> str:
    low = path.lower()
    if low.endswith((".parquet", ".pq", ".parq")):
        return "parquet"
    if low.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return "csv"
    raise SpecificationError(
        f"Cannot tell the format of {path!r}: name a Parquet file (.parquet) or a CSV file "
        "(.csv), or a glob of them (e.g. 'offences/*.parquet').")


def resolve_path(path: str | os.PathLike) -> tuple[str, str]:
    """``(path or glob, "parquet" | "csv")``; raise naming the path when nothing is there."""
    p = os.fspath(path)
    if "://" in p:  # a remote location (s3://, https://): the engine reports what it finds
        return p, _file_kind(p)
    if os.path.isdir(p):
        for kind, pattern in (("parquet", "**/*.parquet"), ("csv", "**/*.csv")):
            if glob.glob(os.path.join(p, pattern), recursive=True):
                return os.path.join(p, pattern), kind
        raise SpecificationError(f"The folder {p!r} holds no .parquet or .csv files.")
    if any(ch in p for ch in "*?["):
        if not glob.glob(p, recursive=True):
            raise SpecificationError(f"No file matches {p!r}: check the path and the pattern.")
        return p, _file_kind(p.rstrip("*"))
    if not os.path.exists(p):
        raise SpecificationError(f"The file {p!r} does not exist (working directory "
                                 f"{os.getcwd()!r}).")
    return p, _file_kind(p)


class DuckDBBackend:
    """DuckDB, in-process. Either a connection of its own (paths, pandas frames) or the
    connection of a relation the caller passed (reached through ``relation.query``, so the
    caller's tables and views stay visible)."""

    name = "duckdb"

    def __init__(self, con: Any = None, anchor: Any = None):
        if con is None and anchor is None:
            import duckdb

            con = duckdb.connect()
        self.con = con
        self.anchor = anchor
        self._anchor_name = fresh_name("anchor")

    # -- running SQL ----------------------------------------------------------------------
    def run(self, sql: str) -> Any:
        """Run one statement; a relation for a query."""
        if self.anchor is not None:
            return self.anchor.query(self._anchor_name, sql)
        return self.con.sql(sql)

    def fetch(self, sql: str) -> pd.DataFrame:
        rel = self.run(sql)
        return rel.df()

    # DuckDB is the dialect the queries are written in: native SQL is the same
    native = run
    fetch_native = fetch

    @staticmethod
    def nq(name: str) -> str:
        """An identifier quoted for this backend's own SQL."""
        return quote(name)

    def materialise(self, sql: str, what: str) -> tuple[str, Any]:
        """Store the result of ``sql`` as a temporary table; ``(name, relation)``."""
        name = fresh_name(what)
        self.run(f"CREATE TEMP TABLE {quote(name)} AS {sql}")
        return name, self.run(f"SELECT * FROM {quote(name)}")

    def handle(self, name: str) -> Any:
        return self.run(f"SELECT * FROM {quote(name)}")

    def view(self, sql: str, what: str) -> tuple[str, Any]:
        """A temporary view of a query (DuckDB dialect); ``(name, relation)``."""
        name = fresh_name(what)
        self.run(f"CREATE TEMP VIEW {quote(name)} AS {sql}")
        return name, self.handle(name)

    def native_view(self, select_sql: str, what: str) -> str:
        """A temporary view of a query in this backend's own dialect."""
        name = fresh_name(what)
        self.run(f"CREATE TEMP VIEW {quote(name)} AS {select_sql}")
        return name

    # -- inputs ---------------------------------------------------------------------------
    def register_relation(self, rel: Any) -> str:
        name = fresh_name("src")
        rel.create_view(name, replace=True)
        return name

    def register_frame(self, frame: pd.DataFrame) -> str:
        name = fresh_name("src")
        if self.anchor is None:
            self.con.register(name, frame)
            return name
        # on a caller's connection: copied into a temporary table (DuckDB finds the frame
        # by its Python name, ``wsa_frame``)
        wsa_frame = frame  # noqa: F841 - read by DuckDB's replacement scan (this frame)
        self.anchor.query(self._anchor_name,
                          f"CREATE TEMP TABLE {quote(name)} AS SELECT * FROM wsa_frame")
        return name

    def register_path(self, path: str, kind: str) -> str:
        name = fresh_name("src")
        lit = "'" + path.replace("'", "''") + "'"
        reader = (f"read_parquet({lit}, union_by_name = true)" if kind == "parquet" else
                  f"read_csv({lit}, header = true, auto_detect = true, union_by_name = true)")
        try:
            self.run(f"CREATE TEMP VIEW {quote(name)} AS SELECT * FROM {reader}")
        except Exception as exc:  # noqa: BLE001 - duckdb raises several kinds here
            raise DataFormatError(
                f"Could not read {path!r} as {kind}: {str(exc).splitlines()[0]}") from exc
        return name

    def columns(self, name: str) -> list[tuple[str, str]]:
        rel = self.run(f"SELECT * FROM {quote(name)} LIMIT 0")
        return [(c, str(t)) for c, t in zip(rel.columns, rel.dtypes)]

    # -- dialect --------------------------------------------------------------------------
    def day_number(self, col: str, kind: str, fmt: int | None = None) -> str:
        """SQL for the day number (days since 1970-01-01) of a date column; NULL when
        missing or unreadable."""
        c = quote(col)
        if kind == "date":
            return f"(CAST({c} AS DATE) - DATE '1970-01-01')"
        if kind == "timestamp":
            return f"(CAST(CAST({c} AS TIMESTAMP) AS DATE) - DATE '1970-01-01')"
        if kind == "string":
            f = DATE_FORMATS[fmt][0]
            return f"(CAST(TRY_STRPTIME({c}, '{f}') AS DATE) - DATE '1970-01-01')"
        return f"CAST({c} AS BIGINT)"  # day numbers already

    def date_value(self, col: str, kind: str, fmt: int | None = None) -> str:
        """SQL for the column as a DATE (NULL when missing or unreadable)."""
        c = quote(col)
        if kind == "date":
            return f"CAST({c} AS DATE)"
        if kind == "timestamp":
            return f"CAST(CAST({c} AS TIMESTAMP) AS DATE)"
        if kind == "string":
            return f"CAST(TRY_STRPTIME({c}, '{DATE_FORMATS[fmt][0]}') AS DATE)"
        return f"(DATE '1970-01-01' + CAST({c} AS INTEGER))"

    def parses(self, col: str, fmt: int) -> str:
        return f"TRY_STRPTIME({quote(col)}, '{DATE_FORMATS[fmt][0]}') IS NOT NULL"


class SparkBackend:
    """A Spark session (local mode in the tests). Queries are written for DuckDB and
    transpiled to Spark SQL by sqlglot; results come back through Arrow."""

    name = "spark"

    def __init__(self, session: Any):
        self.session = session

    @staticmethod
    def transpile(sql: str) -> str:
        import sqlglot

        return sqlglot.transpile(sql, read="duckdb", write="spark")[0]

    def run(self, sql: str) -> Any:
        return self.session.sql(self.transpile(sql))

    def native(self, sql: str) -> Any:
        return self.session.sql(sql)

    @staticmethod
    def _to_pandas(df: Any) -> pd.DataFrame:
        if hasattr(df, "toArrow"):
            return df.toArrow().to_pandas()
        return df.toPandas()  # pragma: no cover - Spark < 4

    def fetch(self, sql: str) -> pd.DataFrame:
        return self._to_pandas(self.run(sql))

    def fetch_native(self, sql: str) -> pd.DataFrame:
        return self._to_pandas(self.native(sql))

    @staticmethod
    def nq(name: str) -> str:
        return "`" + str(name).replace("`", "``") + "`"

    def materialise(self, sql: str, what: str) -> tuple[str, Any]:
        name = fresh_name(what)
        df = self.run(sql).localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        return name, df

    def handle(self, name: str) -> Any:
        return self.session.table(name)

    def view(self, sql: str, what: str) -> tuple[str, Any]:
        name = fresh_name(what)
        df = self.run(sql)
        df.createOrReplaceTempView(name)
        return name, df

    def native_view(self, select_sql: str, what: str) -> str:
        name = fresh_name(what)
        self.native(select_sql).createOrReplaceTempView(name)
        return name

    def register_relation(self, df: Any) -> str:
        name = fresh_name("src")
        df.createOrReplaceTempView(name)
        return name

    def register_frame(self, frame: pd.DataFrame) -> str:
        return self.register_relation(self.session.createDataFrame(frame))

    def register_path(self, path: str, kind: str) -> str:
        try:
            df = (self.session.read.parquet(path) if kind == "parquet" else
                  self.session.read.csv(path, header=True, inferSchema=True))
        except Exception as exc:  # noqa: BLE001
            raise DataFormatError(
                f"Could not read {path!r} as {kind}: {str(exc).splitlines()[0]}") from exc
        return self.register_relation(df)

    def columns(self, name: str) -> list[tuple[str, str]]:
        return list(self.session.table(name).dtypes)

    def day_number(self, col: str, kind: str, fmt: int | None = None) -> str:
        c = self.nq(col)
        if kind in ("date", "timestamp"):
            return f"DATEDIFF(CAST({c} AS DATE), DATE'1970-01-01')"
        if kind == "string":
            f = DATE_FORMATS[fmt][1]
            return f"DATEDIFF(TO_DATE(TRY_TO_TIMESTAMP({c}, '{f}')), DATE'1970-01-01')"
        return f"CAST({c} AS BIGINT)"

    def date_value(self, col: str, kind: str, fmt: int | None = None) -> str:
        c = self.nq(col)
        if kind in ("date", "timestamp"):
            return f"CAST({c} AS DATE)"
        if kind == "string":
            return f"TO_DATE(TRY_TO_TIMESTAMP({c}, '{DATE_FORMATS[fmt][1]}'))"
        return f"DATE_ADD(DATE'1970-01-01', CAST({c} AS INT))"

    def parses(self, col: str, fmt: int) -> str:
        c = self.nq(col)
        return f"TRY_TO_TIMESTAMP({c}, '{DATE_FORMATS[fmt][1]}') IS NOT NULL"
