"""Reading the cells of a numeric column that arrived as text.

Spreadsheets and official tables put more than numbers in a column of numbers. Read here:

* thousands separators: ``"1,234"`` is 1234 (only the exact pattern ``1,234,567.8``, so a
  decimal comma such as ``"1,5"`` is not misread);
* GOV.UK shorthand in place of a number (the Government Statistical Service's symbols,
  e.g. ``[c]`` confidential, ``[x]`` not available, ``[z]`` not applicable; and the older
  ``*``, ``..``, ``:``, ``-``): reported as suppressed or unavailable, never read as zero;
* a number carrying a shorthand note (``"123 [p]"`` provisional, ``[r]`` revised, ``[e]``
  estimated): read as the number, with a warning;
* words for missing (``"NA"``, ``"n/a"``, ``"null"``, ...): missing.

Anything else is reported with the values seen and advice that fits them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import format_examples

#: cells that stand in for a number, and what they mean
MARKERS: dict[str, str] = {
    "*": "suppressed",
    "..": "not available",
    "...": "not available",
    ":": "not available",
    "-": "a dash (nil or not available)",
    "\u2013": "a dash (nil or not available)",
    "[c]": "confidential: suppressed to protect individuals",
    "[x]": "not available",
    "[z]": "not applicable",
    "[u]": "low reliability",
    "[w]": "no cases recorded",
    "[k]": "a low figure that rounds to zero",
    "[low]": "a low figure",
}
#: notes that may follow a number: "123 [p]"
NOTES: dict[str, str] = {"p": "provisional", "r": "revised", "e": "estimated",
                         "f": "forecast", "b": "break in the series", "u": "low reliability",
                         "er": "estimated and revised", "pr": "provisional and revised"}
_MISSING_WORDS = {"", "na", "n/a", "nan", "null", "none", "missing", "#n/a"}
_THOUSANDS = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
_NOTED = re.compile(r"([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*\[(" + "|".join(NOTES)
                    + r")\]", re.IGNORECASE)


@dataclass
class NumberReading:
    """A column read as numbers: ``values`` (float, NaN where no number), and masks of the
    cells that needed reading (aligned with the column)."""

    values: pd.Series
    thousands: pd.Series  # "1,234"
    markers: pd.Series  # the marker text where a cell is a marker, else None
    noted: pd.Series  # the note letter where a number carried one ("123 [p]"), else None
    text: pd.Series  # cells that are none of the above and not missing
    source: pd.Series  # the column as given
    converted: bool = True  # False when the column was numbers already (values is source)

    @property
    def marker_cells(self) -> pd.Series:
        return self.markers.notna()


def read_numbers(col: pd.Series) -> NumberReading:
    """Read a column of numbers that may hold text (see the module docstring)."""
    none = pd.Series(None, index=col.index, dtype=object)
    false = pd.Series(False, index=col.index)
    if pd.api.types.is_bool_dtype(col):
        return NumberReading(col.astype(float), false, none, none, false, col)
    if pd.api.types.is_numeric_dtype(col):
        return NumberReading(col, false, none, none, false, col, converted=False)
    present = col.notna()
    txt = col[present].astype(str).str.strip()
    uniq = pd.Series(pd.unique(txt), dtype=object)
    num = pd.to_numeric(uniq, errors="coerce")
    low = uniq.str.lower()
    missing_word = low.isin(_MISSING_WORDS) & num.isna()
    thousands = uniq.str.fullmatch(_THOUSANDS) & num.isna()
    num = num.where(~thousands, pd.to_numeric(uniq.str.replace(",", "", regex=False),
                                              errors="coerce"))
    marker = low.where(low.isin(list(MARKERS)) & num.isna())
    noted = uniq.str.extract(_NOTED)
    has_note = noted[0].notna() & num.isna() & marker.isna()
    num = num.where(~has_note, pd.to_numeric(noted[0].str.replace(",", "", regex=False),
                                             errors="coerce"))
    text = num.isna() & marker.isna() & ~missing_word
    # map the per-unique results back onto the rows
    pos = pd.Index(uniq).get_indexer(txt)

    def back(arr: pd.Series, fill: object, dtype: object = object) -> pd.Series:
        out = pd.Series(fill, index=col.index, dtype=dtype)
        out[present] = np.asarray(arr, dtype=dtype)[pos]
        return out

    return NumberReading(
        values=back(num.astype(float), np.nan, float),
        thousands=back(thousands.fillna(False), False, bool),
        markers=back(marker, None),
        noted=back(noted[1].str.lower().where(has_note), None),
        text=back(text.fillna(False), False, bool),
        source=col,
    )


def marker_summary(markers: pd.Series) -> str:
    """``'[c]' (confidential: ...) in 2 cells, '*' (suppressed) in 1 cell``."""
    counts = markers.dropna().value_counts()
    return ", ".join(f"{m!r} ({MARKERS[m]}) in {n} cell{'s' if n > 1 else ''}"
                     for m, n in counts.items())


def text_hint(values: list[str]) -> str:
    """Advice that fits the text seen in a numeric column."""
    v = str(values[0]).strip()
    if re.fullmatch(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[-+]?\d+,\d+", v):
        return (f" {v!r} looks like a number written with a decimal comma or dots between "
                "thousands: write it with a decimal point and no separators (e.g. 1234.5).")
    if re.fullmatch(r"[-+]?\d+(?:\.\d+)?\s*%", v):
        return f" Write percentages without the % sign ({v.rstrip('% ')})."
    nums = re.findall(r"[-+]?\d+(?:\.\d+)?", v)
    if len(nums) == 1:
        return (f" If {v!r} means {nums[0]}, keep only the number in the cell and put any note "
                "in another column.")
    if re.fullmatch(r"\[[a-z]+\]", v.lower()):
        return (f" {v!r} looks like a statistical shorthand symbol; wsa_eval knows "
                f"{format_examples(list(MARKERS), 20)}. Replace it with a number or leave the "
                "cell empty.")
    return " Replace the text with numbers (or leave the cell empty where there is none)."
