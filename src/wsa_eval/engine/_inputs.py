"""Turn what the caller passed into views of one backend, and check them before any long
computation: a path that does not exist, a file or frame missing a column, a column of the
wrong type, dates as text in several formats -- each raises the library's error naming the
file (or frame) and the column, from the schema or from one cheap scan of that column.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from ..errors import ColumnError, DataFormatError, SpecificationError, format_examples
from ._backend import DATE_FORMATS, DuckDBBackend, SparkBackend, quote, resolve_path, type_kind

__all__ = ["Source", "is_engine_input", "open_sources", "require", "date_reader",
           "check_kind"]


@dataclass
class Source:
    """One input as a view of a backend."""

    backend: Any
    view: str
    label: str  # for messages: "the file 'offences.parquet'", "the Spark DataFrame", ...
    types: dict[str, str]  # column -> the backend's type name

    def kind(self, col: str) -> str:
        return type_kind(self.types[col])

    @property
    def ref(self) -> str:
        return quote(self.view)


def _input_kind(obj: Any) -> str | None:
    if isinstance(obj, pd.DataFrame):
        return "pandas"
    if isinstance(obj, (str, os.PathLike)):
        return "path"
    mod = type(obj).__module__ or ""
    if mod.startswith(("duckdb", "_duckdb")) and hasattr(obj, "query"):
        return "duckdb"
    if mod.startswith("pyspark") and hasattr(obj, "createOrReplaceTempView"):
        return "spark"
    if mod.startswith("ibis") and hasattr(obj, "get_backend"):
        return "ibis"
    return None


def is_engine_input(obj: Any) -> bool:
    """True for a Parquet/CSV path or glob, a DuckDB relation, an ibis table or a PySpark
    DataFrame (what the engine reads); False for a pandas DataFrame and anything else."""
    k = _input_kind(obj)
    return k is not None and k != "pandas"


def _from_ibis(table: Any) -> Any:
    """An ibis table as a native DuckDB relation or Spark DataFrame of its own backend."""
    backend = table.get_backend()
    if backend.name == "duckdb":
        to_rel = getattr(backend, "_to_duckdb_relation", None)
        if to_rel is not None:
            return to_rel(table)
        import ibis  # pragma: no cover - older ibis

        return backend.con.sql(ibis.to_sql(table, dialect="duckdb"))  # pragma: no cover
    if backend.name == "pyspark":
        return backend._session.sql(backend.compile(table))
    raise SpecificationError(
        f"An ibis table on the {backend.name!r} backend cannot be read here: wsa_eval runs "
        "on DuckDB and Spark. Write the table to Parquet and pass the path.")


def _label(obj: Any, kind: str, what: str) -> str:
    if kind == "path":
        return f"{what} file {os.fspath(obj)!r}"
    return {"duckdb": f"{what} (a DuckDB relation)", "spark": f"{what} (a Spark DataFrame)",
            "pandas": f"{what} (a pandas DataFrame)"}[kind]


def open_sources(inputs: Mapping[str, Any]) -> list[Source]:
    """Views of every input on one backend: Spark if any input is a Spark frame, else DuckDB
    (the connection of a DuckDB relation given, or a new in-memory one)."""
    natives: dict[str, tuple[Any, str]] = {}
    for what, obj in inputs.items():
        kind = _input_kind(obj)
        if kind is None:
            raise SpecificationError(
                f"{what} must be a pandas DataFrame, a Parquet or CSV path (or glob), a DuckDB "
                f"relation, an ibis table or a PySpark DataFrame; got {type(obj).__name__}.")
        if kind == "ibis":
            obj = _from_ibis(obj)
            kind = _input_kind(obj)
        natives[what] = (obj, kind)
    kinds = {k for _, k in natives.values()}
    if "spark" in kinds and "duckdb" in kinds:
        raise SpecificationError(
            "The inputs mix a DuckDB relation and a Spark DataFrame: give them on one engine "
            "(or as Parquet paths).")
    if "spark" in kinds:
        session = next(o for o, k in natives.values() if k == "spark").sparkSession
        backend: Any = SparkBackend(session)
    elif "duckdb" in kinds:
        backend = DuckDBBackend(anchor=next(o for o, k in natives.values() if k == "duckdb"))
    else:
        backend = DuckDBBackend()
    out = []
    for what, (obj, kind) in natives.items():
        if kind == "path":
            path, fmt = resolve_path(obj)
            view = backend.register_path(path, fmt)
        elif kind == "pandas":
            if obj.shape[0] == 0:
                raise SpecificationError(f"{what} has no rows.")
            view = backend.register_frame(obj)
        else:
            view = backend.register_relation(obj)
        try:
            types = dict(backend.columns(view))
        except Exception as exc:  # noqa: BLE001 - a relation of another connection, ...
            raise SpecificationError(
                f"{_label(obj, kind, what)} cannot be read with the other input(s): "
                f"{str(exc).splitlines()[0]}. Give both on one connection or as paths.") from exc
        out.append(Source(backend, view, _label(obj, kind, what), types))
    return out


def require(src: Source, columns: Mapping[str, str | Sequence[str] | None]) -> None:
    """ColumnError naming every argument whose column is missing from ``src``."""
    missing = []
    for arg, cols in columns.items():
        if cols is None:
            continue
        for c in [cols] if isinstance(cols, str) else list(cols):
            if c not in src.types:
                missing.append(f"{arg}={c!r}")
    if missing:
        raise ColumnError(
            f"Column(s) not found in {src.label}: {', '.join(missing)}. It has these "
            f"columns: {format_examples(list(src.types), 25)}. Check the spelling (names are "
            "case-sensitive).")


_KIND_WORDS = {"number": ("integer", "float"), "integer": ("integer",),
               "number or flag": ("integer", "float", "boolean")}


def check_kind(src: Source, col: str, arg: str, allowed: str) -> str:
    """The column's kind, or a ColumnError naming it when not ``allowed`` (a key of
    ``_KIND_WORDS`` or ``"any"``)."""
    k = src.kind(col)
    if allowed != "any" and k not in _KIND_WORDS[allowed]:
        raise ColumnError(
            f"{arg}={col!r} in {src.label} must be a {allowed} column, but it has type "
            f"{src.types[col]}.")
    return k


def _fits(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value.strip(), fmt)
    except ValueError:
        return False
    return True


def _text_date_format(src: Source, col: str, arg: str) -> int:
    """The one format of a text date column, or a DataFormatError naming the column."""
    b = src.backend
    sample = b.fetch(f"SELECT {quote(col)} AS v FROM {src.ref} WHERE {quote(col)} IS NOT NULL "
                     "LIMIT 2000")["v"].astype(str).tolist()
    if not sample:
        return 0
    fits = [[i for i, f in enumerate(DATE_FORMATS) if _fits(v, f[0])] for v in sample]
    common = set(range(len(DATE_FORMATS)))
    for fi in fits:
        common &= set(fi)
    if not common:
        _mixed_formats(src, col, arg, sample, fits)
    fmt = min(common)
    # every other value of the column: one scan of this column only
    c = b.nq(col)
    bad = b.fetch_native(f"SELECT {c} AS v FROM {b.nq(src.view)} WHERE {c} IS NOT NULL "
                         f"AND NOT ({b.parses(col, fmt)}) LIMIT 20")["v"].astype(str).tolist()
    if bad:
        other = [[i for i, f in enumerate(DATE_FORMATS) if _fits(v, f[0])] for v in bad]
        if any(other):
            _mixed_formats(src, col, arg, sample[:1] + bad, [[fmt]] + other)
    return fmt


def _mixed_formats(src: Source, col: str, arg: str, values: list[str],
                   fits: list[list[int]]) -> None:
    seen: dict[str, str] = {}
    for v, fi in zip(values, fits):
        label = DATE_FORMATS[fi[0]][2] if fi else "unreadable"
        seen.setdefault(label, v)
    shown = "; ".join(f"{v!r} ({k})" for k, v in list(seen.items())[:4])
    raise DataFormatError(
        f"{arg}={col!r} in {src.label} holds dates as text in more than one format: {shown}. "
        "Convert the column to one format (or to a date type) first; the engine does not guess "
        "which of two readings of a date is meant.")


def date_reader(src: Source, col: str, arg: str, as_date: bool = False) -> tuple[str, str]:
    """``(SQL for the day number of the column, kind)`` in the backend's own dialect; kind is
    ``"date"`` (dates, timestamps or text dates in one recognised format) or ``"day"`` (whole
    day numbers). ``as_date``: SQL for a DATE value instead of the day number."""
    k = src.kind(col)
    b = src.backend
    make = b.date_value if as_date else b.day_number
    if k in ("date", "timestamp"):
        return make(col, k), "date"
    if k == "integer":
        return make(col, "integer"), "day"
    if k == "string":
        fmt = _text_date_format(src, col, arg)
        return make(col, "string", fmt), "date"
    raise ColumnError(
        f"{arg}={col!r} in {src.label} must hold dates (a date or timestamp type, text dates "
        f"such as '2019-03-01', or whole day numbers), but it has type {src.types[col]}.")
