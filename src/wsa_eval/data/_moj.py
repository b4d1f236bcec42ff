"""Reader for the Ministry of Justice "Outcomes by offence" CSV files an analyst downloads.

The Criminal Justice System statistics quarterly publish sentencing outcomes by police force
area (PFA) as large CSV files whose layout changes between products:

* ``dec2024`` -- December 2024 (``sentence_outcomes_2010_2016.csv``,
  ``sentence_outcomes_2017_2024.csv``): ``Year``, ``Sex``, ``Age Group``,
  ``Police Force Area``, ``Offence Type``, ``Offence Group``, ``Offence``,
  ``Sentence Outcome``, ``Custodial Sentence Length``, ``Sentenced``;
* ``dec2022`` -- December 2022 pivots (also the December 2021 data tool):
  ``Police Force Area``, ``Year``, ``Sex``, ``Age group``, ``Offence group``,
  ``Sentence Outcome``, ``Custodial Sentence Length``, ``Sentenced``;
* ``2009-2019`` -- the "Court outcomes by PFA" data tool: ``Police Force Area``,
  ``Year of Appearance``, ``Sex``, ``Age Group``, ``Offence Group``, ``Outcome``,
  ``Custodial Sentence Length``, ``Count``.

Values carry numeric prefixes (``"01: Female"``, ``"06: Total Immediate Custody"``) whose codes
differ between products (Female is ``01:`` in one and ``02:`` in another), so values are
matched on their text after the prefix, ignoring case and spacing. Column names are matched
ignoring case and spacing too ("Age Group" vs "Age group").

Layouts as documented in the project's data provenance notes (from the Prison Reform Trust's
processing of these files, github.com/Prison-Reform-Trust/womens-imprisonment-PFA). The data
are official statistics under the Open Government Licence v3.0.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._pfa import harmonise_pfa, pfa_key
from ..errors import DataFormatError, DataWarning, SpecificationError, format_examples

__all__ = ["read_moj_outcomes", "MOJ_LAYOUTS", "AGE_18_PLUS", "normalise_value"]

#: Expected column names of each layout (canonical field -> column header).
MOJ_LAYOUTS: dict[str, dict[str, str]] = {
    "dec2024": {
        "year": "Year",
        "sex": "Sex",
        "age_group": "Age Group",
        "pfa": "Police Force Area",
        "offence_type": "Offence Type",
        "offence_group": "Offence Group",
        "offence": "Offence",
        "outcome": "Sentence Outcome",
        "sentence_length": "Custodial Sentence Length",
        "count": "Sentenced",
    },
    "dec2022": {
        "pfa": "Police Force Area",
        "year": "Year",
        "sex": "Sex",
        "age_group": "Age group",
        "offence_group": "Offence group",
        "outcome": "Sentence Outcome",
        "sentence_length": "Custodial Sentence Length",
        "count": "Sentenced",
    },
    "2009-2019": {
        "pfa": "Police Force Area",
        "year": "Year of Appearance",
        "sex": "Sex",
        "age_group": "Age Group",
        "offence_group": "Offence Group",
        "outcome": "Outcome",
        "sentence_length": "Custodial Sentence Length",
        "count": "Count",
    },
}
_REQUIRED = ("pfa", "year", "sex", "age_group", "outcome", "count")
_BY_FIELDS = (
    "pfa",
    "year",
    "sex",
    "age_group",
    "offence_type",
    "offence_group",
    "offence",
    "sentence_length",
)

#: The age groups that make up adults aged 18 and over in these products.
AGE_18_PLUS = ("Young adults", "Adults")

_PREFIX = re.compile(r"^\s*\d+[A-Za-z]?\s*:\s*")
_PAREN = re.compile(r"\s*\([^)]*\)\s*$")
_CHUNK = 1_000_000


def _col_key(name: Any) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().casefold()


def normalise_value(value: Any) -> str:
    """The text used to match a category value: no ``NN:`` prefix, no trailing parenthesis,
    no leading ``Total``, spaces collapsed, lower case (``"06: Total Immediate Custody"`` ->
    ``"immediate custody"``)."""
    s = _PREFIX.sub("", str(value))
    s = _PAREN.sub("", s)
    s = re.sub(r"\s+", " ", s).strip().casefold()
    if s.startswith("total "):
        s = s[6:]
    return s


def _display(value: Any) -> str:
    s = _PREFIX.sub("", str(value))
    s = re.sub(r"\s+", " ", s).strip()
    return s


def _length_display(value: Any) -> str:
    s = _display(value)
    s = re.sub(r"^custody\s*-\s*", "", s, flags=re.IGNORECASE)
    s = re.sub(r"^over\b", "More than", s, flags=re.IGNORECASE)
    return s


def _sentence_case(s: str) -> str:
    return s[:1].upper() + s[1:]


def _as_list(value: Any, what: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        vals = list(value)
        if not vals or not all(isinstance(v, str) for v in vals):
            raise SpecificationError(f"{what} must be a string, a list of strings or None.")
        return vals
    raise SpecificationError(f"{what} must be a string, a list of strings or None, not {value!r}.")


def _match_layout(columns: Sequence[Any], layout: str) -> tuple[str, dict[str, str]]:
    """Pick the layout and map canonical fields to the file's actual column names."""
    found = {_col_key(c): c for c in columns}
    names = list(MOJ_LAYOUTS)
    if layout != "auto" and layout not in MOJ_LAYOUTS:
        raise SpecificationError(
            f"layout must be 'auto' or one of {format_examples(names)}, not {layout!r}."
        )
    candidates = names if layout == "auto" else [layout]
    best: tuple[int, str, dict[str, str]] | None = None
    for name in candidates:
        spec = MOJ_LAYOUTS[name]
        mapping = {f: found[_col_key(h)] for f, h in spec.items() if _col_key(h) in found}
        if not all(f in mapping for f in _REQUIRED):
            continue
        score = len(mapping) - (len(spec) - len(mapping))
        if best is None or score > best[0]:
            best = (score, name, mapping)
    if best is not None:
        return best[1], best[2]

    shown = format_examples([str(c) for c in columns], limit=30)

    def describe(name: str) -> str:
        spec = MOJ_LAYOUTS[name]
        req = [spec[f] for f in _REQUIRED]
        missing = [spec[f] for f in _REQUIRED if _col_key(spec[f]) not in found]
        return f"{name}: {', '.join(req)} (missing: {', '.join(missing)})"

    expected = "; ".join(describe(n) for n in candidates)
    what = "any known" if layout == "auto" else f"the {layout!r}"
    raise DataFormatError(
        f"The file does not match {what} MoJ 'Outcomes by offence' layout. "
        f"Columns found: {shown}. Columns expected (names matched ignoring case and spaces): "
        f"{expected}."
    )


def _is_pathlike(obj: Any) -> bool:
    return isinstance(obj, (str, os.PathLike))


def _read_header(src: Any, encoding: str) -> list[Any]:
    try:
        if _is_pathlike(src):
            return list(pd.read_csv(src, nrows=0, encoding=encoding).columns)
        pos = src.tell()
        cols = list(pd.read_csv(src, nrows=0, encoding=encoding).columns)
        src.seek(pos)
        return cols
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            f"Could not read the file as {encoding!r} text ({exc.reason}); try "
            "encoding='cp1252'."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataFormatError("The file is empty: it has no header row.") from exc


def _chunks(src: Any, usecols: list[Any], dtypes: dict[Any, Any], encoding: str, chunksize: int):
    try:
        reader = pd.read_csv(
            src, usecols=usecols, dtype=dtypes, encoding=encoding, chunksize=chunksize
        )
        yield from reader
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            f"Could not read the file as {encoding!r} text ({exc.reason}); try "
            "encoding='cp1252'."
        ) from exc


def _to_counts(values: pd.Series, column: str) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce")
    bad = num.isna() & values.notna()
    if bad.any():
        cleaned = values[bad].astype(str).str.replace(",", "", regex=False).str.strip()
        num2 = pd.to_numeric(cleaned, errors="coerce")
        if num2.isna().any():
            examples = format_examples(sorted(set(values[bad][num2.isna()].astype(str))))
            raise DataFormatError(
                f"Column {column!r} should hold counts but has non-numeric values: {examples}."
            )
        num = num.copy()
        num[bad] = num2
    return num.fillna(0).to_numpy(dtype="float64")


def read_moj_outcomes(
    path_or_buffer: Any,
    *,
    sex: str | Sequence[str] | None = "Female",
    age_group: str | Sequence[str] | None = "18+",
    outcome: str | Sequence[str] | None = "Immediate custody",
    by: Sequence[str] = ("pfa", "year"),
    layout: str = "auto",
    exclude_pfa: Sequence[str] = ("Not known",),
    fill_zeros: bool = True,
    encoding: str = "utf-8-sig",
    chunksize: int = _CHUNK,
) -> pd.DataFrame:
    """Read an MoJ "Outcomes by offence" CSV and count sentences by area, year and outcome.

    Parameters
    ----------
    path_or_buffer : path, file-like, DataFrame, or a list of these
        A CSV in one of the layouts of :data:`MOJ_LAYOUTS` (``dec2024``, ``dec2022`` -- also
        the December 2021 tool -- or ``2009-2019``), or a DataFrame read from one. Large files
        are read in chunks of ``chunksize`` rows, keeping only the columns needed; a ``.zip``
        or ``.gz`` path holding one CSV is read directly. A list (e.g. the two December 2024
        files ``sentence_outcomes_2010_2016.csv`` and ``sentence_outcomes_2017_2024.csv``)
        is read file by file and the counts added up.
    sex : str, list or None
        Sex to keep, matched on the text after the ``NN:`` prefix, ignoring case (``"Female"``
        matches ``"01: Female"`` and ``"02: Female"``). ``None`` keeps all.
    age_group : str, list or None
        Age group(s) to keep. ``"18+"`` (default) means ``"Young adults"`` and ``"Adults"``
        (18-20 and 21+), the filter behind the shipped panel; ``None`` keeps all (children
        too).
    outcome : str, list or None
        Sentence outcome(s), matched ignoring prefix, case and a leading ``Total``:
        ``"Immediate custody"`` matches ``"06: Total Immediate Custody"``,
        ``"Immediate Custody"`` and ``"15: Immediate custody"``. ``None`` keeps every outcome.
    by : sequence of str
        Fields to count by, from ``pfa``, ``year``, ``sex``, ``age_group``, ``offence_type``
        (dec2024 only), ``offence_group``, ``offence`` (dec2024 only), ``sentence_length``.
        ``outcome`` is always added.
    layout : {"auto", "dec2024", "dec2022", "2009-2019"}
        ``"auto"`` picks the layout whose column names match best.
    exclude_pfa : sequence of str
        PFA values to drop (default ``"Not known"``); a :class:`DataWarning` reports how many
        sentences were dropped. City of London is kept as its own PFA (add it here to drop it,
        as the shipped panel did).
    fill_zeros : bool
        Add rows with count 0 for every combination of the ``by`` values present in the file
        and each requested outcome that had no sentences (so a PFA-year with no women sentenced
        to custody is 0, not missing).
    encoding : str
        Text encoding of the file.

    Returns
    -------
    DataFrame
        Columns ``by`` + ``outcome`` + ``count`` (int64), sorted. ``pfa`` uses the canonical
        names of :func:`harmonise_pfa` ("Metropolitan" -> "Metropolitan Police",
        "Dyfed Powys" -> "Dyfed-Powys"); ``year`` is int; ``outcome`` is your spelling of each
        requested outcome (or the file's text without prefix and ``Total``, in sentence case,
        when ``outcome=None``); other fields are the file's text without the ``NN:`` prefix
        (``sentence_length`` also without ``Custody -`` and with ``Over`` written ``More
        than``). ``df.attrs["layout"]`` records the layout read.

    Raises
    ------
    DataFormatError
        The columns do not match the layout (the message lists the columns expected per layout
        and the columns found), counts are not numeric, or PFA names are not recognised.
    SpecificationError
        A requested sex, age group or outcome does not occur in the file (the message lists the
        values found), or an argument is invalid.

    Notes
    -----
    The PFA is that of the sentencing court, not of the offender's residence.

    Examples
    --------
    A few rows in the December 2022 layout (a real file has millions; pass its path):

    >>> import io
    >>> from wsa_eval.data import read_moj_outcomes
    >>> csv = io.StringIO(
    ...     "Police Force Area,Year,Sex,Age group,Offence group,Sentence Outcome,"
    ...     "Custodial Sentence Length,Sentenced\\n"
    ...     "Greater Manchester,2014,02: Female,03: Adults (21+),Theft,"
    ...     "06: Total Immediate Custody,Less than 6 months,40\\n"
    ...     "Greater Manchester,2014,02: Female,02: Young adults (18-20),Theft,"
    ...     "06: Total Immediate Custody,Less than 6 months,5\\n"
    ...     "Greater Manchester,2014,01: Male,03: Adults (21+),Theft,"
    ...     "06: Total Immediate Custody,Less than 6 months,300\\n"
    ...     "Metropolitan Police,2014,02: Female,03: Adults (21+),Theft,"
    ...     "06: Total Immediate Custody,6 months to less than 12 months,12\\n"
    ...     "Metropolitan Police,2014,02: Female,03: Adults (21+),Theft,"
    ...     "04: Suspended Sentence,,9\\n")
    >>> counts = read_moj_outcomes(csv)  # women 18+ sentenced to immediate custody
    >>> counts
                       pfa  year            outcome  count
    0   Greater Manchester  2014  Immediate custody     45
    1  Metropolitan Police  2014  Immediate custody     12
    >>> counts.attrs["layout"]
    'dec2022'
    """
    by = [by] if isinstance(by, str) else list(by)
    bad_by = [b for b in by if b not in _BY_FIELDS]
    if bad_by or len(set(by)) != len(by):
        raise SpecificationError(
            f"by must list distinct fields from {format_examples(list(_BY_FIELDS), 10)}; "
            f"got {by!r}."
        )
    sexes = _as_list(sex, "sex")
    if sexes is not None:
        sexes = [{"f": "female", "m": "male"}.get(s.strip().casefold(), s) for s in sexes]
    ages = _as_list(age_group, "age_group")
    if ages is not None and any(a.strip() in ("18+", "18 and over", "adults 18+") for a in ages):
        ages = [a for a in ages if a.strip() not in ("18+", "18 and over", "adults 18+")]
        ages = list(dict.fromkeys([*ages, *AGE_18_PLUS]))
    outcomes = _as_list(outcome, "outcome")
    if not isinstance(chunksize, (int, np.integer)) or chunksize < 1:
        raise SpecificationError(f"chunksize must be a positive integer, not {chunksize!r}.")
    if isinstance(exclude_pfa, str):
        exclude_pfa = [exclude_pfa]
    excluded_keys = {pfa_key(p) for p in exclude_pfa}
    excluded_names = set(harmonise_pfa(list(exclude_pfa), errors="keep"))

    # --- header and layout of every source ------------------------------------------------
    sources = list(path_or_buffer) if isinstance(path_or_buffer, (list, tuple)) else [
        path_or_buffer
    ]
    if not sources:
        raise SpecificationError("path_or_buffer is an empty list of files.")
    plans: list[tuple[Any, pd.DataFrame | None, str, dict[str, str]]] = []
    for src in sources:
        if isinstance(src, pd.DataFrame):
            frame_in: pd.DataFrame | None = src
            columns = list(src.columns)
        else:
            frame_in = None
            if not _is_pathlike(src) and not (hasattr(src, "seekable") and src.seekable()):
                data = src.read()
                src = io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data)
            if _is_pathlike(src) and not os.path.exists(src):
                raise DataFormatError(f"File not found: {os.fspath(src)!r}.")
            columns = _read_header(src, encoding)
        layout_name, mapping = _match_layout(columns, layout)
        missing_by = [b for b in by if b not in mapping]
        if missing_by:
            raise DataFormatError(
                f"by={missing_by!r} needs column(s) the {layout_name!r} layout does not have; "
                f"this file's fields are {format_examples(list(mapping), 10)}."
            )
        plans.append((src, frame_in, layout_name, mapping))
    filter_fields = ["sex", "age_group", "outcome", "pfa", "year"]
    fields = list(dict.fromkeys([*by, *filter_fields, "count"]))

    def all_chunks():
        for src, frame_in, _, mp in plans:
            usecols = [mp[f] for f in fields]
            if frame_in is not None:
                yield frame_in[usecols], mp
                continue
            dtypes = {mp[f]: "category" for f in fields if f not in ("count", "year")}
            dtypes[mp["count"]] = str
            dtypes[mp["year"]] = str
            for chunk in _chunks(src, usecols, dtypes, encoding, int(chunksize)):
                yield chunk, mp

    layout_name = ",".join(p[2] for p in plans)
    mapping = plans[0][3]

    # --- per chunk: normalise, filter, aggregate ----------------------------------------
    seen: dict[str, set[str]] = {"sex": set(), "age_group": set(), "outcome": set()}
    pfa_cache: dict[Any, Any] = {}
    partials: list[pd.DataFrame] = []
    combos: list[pd.DataFrame] = []
    dropped_pfa: dict[str, float] = {}
    want = {
        "sex": None if sexes is None else {normalise_value(s) for s in sexes},
        "age_group": None if ages is None else {normalise_value(a) for a in ages},
        "outcome": None if outcomes is None else {normalise_value(o) for o in outcomes},
    }
    outcome_label = (
        {} if outcomes is None else {normalise_value(o): o for o in reversed(outcomes)}
    )

    for chunk, mp in all_chunks():
        if len(chunk) == 0:
            continue
        cols: dict[str, pd.Series] = {}
        # pfa: harmonise unique values
        raw_pfa = chunk[mp["pfa"]].astype(object)
        new_vals = [v for v in pd.unique(raw_pfa) if v not in pfa_cache]
        for v in new_vals:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                pfa_cache[v] = None
            elif pfa_key(v) in excluded_keys:
                pfa_cache[v] = None
            elif pfa_key(v) in ("not known", "unknown"):
                pfa_cache[v] = "Not known"
            else:
                pfa_cache[v] = v  # placeholder, harmonised below
        to_harm = [v for v in new_vals if pfa_cache[v] not in (None, "Not known")]
        if to_harm:
            for v, h in zip(to_harm, harmonise_pfa(to_harm)):
                pfa_cache[v] = None if h in excluded_names else h
        pfa_mapped = raw_pfa.map(pfa_cache)
        counts = _to_counts(chunk[mp["count"]], mp["count"])
        keep_pfa = pfa_mapped.notna().to_numpy()
        if not keep_pfa.all():
            for v, n in (
                pd.Series(counts[~keep_pfa]).groupby(raw_pfa[~keep_pfa].astype(str).to_numpy())
                .sum()
                .items()
            ):
                dropped_pfa[v] = dropped_pfa.get(v, 0.0) + float(n)
        cols["pfa"] = pfa_mapped
        years = pd.to_numeric(chunk[mp["year"]], errors="coerce")
        if years.isna().any() or (years % 1 != 0).any():
            bad = chunk[mp["year"]][years.isna() | (years % 1 != 0)]
            raise DataFormatError(
                f"Column {mp['year']!r} should hold years but has "
                f"{format_examples(sorted(set(bad.astype(str))))}."
            )
        cols["year"] = years.astype("int64")
        keep = keep_pfa.copy()
        for f in ("sex", "age_group", "outcome"):
            raw = chunk[mp[f]].astype(object)
            norm_map = {v: normalise_value(v) for v in pd.unique(raw) if isinstance(v, str)}
            norm = raw.map(norm_map)
            seen[f].update(norm_map.values())
            if want[f] is not None:
                keep &= norm.isin(want[f]).to_numpy()
            if f == "outcome":
                if outcomes is None:
                    lab = {v: _sentence_case(n) for v, n in norm_map.items()}
                    cols["outcome"] = raw.map(lab)
                else:
                    cols["outcome"] = norm.map(outcome_label)
        for f in by:
            if f in ("pfa", "year"):
                continue
            raw = chunk[mp[f]].astype(object)
            fn = _length_display if f == "sentence_length" else _display
            disp = {v: fn(v) for v in pd.unique(raw) if isinstance(v, str)}
            cols[f] = raw.map(disp)
        table = pd.DataFrame({f: cols[f] for f in by}, index=chunk.index)
        if fill_zeros and by:
            combos.append(table[keep_pfa].drop_duplicates())
        table["outcome"] = cols["outcome"]
        table["count"] = counts
        table = table[keep]
        if len(table):
            partials.append(
                table.groupby([*by, "outcome"], dropna=False, sort=False, observed=True)[
                    "count"
                ].sum().reset_index()
            )

    # --- checks on requested values ----------------------------------------------------
    labels = {"sex": "Sex", "age_group": "Age group", "outcome": "Outcome"}
    requested = {"sex": sexes, "age_group": ages, "outcome": outcomes}
    for f in ("sex", "age_group", "outcome"):
        if requested[f] is None:
            continue
        absent = [r for r in requested[f] if normalise_value(r) not in seen[f]]
        if not absent:
            continue
        found = format_examples(sorted(seen[f]), limit=25)
        if f == "age_group" and len(absent) < len(requested[f]):
            warnings.warn(
                f"Age group(s) {format_examples(absent)} not found in the file (values found: "
                f"{found}); counting the others only.",
                DataWarning,
                stacklevel=2,
            )
            continue
        raise SpecificationError(
            f"{labels[f]} {format_examples(absent)} not found in column "
            f"{mapping[f]!r} of the {layout_name} file. Values found (after removing the "
            f"'NN:' prefix, lower case): {found}."
        )
    if dropped_pfa:
        total = sum(dropped_pfa.values())
        warnings.warn(
            f"Dropped rows with Police Force Area {format_examples(sorted(dropped_pfa))} "
            f"({total:,.0f} sentences of any sex, age and outcome); see exclude_pfa.",
            DataWarning,
            stacklevel=2,
        )

    # --- combine -----------------------------------------------------------------------
    keys = [*by, "outcome"]
    if partials:
        res = (
            pd.concat(partials, ignore_index=True)
            .groupby(keys, dropna=False, sort=False)["count"]
            .sum()
            .reset_index()
        )
    else:
        res = pd.DataFrame({k: pd.Series(dtype=object) for k in keys})
        res["count"] = pd.Series(dtype="float64")
        if "year" in res:
            res["year"] = res["year"].astype("int64")
    if fill_zeros and (combos or not by):
        grid = (
            pd.concat(combos, ignore_index=True).drop_duplicates()
            if by
            else pd.DataFrame(index=[0])
        )
        out_labels = (
            list(dict.fromkeys(outcome_label.values()))
            if outcomes is not None
            else sorted(res["outcome"].dropna().unique().tolist())
        )
        if out_labels:
            grid = grid.merge(pd.DataFrame({"outcome": out_labels}), how="cross")
            res = grid.merge(res, on=keys, how="left")
            res["count"] = res["count"].fillna(0)
    res["count"] = np.rint(res["count"].to_numpy(dtype="float64")).astype("int64")
    if "year" in res:
        res["year"] = res["year"].astype("int64")
    res = res.sort_values(keys, kind="mergesort", na_position="last").reset_index(drop=True)
    res.attrs["layout"] = layout_name
    return res
