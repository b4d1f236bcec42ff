"""Women sentenced to immediate custody by police force area: the GM case study data.

All numbers are official statistics of the Ministry of Justice (Criminal Justice System
statistics quarterly, "Outcomes by offence"), as processed and published by the Prison Reform
Trust (PRT, github.com/Prison-Reform-Trust/womens-imprisonment-PFA), transcribed from PRT's
notebook outputs and published tables; see ``wsa_eval/datasets/data/README.md`` for the commit
of every figure.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .._pfa import PFA_CODES, harmonise_pfa
from ..errors import ColumnError, SpecificationError, format_examples
from ._files import read_shipped

__all__ = [
    "load_pfa_custody",
    "load_wsa_start_dates",
    "treated_areas",
    "load_england_wales_totals",
    "load_gm_series",
    "load_edition_comparison",
    "load_pfa_2009_fragments",
    "load_published_claims",
    "load_reported_evaluations",
]

FILES = {
    "A": "women_custody_pfa_edA_cjsq_dec2022.csv",
    "B": "women_custody_pfa_edB_cjsq_dec2024.csv",
    "start_dates": "wsa_start_dates.csv",
    "totals": "women_custody_england_wales_totals.csv",
    "gm": "gm_vs_england_wales_series.csv",
    "comparison": "women_custody_pfa_edition_comparison.csv",
    "fragments_2009": "women_custody_pfa_2009_fragments.csv",
    "claims": "published_claims_vs_panel.csv",
    "evaluations": "evaluations_reported_effects.csv",
}

COUNT_COLUMNS = (
    "immediate_custody",
    "custody_lt_6m",
    "custody_6m_to_lt_12m",
    "custody_12m_plus",
    "community_sentence",
    "suspended_sentence",
)


def load_pfa_custody(
    edition: str = "A", *, include_flags: bool = True, include_provenance: bool = False
) -> pd.DataFrame:
    """Women (18+) sentenced by police force area and year, England and Wales (42 PFAs).

    The panel behind the Greater Manchester case study. Official statistics of the Ministry
    of Justice (Criminal Justice System statistics quarterly, "Outcomes by offence"), as
    processed and published by the Prison Reform Trust. Contains public sector information
    licensed under the Open Government Licence v3.0.

    Parameters
    ----------
    edition : {"A", "B"}
        ``"A"``: MoJ December 2022 data (PRT's July 2023 build), 2010-2022, 546 rows.
        ``"B"``: MoJ December 2024 data (PRT's 2025 build; courts re-mapped to PFAs back to
        2010), 2010-2024, 630 rows. The editions disagree for some PFAs (e.g. Gwent 2014:
        90 in A, 56 in B) and B's 2017 is suspect; never splice them into one series.
    include_flags : bool
        Add the flag columns ``suspect_2017`` and ``rate_population_provisional``.
    include_provenance : bool
        Add ``src_counts`` and ``src_rate``: the PRT repository commit and notebook each number
        was transcribed from.

    Returns
    -------
    DataFrame
        One row per PFA and year, sorted by ``pfa`` then ``year``:

        ``pfa`` (str)
            Police force area of the **sentencing court** (not of residence), spelt as in
            :data:`wsa_eval.data.PFA_NAMES`. City of London is not included (PRT dropped it).
        ``pfa_code`` (str)
            ONS code of the PFA (``E23000005`` = Greater Manchester; ``W15...`` for Wales),
            for joining ONS lookups and maps (:data:`wsa_eval.data.PFA_CODES`).
        ``year`` (int)
            Calendar year of sentence.
        ``edition`` (str)
            ``"A"`` or ``"B"``.
        ``immediate_custody`` (int)
            Women aged 18+ sentenced to immediate custody (all offences).
        ``custody_lt_6m``, ``custody_6m_to_lt_12m``, ``custody_12m_plus`` (int)
            Immediate custody by sentence length; the three sum to ``immediate_custody``.
            Edition A bands: "Less than 6 months" / "6 months and under 12 months" / "Over 12
            months". Edition B: "12 months or more" is a residual that may include life, IPP
            and not-known lengths.
        ``community_sentence``, ``suspended_sentence``
            Women 18+ given a community / suspended sentence. Edition A: every PFA (int).
            Edition B: only Gwent and Cumbria, NaN elsewhere (float).
        ``rate_per_100k`` (float)
            Immediate custody per 100,000 women aged 18+, as published by PRT (1 decimal),
            2014 onwards; NaN before 2014 (no female population by PFA is available here).
            **Each edition has its own denominator** (A: pre-Census-2021 rolled-forward ONS
            mid-year estimates; B: Census-2021-based estimates, about 5-6% larger): never
            compare or mix rates across editions.
        ``suspect_2017`` (bool, with ``include_flags``)
            True on every 2017 row of edition B: B's England and Wales total for 2017 is 5,398
            against 7,182 in A and 7,262 / 6,580 in the years either side, unexplained. Do not
            use B-2017 without re-deriving it from the MoJ raw data. Always False in A.
        ``rate_population_provisional`` (bool, with ``include_flags``)
            True where the rate's denominator is not a same-year population estimate: A 2022
            (PRT reused mid-2021) and B 2024 (PRT's own projection).

    Notes
    -----
    Source files: ``women_custody_pfa_edA_cjsq_dec2022.csv`` and
    ``women_custody_pfa_edB_cjsq_dec2024.csv`` in ``wsa_eval/datasets/data`` (see its
    README.md). Edition A reproduces PRT's printed 2014-2022 table and its band sums equal its
    totals in all 546 cells. Edition B 2010-2013 totals are sums of PRT's band series (checked
    against printed totals only for Gwent and Cumbria).

    Examples
    --------
    >>> from wsa_eval.datasets import load_pfa_custody
    >>> a = load_pfa_custody("A")
    >>> int(a.query("pfa == 'Greater Manchester' and year == 2014").immediate_custody.iloc[0])
    446
    """
    ed = str(edition).strip().upper() if isinstance(edition, str) else edition
    if ed not in ("A", "B"):
        raise SpecificationError(
            f"edition must be 'A' (MoJ December 2022 data, 2010-2022) or 'B' (December 2024 "
            f"data, 2010-2024), not {edition!r}."
        )
    raw = read_shipped(FILES[ed])
    out = pd.DataFrame(
        {
            "pfa": raw["pfa"],
            "pfa_code": raw["pfa"].map(PFA_CODES),
            "year": raw["year"].astype("int64"),
            "edition": raw["edition"],
        }
    )
    for c in COUNT_COLUMNS:
        col = raw[c]
        if col.notna().all():
            out[c] = col.astype("int64")
        else:
            out[c] = col.astype("float64")
    out["rate_per_100k"] = raw["imprisonment_rate_per_100k_adult_women"].astype("float64")
    if include_flags:
        if ed == "B":
            out["suspect_2017"] = raw["flag_2017_suspect"].eq("yes").to_numpy()
            out["rate_population_provisional"] = (
                raw["rate_uses_prt_projected_population"].eq("yes").to_numpy()
            )
        else:
            out["suspect_2017"] = False
            # PRT reused the mid-2021 population for the 2022 rates (not rebased).
            out["rate_population_provisional"] = (
                out["year"].eq(2022) & out["rate_per_100k"].notna()
            ).to_numpy()
        out["suspect_2017"] = out["suspect_2017"].astype(bool)
        out["rate_population_provisional"] = out["rate_population_provisional"].astype(bool)
    if include_provenance:
        out["src_counts"] = raw["src_counts"]
        out["src_rate"] = raw["src_rate"]
    return out.sort_values(["pfa", "year"], kind="mergesort").reset_index(drop=True)


_STRENGTH = {"none": 0, "low": 1, "medium": 2, "high": 3}


def load_wsa_start_dates() -> pd.DataFrame:
    """Start or funding dates of whole system approaches and women's diversion schemes by PFA.

    Compiled for wsa_eval from public web pages (one URL per row); each row's date precision
    and strength of evidence are graded. Several likely comparison areas had their own
    schemes (South Wales 2014, Lancashire 2013/2015, Sussex, Surrey, Norfolk, ...): use
    :func:`treated_areas` to exclude them from donor pools and control groups. The dates are
    facts compiled from the cited pages (press releases and parliamentary answers under the
    Open Government Licence v3.0 where official; see each ``source_url``).

    Returns
    -------
    DataFrame
        27 rows; columns ``pfa`` (canonical spelling), ``scheme``, ``event``, ``date`` (text as
        precise as known: ``"2014"``, ``"2014-09"`` or ``"2016-05-20"``; missing when unknown),
        ``start_year`` (Int64, the year of ``date``), ``date_precision`` (``year`` / ``month``
        / ``day`` / ``unknown``), ``evidence_strength`` (``high`` / ``medium`` / ``low`` /
        ``none``; ``none`` marks an area where no scheme was found), ``source_url``, ``note``.
        A PFA can have several rows (pilot, roll-out, funding).

    Examples
    --------
    >>> from wsa_eval.datasets import load_wsa_start_dates
    >>> d = load_wsa_start_dates()
    >>> d.loc[d["pfa"] == "Greater Manchester", ["start_year", "evidence_strength"]]
       start_year evidence_strength
    0        2014            medium
    1        2016              high
    2        2016              high
    """
    raw = read_shipped(FILES["start_dates"])
    out = pd.DataFrame({"pfa": harmonise_pfa(raw["pfa"].astype(object))})
    for c in ("scheme", "event", "date"):
        out[c] = raw[c].astype(object).where(raw[c].notna(), None)
    years = [int(str(d)[:4]) if d is not None else pd.NA for d in out["date"]]
    out["start_year"] = pd.array(years, dtype="Int64")
    for c in ("date_precision", "evidence_strength", "source_url", "note"):
        out[c] = raw[c].astype(object).where(raw[c].notna(), None)
    return out


def _earliest(date: Any) -> pd.Timestamp | None:
    if date is None or (isinstance(date, float) and np.isnan(date)):
        return None
    s = str(date).strip()
    if re.fullmatch(r"\d{4}", s):
        s += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", s):
        s += "-01"
    try:
        return pd.Timestamp(s)
    except (ValueError, TypeError):
        return None


def treated_areas(
    start_dates: pd.DataFrame | None = None,
    *,
    min_strength: str = "medium",
    before: int | str | pd.Timestamp | None = None,
    include_undated: bool = True,
) -> list[str]:
    """Police force areas that had a scheme of their own: the areas to drop from a donor pool.

    Parameters
    ----------
    start_dates : DataFrame, optional
        A table like :func:`load_wsa_start_dates` (columns ``pfa``, ``date``,
        ``evidence_strength``); the shipped table when omitted.
    min_strength : {"low", "medium", "high"}
        Keep events whose ``evidence_strength`` is at least this. Rows graded ``none`` (no
        scheme found) are never counted.
    before : int year, date string or Timestamp, optional
        Keep only events that started before this: an ``int`` compares years
        (``start_year < before``); a date (``"2014-09"``, ``"2014-09-01"``) compares the
        earliest date the row's precision allows (``"2016"`` counts as 2016-01-01).
    include_undated : bool
        When ``before`` is given, whether events with no known date still count (default True:
        for a donor pool it is safer to drop an area whose scheme might predate the window).

    Returns
    -------
    list of str
        Sorted canonical PFA names (this includes the area you are evaluating if it is in the
        table, e.g. Greater Manchester; remove it yourself).

    Examples
    --------
    >>> from wsa_eval.datasets import load_wsa_start_dates, treated_areas
    >>> "South Wales" in treated_areas(load_wsa_start_dates(), before=2015)
    True
    """
    if start_dates is None:
        start_dates = load_wsa_start_dates()
    if not isinstance(start_dates, pd.DataFrame):
        raise SpecificationError(
            f"start_dates must be a DataFrame like load_wsa_start_dates(), not "
            f"{type(start_dates).__name__}."
        )
    missing = [c for c in ("pfa", "evidence_strength") if c not in start_dates.columns]
    if before is not None and "date" not in start_dates.columns:
        missing.append("date")
    if missing:
        raise ColumnError(
            f"start_dates lacks column(s) {format_examples(missing)}; it has "
            f"{format_examples([str(c) for c in start_dates.columns], 20)}."
        )
    if min_strength not in ("low", "medium", "high"):
        raise SpecificationError(
            f"min_strength must be 'low', 'medium' or 'high', not {min_strength!r}."
        )
    strength = start_dates["evidence_strength"].map(
        lambda s: _STRENGTH.get(str(s).strip().lower(), -1) if s is not None else -1
    )
    bad = sorted({str(s) for s, k in zip(start_dates["evidence_strength"], strength) if k < 0})
    if bad:
        raise SpecificationError(
            f"evidence_strength has unknown values {format_examples(bad)}; expected high, "
            "medium, low or none."
        )
    keep = np.array(strength >= _STRENGTH[min_strength], dtype=bool)
    if before is not None:
        if isinstance(before, (int, np.integer)) and not isinstance(before, bool):
            starts = [_earliest(d) for d in start_dates["date"]]
            ok = [
                (s is None and include_undated) or (s is not None and s.year < int(before))
                for s in starts
            ]
        else:
            cutoff = _earliest(before)
            if cutoff is None:
                raise SpecificationError(
                    f"before must be a year (int) or a date such as '2014-09', not {before!r}."
                )
            starts = [_earliest(d) for d in start_dates["date"]]
            ok = [
                (s is None and include_undated) or (s is not None and s < cutoff)
                for s in starts
            ]
        keep &= np.asarray(ok, dtype=bool)
    names = harmonise_pfa(list(start_dates.loc[keep, "pfa"]), errors="keep")
    return sorted(set(names))


def _plain(filename: str) -> pd.DataFrame:
    return read_shipped(filename)


def load_england_wales_totals() -> pd.DataFrame:
    """Totals for England and Wales, England, and Wales: women 18+ sentenced to immediate custody.

    Official statistics of the Ministry of Justice, as processed and published by the Prison
    Reform Trust. Contains public sector information licensed under the Open Government
    Licence v3.0.

    Returns
    -------
    DataFrame
        54 rows: ``geography`` ("England and Wales", "England", "Wales"), ``year``,
        ``edition`` ("A" 2010-2022, "B" 2010-2024 for England and Wales only),
        ``adult_female_population_prt`` (women 18+, PRT's aggregation of ONS mid-year
        estimates; 2014 onwards), ``immediate_custody_prt_printed`` (as printed by PRT),
        ``immediate_custody_sum_of_pfa_rows`` (our sum of the PFA rows; equals the printed
        total wherever both exist), ``note``, ``source``. Populations of the two editions
        differ by 5-6% (different ONS vintages): do not mix them.

    Examples
    --------
    >>> from wsa_eval.datasets import load_england_wales_totals
    >>> t = load_england_wales_totals()
    >>> ew = t.query("geography == 'England and Wales' and year == 2014").set_index("edition")
    >>> ew["immediate_custody_prt_printed"].astype(int).to_dict()
    {'A': 7418, 'B': 7394}
    """
    return _plain(FILES["totals"])


def load_gm_series() -> pd.DataFrame:
    """Greater Manchester against England and Wales, 2010-2024, both editions side by side.

    A convenience view built from the PFA panel (:func:`load_pfa_custody`) and the England and
    Wales totals, with PRT's printed England and Wales rates. Contains public sector
    information licensed under the Open Government Licence v3.0 (MoJ Criminal Justice System
    statistics quarterly, as processed and published by the Prison Reform Trust).

    Returns
    -------
    DataFrame
        15 rows (``year``); ``gm_custody_edA/edB``, ``ew_custody_edA/edB`` (counts),
        ``gm_rate_edA/edB`` and ``ew_rate_edA/edB_prt_printed`` (per 100,000 women 18+, each
        edition its own denominator), ``gm_lt6m_edA/edB`` (under 6 months),
        ``gm_community_edA``, ``gm_suspended_edA``, and ``flags`` (text, e.g. "edB 2017
        suspect"). GM 2014 = 446 and 2020 = 186 in edition A (-58%).

    Examples
    --------
    >>> from wsa_eval.datasets import load_gm_series
    >>> s = load_gm_series().set_index("year")
    >>> s.loc[[2014, 2020], ["gm_custody_edA", "ew_custody_edA"]].astype(int)
          gm_custody_edA  ew_custody_edA
    year
    2014             446            7418
    2020             186            4383
    >>> round(186 / 446 - 1, 2), round(4383 / 7418 - 1, 2)  # GM against England and Wales
    (-0.58, -0.41)
    """
    return _plain(FILES["gm"])


def load_edition_comparison() -> pd.DataFrame:
    """Women 18+ sentenced to immediate custody by PFA and year in editions C, A and B.

    Columns ``pfa``, ``year``, ``edC_cjsq_dec2021_prt2022build`` (2014-2021 only),
    ``edA_cjsq_dec2022`` (2010-2022), ``edB_cjsq_dec2024`` (2010-2024), ``diff_B_minus_A``.
    Shows how MoJ's June 2023 court-to-PFA re-mapping moved sentences between PFAs. Contains
    public sector information licensed under the Open Government Licence v3.0 (MoJ, as
    processed and published by the Prison Reform Trust).

    Examples
    --------
    >>> from wsa_eval.datasets import load_edition_comparison
    >>> e = load_edition_comparison()
    >>> e.query("year == 2014 and pfa in ['Gwent', 'South Wales']").set_index("pfa")[
    ...     ["edA_cjsq_dec2022", "edB_cjsq_dec2024"]].astype(int)
                 edA_cjsq_dec2022  edB_cjsq_dec2024
    pfa
    Gwent                      90                56
    South Wales               343               399
    """
    return _plain(FILES["comparison"])


def load_pfa_2009_fragments() -> pd.DataFrame:
    """The only 2009 PFA values that survive in PRT's notebook outputs (3 rows).

    Edition-A-compatible values for Avon and Somerset, Derbyshire and Cambridgeshire
    (PRT's 2022 build from the MoJ 2009-2019 Court Outcomes by PFA tool). Contains public
    sector information licensed under the Open Government Licence v3.0 (Ministry of Justice
    statistics, as processed and published by the Prison Reform Trust).

    Examples
    --------
    >>> from wsa_eval.datasets import load_pfa_2009_fragments
    >>> load_pfa_2009_fragments()[["pfa", "year", "immediate_custody"]]
                     pfa  year  immediate_custody
    0  Avon and Somerset  2009              165.0
    1         Derbyshire  2009              120.0
    2     Cambridgeshire  2009                NaN
    """
    return _plain(FILES["fragments_2009"])


def load_published_claims() -> pd.DataFrame:
    """Published claims about women's custody in WSA areas, checked against the panel.

    10 rows: ``claim_id``, ``source``, ``claim_paraphrase``, ``subject``, ``measure``,
    ``period``, ``published_value``, ``panel_value_edA``, ``panel_value_edB`` (our own
    recalculations from the panel), ``consistent``, ``source_url``. Claims are paraphrased
    from the cited sources.

    Examples
    --------
    >>> from wsa_eval.datasets import load_published_claims
    >>> c = load_published_claims()
    >>> len(c), c["claim_id"].iloc[0]
    (10, 'moj_concordat_gm_custody')
    """
    return _plain(FILES["claims"])


def load_reported_evaluations() -> pd.DataFrame:
    """Reported effects of evaluations of women's centres, WSAs and diversion schemes.

    11 rows: ``study``, ``area``, ``scheme``, ``cohort_period``, ``design``, ``outcome``,
    ``n_treated``, ``treated_value``, ``comparison_value``, ``reported_effect``,
    ``significance``, ``source_url``, ``note``; paraphrased from the cited sources (MoJ
    Justice Data Lab reports are official statistics under the Open Government Licence v3.0).

    Examples
    --------
    >>> from wsa_eval.datasets import load_reported_evaluations
    >>> e = load_reported_evaluations()
    >>> len(e)
    11
    >>> e["study"].iloc[0]
    "MoJ Justice Data Lab: Women's Centres throughout England (2015)"
    """
    return _plain(FILES["evaluations"])
