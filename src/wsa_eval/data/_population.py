"""ONS mid-year population estimates -> population by police force area, and rates per 100,000.

ONS publishes mid-year estimates by local authority (LA) in several shapes: long tables (one
row per area, sex, age and year), tables with one column per year (``population_2011``, ...)
and tables with one column per single year of age (``0`` ... ``90+``). Police force areas
(PFAs) are made of whole local authorities, so a PFA population is the sum over its LAs, using
an LA -> PFA lookup (ONS "Local Authority District to Community Safety Partnership to Police
Force Area" lookups) of the same boundary vintage as the population table.
ONS population estimates are Crown copyright, under the Open Government Licence v3.0.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._pfa import harmonise_pfa, pfa_key
from ..errors import (
    ColumnError,
    DataFormatError,
    SpecificationError,
    format_examples,
)

__all__ = ["read_ons_population", "add_rates"]

_SEX_WORDS = {
    "1": "male",
    "m": "male",
    "male": "male",
    "males": "male",
    "men": "male",
    "2": "female",
    "f": "female",
    "female": "female",
    "females": "female",
    "women": "female",
    "0": "all",
    "all": "all",
    "persons": "all",
    "all persons": "all",
    "people": "all",
    "total": "all",
}
_AGGREGATE_NAMES = {
    "england and wales",
    "england",
    "wales",
    "united kingdom",
    "uk",
    "great britain",
    "scotland",
    "northern ireland",
    "total",
    "all",
}
_AGGREGATE_TYPES = {
    "country",
    "countries",
    "region",
    "regions",
    "county",
    "counties",
    "metropolitan county",
    "inner and outer london",
    "england and wales",
    "national",
}
# ONS codes of aggregates (countries, regions, counties, metropolitan counties, London halves),
# and areas outside England and Wales (Scotland S..., Northern Ireland N...).
_AGGREGATE_CODE = re.compile(r"^(K0\d|E92|W92|E12|E10|E11|E13|S|N)\w*$")
_CODE = re.compile(r"^[EWSNK]\d{8}$")
_YEAR_COL = re.compile(r"^(?:population|pop|mid|mid year|mid-year|mye|year)?[ _-]*((?:19|20)\d\d)$")
_AGE_COL = re.compile(r"^(?:age|aged|a)?[ _]*(\d{1,3})(\+| and over| plus)?$")


def _key(name: Any) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().casefold()


def _read(obj: Any, what: str, skiprows: int | None = None) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, (str, os.PathLike)) and not os.path.exists(obj):
        raise DataFormatError(f"{what}: file not found: {os.fspath(obj)!r}.")
    try:
        return pd.read_csv(obj, encoding="utf-8-sig", thousands=",", skiprows=skiprows)
    except UnicodeDecodeError:
        if hasattr(obj, "seek"):
            obj.seek(0)
        return pd.read_csv(obj, encoding="cp1252", thousands=",", skiprows=skiprows)
    except pd.errors.EmptyDataError as exc:
        raise DataFormatError(f"{what} is empty.") from exc
    except pd.errors.ParserError as exc:
        raise DataFormatError(
            f"{what} could not be read as a CSV table ({str(exc).strip()}). If the file has "
            "title rows above its header, pass skiprows= (the number of those rows)."
        ) from exc


def _find(columns: Sequence[Any], names: Sequence[str], pattern: str | None = None) -> Any:
    keys = {_key(c): c for c in columns}
    for n in names:
        if n in keys:
            return keys[n]
    if pattern is not None:
        rx = re.compile(pattern)
        for k, c in keys.items():
            if rx.fullmatch(k):
                return c
    return None


def _parse_age(value: Any) -> tuple[float, float] | None:
    """(low, high) of an age or band; None for 'all ages' / totals."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (int, np.integer, float, np.floating)):
        return (float(value), float(value))
    s = _key(value)
    if s in ("all ages", "all", "total", "all ages total"):
        return None
    s = re.sub(r"^(age[sd]?|a)\s*", "", s)
    m = re.fullmatch(r"(\d{1,3})\s*(\+|and over|plus|or over|years and over)", s)
    if m:
        return (float(m.group(1)), np.inf)
    m = re.fullmatch(r"(\d{1,3})\s*(?:-|to)\s*(\d{1,3})", s)
    if m:
        return (float(m.group(1)), float(m.group(2)))
    m = re.fullmatch(r"(\d{1,3})", s)
    if m:
        return (float(m.group(1)), float(m.group(1)))
    raise DataFormatError(f"Cannot read the age {value!r} (expected e.g. 18, '90+', '18-24').")


def _parse_year(value: Any) -> int:
    m = re.search(r"(19|20)\d\d", str(value))
    if not m:
        raise DataFormatError(f"Cannot read a year from {value!r}.")
    return int(m.group(0))


def read_ons_population(
    path_or_frame: Any,
    *,
    lookup: Any = None,
    sex: str | None = "female",
    min_age: int | None = 18,
    max_age: int | None = None,
    year: int | None = None,
    area_col: str | None = None,
    lookup_cols: tuple[str, str] | None = None,
    skiprows: int | None = None,
) -> pd.DataFrame:
    """Population by police force area and year from an ONS mid-year estimates table.

    Parameters
    ----------
    path_or_frame : path, file-like or DataFrame
        An ONS population table (CSV), by local authority or by PFA, in one of these shapes
        (column names matched ignoring case):

        * long: an area column, ``sex``, ``age`` and ``year`` columns and a value column
          (``population``, ``value``, ``obs_value``, ``count``);
        * one column per year: area, ``sex``, ``age``, ``population_2011``, ``mid-2012``,
          ``2013``, ... (e.g. ONS "MYEB" tables);
        * one column per single year of age: area, ``sex``, optional ``year``, ``0``, ``1``,
          ..., ``90+`` (e.g. ONS "MYE2" sheets saved as CSV; pass ``year=`` when the table
          has no year column, and ``sex=None`` when it covers one sex only).

        Rows of aggregate areas (England, Wales, regions, counties, metropolitan counties;
        ONS codes ``K0*``, ``E92``, ``W92``, ``E12``, ``E10``, ``E11``, ``E13``) and areas
        outside England and Wales (codes ``S*``, ``N*``) are ignored, so sums are not
        double-counted. Age ``90+`` counts as 90 and over.
    lookup : path, file-like or DataFrame, optional
        A local authority -> PFA lookup. Needed when the table is by local authority; leave it
        out when the table's areas are PFAs. The PFA column is the one whose name contains
        ``pfa`` or ``police`` (preferring names ending ``nm``/``name``); the LA column is the
        one whose values best match the table's areas (codes or names). Use a lookup of the
        same boundary vintage as the population table.
    sex : {"female", "male", "all"} or None
        Sex to keep (matches ``2``/``F``/``Female``/``Females``, ``1``/``M``/``Male``,
        ``0``/``All``/``Persons``). ``None``: the table has no sex column (it is for one sex
        already) or you want every row.
    min_age, max_age : int or None
        Keep ages ``min_age`` to ``max_age`` inclusive (default 18 and over). ``min_age=None``
        and ``max_age=None`` when the table has no age breakdown (already e.g. women 18+).
    year : int, optional
        The year, when the table has no year column.
    area_col : str, optional
        The table's area column, when automatic detection picks the wrong one.
    lookup_cols : (la_column, pfa_column), optional
        The lookup's columns, when automatic detection picks the wrong ones.
    skiprows : int, optional
        Title rows to skip above the header of a CSV (ONS spreadsheets saved as CSV often
        have some). Excel files: read the sheet with ``pandas.read_excel`` and pass the
        DataFrame.

    Returns
    -------
    DataFrame
        ``pfa`` (canonical names, City of London kept distinct), ``year`` (int),
        ``population`` (float), sorted by ``pfa`` then ``year``.

    Raises
    ------
    DataFormatError
        Columns cannot be identified, local authorities are missing from the lookup, PFA
        names are not recognised, or ages/years cannot be read.
    SpecificationError
        A requested sex does not occur, or an age/year argument is missing or invalid.

    Examples
    --------
    A long table by local authority, summed to the PFA through a lookup (women 18+):

    >>> import io
    >>> import pandas as pd
    >>> from wsa_eval.data import read_ons_population
    >>> table = io.StringIO(
    ...     "area,sex,age,year,population\\n"
    ...     "Manchester,F,30,2014,1000\\n"
    ...     "Manchester,F,10,2014,800\\n"
    ...     "Bolton,F,40,2014,500\\n"
    ...     "Manchester,M,30,2014,900\\n")
    >>> lookup = pd.DataFrame({"LAD14NM": ["Manchester", "Bolton"],
    ...                        "PFA14NM": ["Greater Manchester", "Greater Manchester"]})
    >>> read_ons_population(table, lookup=lookup)
                      pfa  year  population
    0  Greater Manchester  2014      1500.0
    """
    pop = _read(path_or_frame, "population table", skiprows)
    if not isinstance(pop, pd.DataFrame) or pop.shape[0] == 0:
        raise DataFormatError("The population table has no rows.")
    if sex is not None and str(sex).casefold() not in ("female", "male", "all"):
        raise SpecificationError(f"sex must be 'female', 'male', 'all' or None, not {sex!r}.")
    for name, v in (("min_age", min_age), ("max_age", max_age), ("year", year)):
        if v is not None and not (isinstance(v, (int, np.integer)) and not isinstance(v, bool)):
            raise SpecificationError(f"{name} must be an integer or None, not {v!r}.")
    cols = list(pop.columns)
    found = format_examples([str(c) for c in cols], 25)

    # --- shape -------------------------------------------------------------------------
    year_cols = [c for c in cols if _YEAR_COL.fullmatch(_key(c)) and _key(c) != "year"]
    age_cols = [c for c in cols if _AGE_COL.fullmatch(_key(c))]
    sex_col = _find(cols, ["sex", "gender", "sex code", "sex_code", "c_sex", "sex name"])
    age_col = _find(
        cols, ["age", "age group", "age_group", "age band", "c_age_name", "age name", "c_age"]
    )
    year_col = _find(cols, ["year", "mid year", "mid-year", "mid_year", "date", "time", "period"])
    value_col = _find(
        cols, ["population", "value", "obs_value", "obs value", "count", "observation", "v4_0"]
    )
    if area_col is not None:
        if area_col not in cols:
            raise ColumnError(f"area_col={area_col!r} is not a column; columns are {found}.")
    excluded = {c for c in (sex_col, age_col, year_col, value_col) if c is not None}
    excluded |= set(year_cols) | set(age_cols)

    frame = pop.copy()
    # wide by year -> long
    if year_cols and value_col is None:
        ids = [c for c in cols if c not in year_cols]
        frame = frame.melt(id_vars=ids, value_vars=year_cols, var_name="__year", value_name="__v")
        frame["__year"] = [_parse_year(_key(c)) for c in frame["__year"]]
        year_col, value_col = "__year", "__v"
    # wide by single year of age -> long
    elif len(age_cols) >= 5 and value_col is None and age_col is None:
        ids = [
            c
            for c in cols
            if c not in age_cols and _key(c) not in ("all ages", "all", "total", "all_ages")
        ]
        frame = frame[ids + age_cols].melt(
            id_vars=ids, value_vars=age_cols, var_name="__age", value_name="__v"
        )
        frame["__age"] = [_key(c) for c in frame["__age"]]
        age_col, value_col = "__age", "__v"
    if value_col is None:
        raise DataFormatError(
            "Cannot find the population values: expected a column named population, value, "
            "obs_value or count, one column per year (population_2019, mid-2019, 2019) or one "
            f"column per single year of age (0, 1, ..., 90+). Columns found: {found}. If the "
            "file has title rows above its header, pass skiprows= (the number of those rows)."
        )

    # --- area column -------------------------------------------------------------------
    candidates = [
        c for c in frame.columns if c not in excluded and c not in ("__year", "__v", "__age")
    ]
    candidates = [c for c in candidates if not pd.api.types.is_numeric_dtype(frame[c])]
    geo_type_col = _find(candidates, ["geography", "geography type", "geography_type", "type"])
    if area_col is not None:
        candidates = [area_col]
    elif geo_type_col is not None:
        candidates = [c for c in candidates if c != geo_type_col]
    if not candidates:
        raise DataFormatError(
            f"Cannot find an area column (local authority or PFA names/codes). Columns found: "
            f"{found}. Pass area_col=."
        )

    # --- filters -----------------------------------------------------------------------
    keep = np.ones(len(frame), dtype=bool)
    if geo_type_col is not None:
        gt = frame[geo_type_col].map(lambda v: _key(v))
        keep &= ~gt.isin(_AGGREGATE_TYPES).to_numpy()
    if sex is not None:
        if sex_col is None:
            raise SpecificationError(
                f"The population table has no sex column (columns: {found}). If it covers "
                "one sex only (e.g. a 'Females' sheet), pass sex=None."
            )
        sx = frame[sex_col].map(lambda v: _SEX_WORDS.get(_key(v).split(".")[0], _key(v)))
        want = str(sex).casefold()
        if not (sx == want).any():
            raise SpecificationError(
                f"No rows with sex {sex!r} in column {sex_col!r}; values found: "
                f"{format_examples(sorted(set(map(str, frame[sex_col].unique()))))}."
            )
        keep &= (sx == want).to_numpy()
    if min_age is not None or max_age is not None:
        if age_col is None:
            raise SpecificationError(
                f"The population table has no age column or single-age columns (columns: "
                f"{found}). If it already counts the ages you want (e.g. women 18+), pass "
                "min_age=None."
            )
        uniq = {v: _parse_age(v) for v in pd.unique(frame[age_col])}
        lo = -np.inf if min_age is None else float(min_age)
        hi = np.inf if max_age is None else float(max_age)
        age_keep = {}
        for v, band in uniq.items():
            if band is None:
                age_keep[v] = False  # totals ("All ages") are never summed
                continue
            a, b = band
            if a >= lo and b <= hi:
                age_keep[v] = True
            elif b < lo or a > hi:
                age_keep[v] = False
            else:
                raise DataFormatError(
                    f"Age band {v!r} straddles the requested ages {min_age}-"
                    f"{'' if max_age is None else max_age}; use single years of age or "
                    "matching bands."
                )
        keep &= frame[age_col].map(age_keep).fillna(False).to_numpy(dtype=bool)
    elif age_col is not None:
        totals = frame[age_col].map(lambda v: _parse_age(v) is None).to_numpy(dtype=bool)
        if totals.any():
            keep &= totals  # use the 'All ages' rows only, to avoid double counting
    if year_col is None:
        if year is None:
            raise SpecificationError(
                f"The population table has no year column (columns: {found}); pass year=."
            )
        years = np.full(len(frame), int(year))
    else:
        years = np.array([_parse_year(v) for v in frame[year_col]], dtype="int64")
        if year is not None:
            keep &= years == int(year)
    values = pd.to_numeric(frame[value_col], errors="coerce").to_numpy(dtype="float64")

    # --- areas -> PFA ------------------------------------------------------------------
    if lookup is None:
        area = candidates[0] if area_col is None else area_col
        if area_col is None:
            named = _find(
                candidates,
                ["pfa", "pfa name", "police force area", "police force area name", "name"],
                r"pfa[\d_ ]*(nm|name)",
            )
            area = named if named is not None else candidates[0]
        raw = frame[area].astype(object)
        uniq = [v for v in pd.unique(raw[keep])]
        drop = {
            v
            for v in uniq
            if pfa_key(v) in _AGGREGATE_NAMES or _AGGREGATE_CODE.fullmatch(str(v).strip())
        }
        codes = [
            v
            for v in uniq
            if v not in drop
            and _CODE.fullmatch(str(v).strip())
            and harmonise_pfa(str(v), errors="keep") == str(v)  # not a PFA code
        ]
        if codes:
            raise DataFormatError(
                f"The table's areas are codes ({format_examples(codes)}), not PFA names: pass a "
                "lookup= table that maps them to PFAs, or area_col= a column of PFA names."
            )
        names = [v for v in uniq if v not in drop]
        try:
            mapped = dict(zip(names, harmonise_pfa(names)))
        except DataFormatError as exc:
            raise DataFormatError(
                f"{exc} If the table is by local authority, pass lookup= (a local authority "
                "-> PFA table)."
            ) from None
        pfa = raw.map(mapped)
    else:
        lk = _read(lookup, "lookup")
        lk_cols = list(lk.columns)
        if lookup_cols is not None:
            la_c, pfa_c = lookup_cols
            miss = [c for c in (la_c, pfa_c) if c not in lk_cols]
            if miss:
                raise ColumnError(
                    f"lookup_cols {format_examples(miss)} not in the lookup; its columns are "
                    f"{format_examples([str(c) for c in lk_cols], 25)}."
                )
            pairs = [(area_col or _best_area(frame, candidates, lk[la_c], keep), la_c)]
        else:
            pfa_like = [c for c in lk_cols if "pfa" in _key(c) or "police" in _key(c)]
            named = [c for c in pfa_like if re.search(r"(nm|name)$", _key(c))] or pfa_like
            if not named:
                raise DataFormatError(
                    "Cannot find the PFA column of the lookup (a column whose name contains "
                    f"'pfa' or 'police'); its columns are "
                    f"{format_examples([str(c) for c in lk_cols], 25)}. Pass lookup_cols=."
                )
            pfa_c = named[0]
            la_cands = [c for c in lk_cols if c not in pfa_like]
            pairs = [(a, c) for a in candidates for c in la_cands]
        best = None
        pop_vals = {a: set(frame.loc[keep, a].astype(str).str.strip()) for a, _ in pairs}
        for a, c in pairs:
            lv = set(lk[c].astype(str).str.strip())
            overlap = len(pop_vals[a] & lv)
            if best is None or overlap > best[0]:
                best = (overlap, a, c)
        if best is None or best[0] == 0:
            raise DataFormatError(
                "No area of the population table is in the lookup: check that the lookup maps "
                "the same kind of areas (local authority codes or names) of the same boundary "
                "year. Population columns tried: "
                f"{format_examples([str(a) for a, _ in pairs][:5])}."
            )
        _, area, la_c = best
        lk_map = pd.DataFrame(
            {"la": lk[la_c].astype(str).str.strip(), "pfa": harmonise_pfa(lk[pfa_c].astype(object))}
        ).drop_duplicates()
        dup = lk_map[lk_map["la"].duplicated(keep=False)]
        if len(dup):
            raise DataFormatError(
                f"The lookup maps local authorities to more than one PFA: "
                f"{format_examples(sorted(set(dup['la'])))}."
            )
        mapping = dict(zip(lk_map["la"], lk_map["pfa"]))
        raw = frame[area].astype(str).str.strip()
        uniq = pd.unique(raw[keep])
        unmatched = [v for v in uniq if v not in mapping]
        bad = [
            v
            for v in unmatched
            if not (_AGGREGATE_CODE.fullmatch(v) or pfa_key(v) in _AGGREGATE_NAMES)
        ]
        if bad:
            raise DataFormatError(
                f"{len(bad)} area(s) of the population table are not in the lookup: "
                f"{format_examples(bad, 8)}. Local authority codes change (e.g. 2019-2023 "
                "mergers): use a lookup of the same boundary vintage as the population table."
            )
        pfa = raw.map(mapping)

    keep &= pfa.notna().to_numpy()
    if np.isnan(values[keep]).any():
        raise DataFormatError(
            f"Column {value_col!r} has missing or non-numeric populations in the rows used."
        )
    out = (
        pd.DataFrame({"pfa": pfa[keep].to_numpy(), "year": years[keep], "population": values[keep]})
        .groupby(["pfa", "year"], sort=True)["population"]
        .sum()
        .reset_index()
    )
    if len(out) == 0:
        raise DataFormatError("No population rows left after filtering by sex, age and year.")
    out["year"] = out["year"].astype("int64")
    out["population"] = out["population"].astype("float64")
    return out


def _best_area(frame: pd.DataFrame, candidates: list[Any], la_values: pd.Series, keep) -> Any:
    lv = set(la_values.astype(str).str.strip())
    scores = [(len(set(frame.loc[keep, c].astype(str).str.strip()) & lv), c) for c in candidates]
    return max(scores, key=lambda t: t[0])[1]


def add_rates(
    counts: pd.DataFrame,
    population: pd.DataFrame,
    *,
    per: int | float = 100_000,
    count: str | None = None,
    on: Sequence[str] = ("pfa", "year"),
) -> pd.DataFrame:
    """Add ``population`` and a rate per ``per`` people to a table of counts.

    Parameters
    ----------
    counts : DataFrame
        E.g. from :func:`read_moj_outcomes`: columns ``on`` (default ``pfa``, ``year``) and a
        count column.
    population : DataFrame
        E.g. from :func:`read_ons_population`: columns ``on`` and ``population``, one row per
        PFA and year.
    per : number
        Rate base (default 100,000).
    count : str, optional
        The count column; default ``count`` (the column of :func:`read_moj_outcomes`).
    on : sequence of str
        Columns to match on. PFA names are matched after :func:`harmonise_pfa`, so
        "Metropolitan" matches "Metropolitan Police".

    Returns
    -------
    DataFrame
        A copy of ``counts`` with ``population`` and ``rate_per_100k`` (or
        ``rate_per_<per>``) added. The inputs are not modified.

    Raises
    ------
    DataFormatError
        A row of ``counts`` has no population (the message names the PFA-years and the years
        the population covers), the population table has duplicate or non-positive rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from wsa_eval.data import add_rates
    >>> counts = pd.DataFrame({"pfa": ["Greater Manchester", "Metropolitan Police"],
    ...                        "year": [2014, 2014], "count": [45, 12]})
    >>> pop = pd.DataFrame({"pfa": ["Greater Manchester", "Metropolitan"],  # any spelling
    ...                     "year": [2014, 2014], "population": [1_100_000.0, 3_300_000.0]})
    >>> add_rates(counts, pop)[["pfa", "count", "rate_per_100k"]].round(2)
                       pfa  count  rate_per_100k
    0   Greater Manchester     45           4.09
    1  Metropolitan Police     12           0.36
    """
    for what, f in (("counts", counts), ("population", population)):
        if not isinstance(f, pd.DataFrame):
            raise SpecificationError(f"{what} must be a DataFrame, not {type(f).__name__}.")
    on = [on] if isinstance(on, str) else list(on)
    if count is None:
        count = "count"
    if not (isinstance(per, (int, float, np.integer, np.floating)) and per > 0):
        raise SpecificationError(f"per must be a positive number, not {per!r}.")
    miss_c = [c for c in [*on, count] if c not in counts.columns]
    if miss_c:
        raise ColumnError(
            f"counts lacks column(s) {format_examples(miss_c)} (columns: "
            f"{format_examples([str(c) for c in counts.columns], 20)}); name the count column "
            "with count=."
        )
    miss_p = [c for c in [*on, "population"] if c not in population.columns]
    if miss_p:
        raise ColumnError(
            f"population lacks column(s) {format_examples(miss_p)} (columns: "
            f"{format_examples([str(c) for c in population.columns], 20)})."
        )
    rate_col = "rate_per_100k" if per == 100_000 else f"rate_per_{per:g}"
    clash = [c for c in ("population", rate_col) if c in counts.columns]
    if clash:
        raise SpecificationError(
            f"counts already has column(s) {format_examples(clash)}; drop or rename them first."
        )

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        k = frame[on].copy()
        if "pfa" in on:
            k["pfa"] = harmonise_pfa(k["pfa"].astype(object), errors="keep")
        return k

    pk = keyed(population)
    pk["population"] = pd.to_numeric(population["population"], errors="coerce").to_numpy()
    dup = pk[pk.duplicated(on, keep=False)]
    if len(dup):
        rows = format_examples([tuple(r) for r in dup[on].drop_duplicates().to_numpy()], 6, False)
        raise DataFormatError(f"The population table has more than one row for {rows}.")
    bad = pk[~(pk["population"] > 0)]
    if len(bad):
        rows = format_examples([tuple(r) for r in bad[on].to_numpy()], 6, False)
        raise DataFormatError(f"Population is missing, zero or negative for {rows}.")
    ck = keyed(counts)
    merged = ck.merge(pk, on=on, how="left", validate="many_to_one")
    missing = merged["population"].isna().to_numpy()
    if missing.any():
        rows = ck[missing].drop_duplicates()
        shown = format_examples([tuple(r) for r in rows.to_numpy()], 8, False)
        cover = ""
        if "year" in on:
            yrs = sorted(pd.unique(pk["year"]))
            cover = f" The population table covers years {yrs[0]}-{yrs[-1]}." if yrs else ""
        raise DataFormatError(
            f"No population for {len(rows)} {'/'.join(on)} combination(s): {shown}.{cover} "
            "Add those areas/years to the population table or drop them from the counts."
        )
    out = counts.copy()
    out["population"] = merged["population"].to_numpy()
    out[rate_col] = pd.to_numeric(out[count]).to_numpy(dtype="float64") / out[
        "population"
    ].to_numpy() * float(per)
    return out
