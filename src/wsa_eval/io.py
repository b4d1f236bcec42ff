"""Reading an analyst's table from a file, as faithfully as possible.

:func:`read_table` reads CSV (and other delimited text) and Excel files for the command
line and for Python users who want the same reading. It decides only what a file's layout
forces it to decide, and says what it decided (``ReadTable.notes``):

* the delimiter is sniffed from the first lines (comma, semicolon, tab or bar), so a
  semicolon-separated export of a European-locale spreadsheet is not read as one column;
* the encoding is UTF-8 (with or without the byte-order mark Excel writes), else
  Windows-1252, the encoding of "CSV" files saved by Excel on Windows;
* cells are otherwise left as they are: ``"1,234"``, ``"[c]"`` or ``"2015/16"`` stay text,
  and :func:`wsa_eval.panel.validate_panel` reads or reports them (so a DataFrame built in
  Python gets the same treatment as a file).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import DataFormatError

__all__ = ["read_table", "ReadTable", "sniff_delimiter"]

_DELIMITERS = (",", ";", "\t", "|")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_EXCEL = (".xlsx", ".xlsm", ".xls", ".ods")
_HEAD_BYTES = 65536  # enough lines to sniff the delimiter from


@dataclass(frozen=True)
class ReadTable:
    """A table read from a file: ``data``, and how it was read."""

    data: pd.DataFrame
    path: Path
    delimiter: str | None = None  # None for spreadsheets
    encoding: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def read_table(path: str | Path) -> ReadTable:
    """Read a CSV (any of the usual delimiters) or Excel file; see the module docstring.

    Raises
    ------
    DataFormatError
        The file is missing, empty, or cannot be read as a table (the message says why).
    """
    path = Path(path)
    if not path.exists():
        raise DataFormatError(f"File not found: {path}.")
    if path.is_dir():
        raise DataFormatError(f"{path} is a folder, not a data file.")
    if path.suffix.lower() in _EXCEL:
        return _read_spreadsheet(path)
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    if not head.strip():
        raise DataFormatError(f"{path.name} is empty.")
    delimiter = sniff_delimiter(head.decode("utf-8", errors="replace"))
    notes = [f"{path.name} is {_NAMES[delimiter]}-separated."] if delimiter != "," else []
    data, encoding = None, "utf-8"
    for encoding in ("utf-8-sig", "cp1252"):  # Excel writes a BOM; or Windows-1252
        try:
            data = pd.read_csv(path, sep=delimiter, encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, ValueError) as exc:
            raise DataFormatError(
                f"Could not read {path.name} as a table ({_NAMES[delimiter]}-separated): "
                f"{str(exc).strip()}. Check that every row has the same number of cells as "
                "the header row.") from None
    if data is None:
        raise DataFormatError(
            f"{path.name} is neither UTF-8 nor Windows-1252 text. Save it again as "
            "'CSV UTF-8' from your spreadsheet program.")
    if encoding == "cp1252":
        notes.append(f"{path.name} is not UTF-8; read it as Windows-1252 (as saved by Excel "
                     "on Windows).")
    encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    if data.shape[0] == 0:
        raise DataFormatError(f"{path.name} has a header row but no data rows.")
    unnamed = [c for c in data.columns if str(c).startswith("Unnamed: ")]
    if unnamed and data[unnamed].isna().all().all():
        data = data.drop(columns=unnamed)  # trailing delimiters: empty columns
        notes.append(f"Ignored {len(unnamed)} empty column(s) without a header.")
    return ReadTable(data, path, delimiter, encoding, tuple(notes))


def sniff_delimiter(text: str, lines: int = 50) -> str:
    """The delimiter that splits (nearly) all of the first ``lines`` lines into the same
    number of cells, more than one, preferring the one giving most cells; comma when none
    does."""
    head = "\n".join(text.splitlines()[:lines])
    best, best_cells = ",", 1
    for d in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(head), delimiter=d) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        widths = [len(r) for r in rows]
        n = max(set(widths), key=widths.count)  # the usual number of cells in a row
        if n > best_cells and _mostly(rows, n):
            best, best_cells = d, n
    return best


def _mostly(rows: list[list[str]], n: int) -> bool:
    """All but a few rows (a title line, a footnote) have ``n`` cells."""
    return sum(len(r) == n for r in rows) >= 0.9 * len(rows)


def _read_spreadsheet(path: Path) -> ReadTable:
    try:
        data = pd.read_excel(path)
    except ImportError as exc:
        raise DataFormatError(
            f"Reading {path.suffix} files needs an extra package ({exc.name or 'openpyxl'}): "
            "pip install openpyxl, or save the sheet as CSV.") from None
    except Exception as exc:  # a corrupt or password-protected workbook
        raise DataFormatError(f"Could not read {path.name} as a spreadsheet: {exc}.") from None
    if data.shape[0] == 0:
        raise DataFormatError(f"{path.name} has no data rows in its first sheet.")
    return ReadTable(data, path, None, None, (f"Read the first sheet of {path.name}.",))
