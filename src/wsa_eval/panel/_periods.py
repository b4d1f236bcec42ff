"""Reading the time column: plain numbers, or the period labels of official statistics.

Estimators need one number per period. Analysts' tables often spell periods as text; three
forms are read, each with its numbering stated in the checks table:

* financial years ``"2015/16"`` (also ``"2015-16"``, ``"2015/2016"``, ``"FY2015/16"``): the
  calendar year the financial year starts in, ``2015`` (April 2015 to March 2016);
* quarters ``"2019 Q1"`` (also ``"2019Q1"``, ``"2019-Q1"``, ``"Q1 2019"``): the year plus
  (quarter - 1) / 4, so ``2019.0``, ``2019.25``, ``2019.5``, ``2019.75``;
* months ``"2019-03"`` (also ``"Mar 2019"``, ``"March 2019"``): the year plus
  (month - 1) / 12, so ``2019-03`` is ``2019.1667``.

A column mixing forms, or holding dates or other text, is refused with the conversion to
make. Distinct periods closer than a millionth of their size (``2011`` and
``2011.000000001``, the residue of a float computation) are refused too: they are almost
surely one period written twice, and would make the time grid explode.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecificationError, format_examples
from ._text import fmt_t

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTH_WORDS = {**_MONTHS, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6,
                "july": 7, "august": 8, "september": 9, "sept": 9, "october": 10,
                "november": 11, "december": 12}

_FY = re.compile(r"(?:fy\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})")
_Q = re.compile(r"(\d{4})\s*[-/ ]?\s*q([1-4])|q([1-4])\s*[-/ ]?\s*(\d{4})")
_M_NUM = re.compile(r"(\d{4})-(\d{1,2})")
_M_WORD = re.compile(r"([a-z]{3,9})\.?\s+(\d{4})")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")

KINDS = ("financial year", "quarter", "month")


def _financial_year(text: str) -> float | None:
    m = _FY.fullmatch(text)
    if not m:
        return None
    start, end = int(m.group(1)), m.group(2)
    ok = (int(end) == start + 1) if len(end) == 4 else (int(end) == (start + 1) % 100)
    return float(start) if ok else None


def _quarter(text: str) -> float | None:
    m = _Q.fullmatch(text)
    if not m:
        return None
    year, q = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    return int(year) + (int(q) - 1) / 4


def _month(text: str) -> float | None:
    m = _M_NUM.fullmatch(text)
    if m:
        month = int(m.group(2))
        return int(m.group(1)) + (month - 1) / 12 if 1 <= month <= 12 else None
    m = _M_WORD.fullmatch(text)
    if m and m.group(1) in _MONTH_WORDS:
        return int(m.group(2)) + (_MONTH_WORDS[m.group(1)] - 1) / 12
    return None


_PARSERS = {"financial year": _financial_year, "quarter": _quarter, "month": _month}


@dataclass
class PeriodReading:
    """The time column read as numbers, or why it could not be."""

    values: pd.Series | None  # float, aligned with the column; None when refused
    kind: str = "number"
    labels: dict[float, str] = field(default_factory=dict)
    note: str = ""  # the numbering, stated to the user
    error: str = ""  # why the column was refused, with the conversion to make
    converted: bool = True  # False when the column held numbers already


def read_periods(col: pd.Series, name: str) -> PeriodReading:
    """Read the time column ``col`` (named ``name``); see the module docstring."""
    if pd.api.types.is_bool_dtype(col):
        return PeriodReading(None, error=f"The time column {name!r} holds true/false values; "
                             "it needs the period, e.g. the year as 2014.")
    if pd.api.types.is_datetime64_any_dtype(col):
        return PeriodReading(None, error=(
            f"The time column {name!r} holds dates; the estimators need one number per period. "
            f"Use the year (in pandas: data[{name!r}].dt.year) or, for monthly data, the month "
            f"as text (data[{name!r}].dt.strftime('%Y-%m')), which is read as a month."))
    if pd.api.types.is_numeric_dtype(col):
        return PeriodReading(col, converted=False)
    present = col.dropna()
    uniq = pd.unique(present.astype(str).str.strip())
    num = pd.to_numeric(pd.Series(uniq, dtype=object), errors="coerce").to_numpy(dtype=float)
    if not np.isnan(num).any():  # numbers stored as text ("2015")
        return PeriodReading(pd.to_numeric(col.astype(str).str.strip().where(col.notna()),
                                           errors="coerce"))
    low = [u.lower() for u in uniq]
    fits = {k: [_PARSERS[k](t) for t in low] for k in KINDS}
    kind = next((k for k in KINDS if all(v is not None for v in fits[k])), None)
    if kind is None:
        return PeriodReading(None, error=_refusal(name, list(uniq), num, fits))
    mapping = dict(zip(uniq, fits[kind]))
    values = col.astype(str).str.strip().map(mapping).where(col.notna()).astype(float)
    labels: dict[float, str] = {}
    for text, v in mapping.items():
        labels.setdefault(float(v), text)
    ambiguous = kind == "financial year" and all(v is not None for v in fits["month"])
    return PeriodReading(values, kind, labels, _numbering_note(name, kind, labels, ambiguous))


def _numbering_note(name: str, kind: str, labels: Mapping[float, str], ambiguous: bool) -> str:
    first = min(labels)
    ex = labels[first]
    if kind == "financial year":
        y = int(first)
        return (f"The periods in {name!r} are financial years{' (not months)' if ambiguous else ''}"
                f", each numbered by the calendar year it starts in: {ex!r} is {y} (April {y} "
                f"to March {y + 1}). Give start years the same way ({y + 1} for "
                f"{y + 1}/{(y + 2) % 100:02d}) or as the data spell them.")
    if kind == "quarter":
        y = int(np.floor(first))
        return (f"The periods in {name!r} are quarters, numbered year + (quarter - 1)/4: "
                f"'{y} Q1' is {y}, '{y} Q2' is {y}.25, '{y} Q3' is {y}.5, '{y} Q4' is "
                f"{y}.75. Give start periods the same way or as the data spell them.")
    y = int(np.floor(first))
    return (f"The periods in {name!r} are months, numbered year + (month - 1)/12: "
            f"'{y}-01' is {y}, '{y}-03' is {y + 2 / 12:.4f}, '{y}-12' is {y + 11 / 12:.4f}. "
            "Give start periods the same way or as the data spell them (e.g. '"
            f"{y}-03').")


def _refusal(name: str, uniq: list[str], num: np.ndarray, fits: dict[str, list]) -> str:
    """Why a text time column cannot be read, and the exact conversion to make."""
    kinds_of = []
    for i, _ in enumerate(uniq):
        k = "number" if not np.isnan(num[i]) else next(
            (k for k in KINDS if fits[k][i] is not None), None)
        kinds_of.append(k)
    unread = [u for u, k in zip(uniq, kinds_of) if k is None]
    forms = ("a number (the year, 2014), a financial year ('2015/16'), a quarter ('2019 Q1') "
             "or a month ('2019-03')")
    if unread:
        hint = _hint(unread[0])
        return (f"The time column {name!r} must hold periods: {forms}. It has "
                f"{format_examples(unread, 4)}, which is none of these.{hint}")
    seen = {}
    for u, k in zip(uniq, kinds_of):
        seen.setdefault(k, u)
    described = ", ".join(f"{v!r} ({k})" for k, v in seen.items())
    target = next((k for k in KINDS if k in seen), "number")
    return (f"The time column {name!r} mixes kinds of period: {described}. Write every period "
            f"the same way, e.g. every one as a {target} like {seen[target]!r}.")


def _hint(value: str) -> str:
    """Advice that fits the value seen."""
    v = value.strip()
    if _DATE.fullmatch(v):
        return (f" {v!r} looks like a date: give the month as 'YYYY-MM' (e.g. '2019-03') or "
                "the year as a number (2019), one value per period.")
    if re.fullmatch(r"\d{4}\s*[/-]\s*\d{2,4}", v):
        return (f" {v!r} looks like a financial year, but the second year does not follow the "
                "first: write it as '2015/16' (April 2015 to March 2016).")
    years = re.findall(r"(?<!\d)(\d{4})(?!\d)", v)
    if len(years) == 1:
        return (f" If {v!r} means the year {years[0]}, write just {years[0]} in that column "
                "(in a spreadsheet: find and replace the text around it).")
    return ""


def period_number(label: Any, labels: Mapping[float, str], name: str = "time") -> float:
    """The number of a period given as a number or as the data spell it."""
    if isinstance(label, (int, float, np.integer, np.floating)) and not isinstance(label, bool):
        return float(label)
    text = str(label).strip()
    try:
        return float(text)
    except ValueError:
        pass
    for v, lab in labels.items():
        if lab == text:
            return float(v)
    low = text.lower()
    for kind in KINDS:
        v = _PARSERS[kind](low)
        if v is not None:
            return float(v)
    raise SpecificationError(
        f"The period {label!r} is not a number, a financial year ('2015/16'), a quarter "
        f"('2019 Q1') or a month ('2019-03'); the {name!r} column has periods such as "
        f"{format_examples(list(labels.values())[:3]) or 'numbers'}.")


def near_duplicate_periods(times: np.ndarray) -> list[tuple[float, float]]:
    """Pairs of distinct sorted periods closer than a millionth of their size."""
    t = np.asarray(times, dtype=float)
    if len(t) < 2:
        return []
    d = np.diff(t)
    close = np.flatnonzero(d <= 1e-6 * np.maximum(1.0, np.abs(t[1:])))
    return [(float(t[i]), float(t[i + 1])) for i in close]


def fmt_close(a: float, b: float) -> str:
    """Two periods that print alike, shown with enough digits to tell them apart."""
    for digits in range(6, 18):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return f"{sa} and {sb}"
    return f"{a!r} and {b!r}"  # pragma: no cover


def period_text(value: float, kind: str) -> str:
    """A period number written the way a column of ``kind`` spells it."""
    v = float(value)
    if kind == "financial year" and v.is_integer():
        return f"{int(v)}/{(int(v) + 1) % 100:02d}"
    if kind == "quarter":
        y = int(np.floor(v + 1e-9))
        return f"{y} Q{int(round((v - y) * 4)) + 1}"
    if kind == "month":
        y = int(np.floor(v + 1e-9))
        return f"{y}-{int(round((v - y) * 12)) + 1:02d}"
    return fmt_t(v)


def missing_grid_periods(times: np.ndarray, kind: str = "number"
                         ) -> tuple[list[str], float] | None:
    """Periods missing from an evenly spaced grid (step = smallest gap), or None when the
    periods are evenly spaced. Never builds a grid much larger than the data."""
    t = np.asarray(times, dtype=float)
    if len(t) <= 2:
        return None
    steps = np.diff(t)
    step = float(steps.min())
    if step <= 0 or np.allclose(steps, step):
        return None
    n_grid = (t[-1] - t[0]) / step
    if n_grid > 10 * len(t) + 100:
        return [], step  # uneven, but listing the grid would be absurd
    full = np.arange(t[0], t[-1] + step / 2, step)
    return [period_text(g, kind) for g in full if not np.isclose(t, g).any()], step
