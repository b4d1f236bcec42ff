"""Unit names that are probably one unit spelt two ways.

A spreadsheet easily holds ``"Riverton"``, ``"riverton"`` and ``"Riverton "`` (a trailing
space). To pandas these are three units: a balanced panel fails with puzzling gaps, and an
unbalanced one silently gains comparison units that do not exist. Two checks:

* names that are equal once case, surrounding spaces and repeated inner spaces are ignored
  (always refused: rename them one way);
* names that are close (``difflib`` ratio at least 0.85, the same numbers in both, so
  "Area 10" and "Area 11" are never confused) and observed in periods that do not overlap,
  so that together they would make one unit ("did you mean"). This one is made for
  area-level panels only (at most 1,000 units): among thousands of person identifiers,
  close names are expected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import format_examples


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def same_name_groups(names: Sequence[Any], rows: Callable[[str], int]
                     ) -> list[tuple[list[str], str]]:
    """Groups of string names equal up to case and spaces, each with the spelling to keep
    (the one on most rows, counted by ``rows(name)``; ties go to a spelling without stray
    spaces). One pass over the distinct names (plain Python is faster here than pandas'
    string methods, which loop in Python anyway)."""
    strs = [n for n in names if isinstance(n, str)]
    keys = [_key(n) for n in strs]
    if len(set(keys)) == len(keys):
        return []
    by_key: dict[str, list[str]] = {}
    for n, k in zip(strs, keys):
        by_key.setdefault(k, []).append(n)
    out = []
    for spellings in by_key.values():
        if len(spellings) > 1:
            best = max(spellings, key=lambda n: (rows(n), n == " ".join(n.split()),
                                                 n[:1].isupper()))
            out.append((spellings, best))
    return out


#: panels with more units than this are not searched for names spelt two ways
MAX_UNITS_FOR_SPELLING = 1000


def complementary_names(periods: dict[Any, set], limit: int = 200) -> list[tuple[Any, Any]]:
    """Pairs (short name, likely name) among units missing some periods whose names are
    close and whose periods do not overlap. ``periods`` maps each short unit to the set of
    periods it is observed in; only string names are compared, at most ``limit`` of them."""
    names = [u for u in periods if isinstance(u, str)][:limit]
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if periods[a] & periods[b] or re.findall(r"\d+", a) != re.findall(r"\d+", b):
                continue
            if difflib.SequenceMatcher(None, _key(a), _key(b)).ratio() < 0.85:
                continue
            # the spelling seen in more periods is the likely one
            short, likely = (a, b) if len(periods[a]) < len(periods[b]) else (b, a)
            out.append((short, likely))
    return out


def suggest(name: Any, options: Sequence[Any]) -> str:
    """`` Did you mean 'Riverton'?`` (empty when nothing is close)."""
    if not isinstance(name, str):
        same = [o for o in options if str(o) == str(name)]
        return f" Did you mean {same[0]!r} (a {type(same[0]).__name__})?" if same else ""
    strs = [o for o in options if isinstance(o, str)]
    same = [o for o in strs if _key(o) == _key(name)]
    if len(same) > 1:
        return (f" The data spell it {len(same)} ways: {format_examples(same)}; spell each "
                "unit one way (check for spaces at the end of names).")
    if same:
        return (f" Did you mean {same[0]!r}? (names must match exactly, including capitals "
                "and spaces)")
    close = difflib.get_close_matches(name, strs, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def describe_groups(groups: list[tuple[list[str], str]], unit: str) -> str:
    parts = [f"{format_examples([s for s in spellings if s != best])} (did you mean "
             f"{best!r}?)" for spellings, best in groups[:5]]
    more = f" and {len(groups) - 5} more" if len(groups) > 5 else ""
    return (f"Some names in the unit column {unit!r} differ only in capitals or spaces, so "
            f"they would count as separate units: {'; '.join(parts)}{more}. Spell each unit "
            "one way (check for spaces at the end of names).")

