"""Disclosure control: no count of people below the threshold reaches any output.

Applied once, where results become report content (:func:`wsa_eval.reporting.report` calls
it for every table, sentence and figure of every result; the HTML, Markdown, CSV, JSON and
PNG writers only ever see its output). It works on the *declarations* that results make
with :mod:`wsa_eval.content` (which values count people, which values reveal them), not on
column names.

Rules (threshold ``t``, default 5):

1. **Primary suppression.** A count of people from 1 to ``t - 1`` is not shown (zero is
   shown: it discloses nothing about an individual). A part of a shown total whose
   remainder is small (3 of 30 did *not* reoffend) is treated the same way.
2. **Values that reveal a suppressed count** are suppressed with it: its log, a rate or a
   percentage made from it, its difference from a shown estimate (declared by the result
   with ``reveals``); a sentence containing such a value is withheld (replaced by its
   fallback wording).
3. **Secondary (complementary) suppression.** Where a suppressed count is one part of a
   shown total, the next smallest part is suppressed too, so that the count cannot be
   recovered by subtraction.
4. **Cumulative counts** (people at risk, whose differences between rows are counts of
   events and censorings) are shown only at rows where at least ``t`` people have left since
   the previous row shown; the rows in between are merged (counts summed). Survival curves
   are drawn from the merged table, as OpenSAFELY's disclosure-safe Kaplan-Meier curves are.
5. **Free text** supplied by a user (notes, extra sentences) is scrubbed of small numbers
   near a word for people, as a safety net; results never rely on it.

Figures are drawn from the suppressed data: a suppressed value is a gap (a break in a line,
a missing bar), and the figure and its caption carry a note.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._format import fmt_cell, fmt_int, fmt_value
from .content import Count, Table, Text, Value

__all__ = ["Policy", "SuppressionLog", "SafeTable", "suppress_table", "render_text",
           "scrub_free_text", "small"]

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Policy:
    """The disclosure threshold: counts from 1 to ``threshold - 1`` are suppressed."""

    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        from .errors import SpecificationError

        if not isinstance(self.threshold, (int, np.integer)) or self.threshold < 1:
            raise SpecificationError(
                f"The disclosure threshold must be a whole number of at least 1 (default 5), "
                f"not {self.threshold!r}.")

    @property
    def marker(self) -> str:
        """What a suppressed cell shows: ``"<5"``."""
        return f"<{self.threshold}"

    @property
    def words(self) -> str:
        """What a suppressed count reads as in a sentence: ``"fewer than 5"``."""
        return f"fewer than {self.threshold}"


def small(x: Any, threshold: int) -> bool:
    """True when ``x`` is a count from 1 to ``threshold - 1`` (rounded to whole people)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    if not math.isfinite(v):
        return False
    v = round(v, 6)
    return 0 < v < threshold


@dataclass
class SuppressionLog:
    """What was withheld, for the report's one-line statement."""

    cells: int = 0
    sentences: int = 0
    figure_points: int = 0
    merged_rows: int = 0
    where: list[str] = field(default_factory=list)

    def add(self, kind: str, n: int, where: str) -> None:
        if n <= 0:
            return
        setattr(self, kind, getattr(self, kind) + n)
        if where and where not in self.where:
            self.where.append(where)

    @property
    def any(self) -> bool:
        return bool(self.cells or self.sentences or self.figure_points or self.merged_rows)

    def statement(self, policy: Policy) -> str:
        """One line: what was suppressed and why."""
        if not self.any:
            return (f"Disclosure control: no value in this report rests on fewer than "
                    f"{policy.threshold} people, so nothing was suppressed (threshold "
                    f"{policy.threshold}).")
        parts = []
        if self.cells:
            parts.append(f"{self.cells} table value{'s' if self.cells != 1 else ''}")
        if self.figure_points:
            parts.append(f"{self.figure_points} plotted value"
                         f"{'s' if self.figure_points != 1 else ''}")
        if self.sentences:
            parts.append(f"{self.sentences} sentence{'s' if self.sentences != 1 else ''}")
        if self.merged_rows:
            parts.append(f"{self.merged_rows} time point{'s' if self.merged_rows != 1 else ''}"
                         " merged")
        return (f"Disclosure control: {', '.join(parts)} withheld because they rest on, or "
                f"would reveal, a count of fewer than {policy.threshold} people (shown as "
                f"{policy.marker} or as gaps in figures).")


@dataclass(frozen=True)
class SafeTable:
    """A table after disclosure control.

    ``values``: the numbers with suppressed cells as NaN (for figures and JSON);
    ``mask``: True where suppressed; ``display``: formatted strings with ``<5`` markers and
    human column labels (for HTML, Markdown and CSV).
    """

    source: Table
    values: pd.DataFrame
    mask: pd.DataFrame
    display: pd.DataFrame

    @property
    def n_suppressed(self) -> int:
        return int(self.mask.to_numpy().sum())


# ----------------------------------------------------------------------------- tables
def _count_values(frame: pd.DataFrame, col: str, scale: Any) -> np.ndarray:
    v = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    if scale is None:
        return v
    if isinstance(scale, str):
        s = pd.to_numeric(frame[scale], errors="coerce").to_numpy(dtype=float)
    else:
        s = float(scale)
    return v * s


def _block_starts(vals: np.ndarray, threshold: int) -> np.ndarray:
    """Row positions where merged blocks start (rule 4).

    A block that starts at row ``s`` closes before row ``i`` when the cumulative count drops
    by 0 or by at least ``threshold`` from ``vals[s]`` to ``vals[i]``; a last block whose own
    count (``vals`` at its start) is below the threshold is merged into the one before it,
    so that no small remainder can be recovered from the others.
    """
    starts = [0]
    s = 0
    for i in range(1, len(vals)):
        d = vals[s] - vals[i]
        if d == 0 or d >= threshold:
            starts.append(i)
            s = i
    if len(starts) > 1 and 0 < vals[starts[-1]] < threshold:
        starts.pop()
    return np.asarray(starts, dtype=int)


def _merge_sequences(t: Table, frame: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, int]:
    """Rule 4: merge rows of cumulative count columns until each step is 0 or >= t.

    In a merged block the cumulative columns (``sequence``) keep the block's first value,
    the other count columns are summed and every other column keeps its last value (the
    state at the end of the block, e.g. a survival estimate).
    """
    seq = [c for c in t.sequence if c in frame.columns]
    if not seq or frame.empty:
        return frame, 0
    group_cols = [c for c in ("group", "strata", "cause") if c in frame.columns
                  and c not in t.counts]
    add_cols = [c for c in t.counts if c in frame.columns and c not in seq]
    frame = frame.reset_index(drop=True)
    if group_cols:
        codes = frame.groupby(group_cols, sort=False, dropna=False).ngroup().to_numpy()
    else:
        codes = np.zeros(len(frame), dtype=int)
    lead = pd.to_numeric(frame[seq[0]], errors="coerce").to_numpy(dtype=float)
    adds = {c: pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy(dtype=float)
            for c in add_cols}
    firsts, lasts, sums = [], [], {c: [] for c in add_cols}
    for g in pd.unique(codes):
        rows = np.flatnonzero(codes == g)
        local = _block_starts(lead[rows], threshold)
        firsts.append(rows[local])
        lasts.append(rows[np.r_[local[1:] - 1, len(rows) - 1]])
        for c in add_cols:
            sums[c].append(np.add.reduceat(adds[c][rows], local))
    first, last = np.concatenate(firsts), np.concatenate(lasts)
    out = frame.iloc[last].reset_index(drop=True)
    for c in seq:
        out[c] = frame[c].to_numpy()[first]
    for c in add_cols:
        out[c] = np.concatenate(sums[c])
    return out[frame.columns], int(len(frame) - len(out))


def _primary_mask(t: Table, frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for col in t.counts:
        if col not in frame.columns:
            continue
        v = _count_values(frame, col, t.scale.get(col))
        mask[col] = [small(x, threshold) for x in v]
    for part, den in t.shares.items():
        if part in frame.columns and den in frame.columns:
            p = _count_values(frame, part, t.scale.get(part))
            d = _count_values(frame, den, t.scale.get(den))
            rest = [small(x, threshold) for x in d - p]
            mask[part] = mask[part].to_numpy() | np.asarray(rest, bool)
    return mask


def _external(t: Table, frame: pd.DataFrame, mask: pd.DataFrame, threshold: int
              ) -> pd.DataFrame:
    """Cells declared to reveal counts outside the table."""
    for key, counts in t.external.items():
        if not any(small(c.value, threshold) for c in counts):
            continue
        if isinstance(key, tuple):
            pos, col = key
            if col in mask.columns and 0 <= pos < len(mask):
                mask.iloc[pos, mask.columns.get_loc(col)] = True
        elif key in mask.columns:
            mask[key] = True
    return mask


def _known_totals(t: Table, frame: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """Rule 3 for count columns whose total is known elsewhere."""
    for col in t.known_total:
        if col not in frame.columns or int(mask[col].sum()) != 1:
            continue
        v = pd.to_numeric(frame[col], errors="coerce")
        cand = v[(~mask[col]) & (v > 0)]
        if len(cand):
            mask.loc[cand.idxmin(), col] = True
    return mask


def _complementary(t: Table, frame: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """Rule 3 along the columns of a table with a total row."""
    mask = _known_totals(t, frame, mask)
    if t.total_row is None or t.total_row not in frame.index:
        return mask
    parts = [i for i in frame.index if i != t.total_row]
    for col in t.counts:
        if col not in frame.columns or mask.at[t.total_row, col]:
            continue
        hidden = [i for i in parts if mask.at[i, col]]
        if len(hidden) == 1:
            v = pd.to_numeric(frame.loc[parts, col], errors="coerce")
            cand = v[(~mask.loc[parts, col]) & (v > 0)]
            if len(cand):
                mask.at[cand.idxmin(), col] = True
            else:
                mask.at[t.total_row, col] = True
    return mask


def _revealed(t: Table, mask: pd.DataFrame) -> pd.DataFrame:
    """Rule 2: a column that reveals a count is suppressed wherever the count is."""
    for _ in range(len(t.reveals) + 1):
        changed = False
        for col, srcs in t.reveals.items():
            for src in ([srcs] if isinstance(srcs, str) else list(srcs)):
                if col in mask.columns and src in mask.columns:
                    new = mask[col].to_numpy() | mask[src].to_numpy()
                    if (new != mask[col].to_numpy()).any():
                        mask[col] = new
                        changed = True
        if not changed:
            break
    return mask


def suppress_table(t: Table, policy: Policy, log: SuppressionLog | None = None) -> SafeTable:
    """Apply rules 1-4 to a declared table; return values, mask and display strings."""
    frame = t.frame.copy()
    frame, merged = _merge_sequences(t, frame, policy.threshold)
    if t.total_row is None:
        frame = frame.reset_index(drop=True)
    mask = _primary_mask(t, frame, policy.threshold)
    mask = _external(t, frame, mask, policy.threshold)
    mask = _complementary(t, frame, mask)
    mask = _revealed(t, mask)
    shown = [c for c in frame.columns if c not in t.hidden]
    frame, mask = frame[shown], mask[shown]
    values = frame.copy()
    for col in frame.columns:
        if mask[col].any():
            values[col] = pd.to_numeric(values[col], errors="coerce").astype(float)
            values.loc[mask[col].to_numpy(), col] = np.nan
    display = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        kind = t.kinds.get(col)
        cells = [policy.marker if m else fmt_cell(x, kind)
                 for x, m in zip(frame[col].tolist(), mask[col].tolist())]
        unit = t.units.get(col, "")
        label = t.labels.get(col, _default_label(col))
        if unit and unit not in label:
            label = f"{label} ({unit})"
        display[label] = cells
    if t.total_row is not None:
        display.insert(0, "", [str(i) for i in frame.index])
    if log is not None:
        log.add("cells", int(mask.to_numpy().sum()), t.title)
        log.add("merged_rows", merged, t.title)
    return SafeTable(source=t, values=values, mask=mask, display=display.reset_index(drop=True))


def _default_label(col: Any) -> str:
    from ._format import human_label

    return human_label(str(col))


# ----------------------------------------------------------------------------- text
_FIELD = re.compile(r"\{(\w+)\}")


def _revealing(v: Value, threshold: int) -> bool:
    return any(small(c.value, threshold) for c in v.reveals)


def render_text(t: Text | str, policy: Policy, log: SuppressionLog | None = None,
                where: str = "") -> str | None:
    """The sentence as it may be shown, or its fallback, or None (withheld entirely).

    A suppressed :class:`Count` reads "fewer than 5"; a :class:`Value` that reveals a
    suppressed count withholds the sentence (its ``fallback`` is shown instead). Plain
    strings are user text and pass through :func:`scrub_free_text`.
    """
    if isinstance(t, str):
        out = scrub_free_text(t, policy)
        if out != t and log is not None:
            log.add("sentences", 1, where)
        return out
    if any(small(c.value, policy.threshold) for c in t.reveals):
        if log is not None:
            log.add("sentences", 1, where)
        return t.fallback
    for v in t.values.values():
        if isinstance(v, Value) and _revealing(v, policy.threshold):
            if log is not None:
                log.add("sentences", 1, where)
            return t.fallback

    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in t.values:
            return m.group(0)
        v = t.values[key]
        if isinstance(v, Count):
            if small(v.value, policy.threshold):
                if log is not None:
                    log.add("sentences", 1, where)
                return policy.words
            return fmt_int(v.value)
        if isinstance(v, Value):
            return fmt_value(v.value, v.kind, v.unit)
        return str(v)

    return _FIELD.sub(sub, t.template)


_PEOPLE_WORDS = (r"people|persons?|women|woman|men|man|individuals?|offenders?|girls?|boys?|"
                 r"reoffend\w*|defendants?|prisoners?|cases|clients?|participants?|"
                 r"mothers?|children|adults?|sentenced|convicted|arrested")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10}
_TOKEN = re.compile(r"(?<![\w.,%£$-])(\d+|" + "|".join(_NUMBER_WORDS) + r")(?![\w%]|[.,]\d)",
                    re.IGNORECASE)
_PEOPLE = re.compile(r"\b(" + _PEOPLE_WORDS + r")\b", re.IGNORECASE)


def scrub_free_text(text: str, policy: Policy, window: int = 6) -> str:
    """Replace small numbers (1 to ``threshold - 1``, in figures or words) that stand within
    ``window`` words of a word for people: ``"3 of the 40 women"``, ``"Of the women, 3
    reoffended"``, ``"n = 3"``. Years, decimals and percentages are left alone."""
    s = str(text)
    people = [m.start() for m in _PEOPLE.finditer(s)]
    words = [m.start() for m in re.finditer(r"\S+", s)]

    def word_index(pos: int) -> int:
        return int(np.searchsorted(words, pos, side="right")) - 1

    people_idx = [word_index(p) for p in people]
    out, last = [], 0
    for m in _TOKEN.finditer(s):
        tok = m.group(1)
        val = _NUMBER_WORDS.get(tok.lower()) if not tok.isdigit() else int(tok)
        if val is None or not (0 < val < policy.threshold):
            continue
        near = any(abs(word_index(m.start()) - p) <= window for p in people_idx)
        n_eq = re.search(r"\bn\s*=\s*$", s[:m.start()], re.IGNORECASE) is not None
        if near or n_eq:
            out.append(s[last:m.start()])
            out.append(policy.marker if n_eq else policy.words)
            last = m.end()
    out.append(s[last:])
    return "".join(out)


def safe_mapping(values: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """Headline numbers for JSON: counts suppressed, values revealing them withheld."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, Count):
            out[k] = policy.marker if small(v.value, policy.threshold) else int(round(v.value))
        elif isinstance(v, Value):
            out[k] = None if _revealing(v, policy.threshold) else (
                None if not math.isfinite(float(v.value)) else float(v.value))
        else:
            out[k] = v
    return out
