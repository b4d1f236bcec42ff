"""Data sets shipped with wsa_eval.

Two kinds:

* the real police-force-area panel behind the Greater Manchester case study -- women (18+)
  sentenced to immediate custody by PFA and year, England and Wales -- with the start dates
  of other areas' schemes, England and Wales totals and published claims
  (:func:`load_pfa_custody`, :func:`load_wsa_start_dates`, :func:`treated_areas`, ...).
  Contains public sector information licensed under the Open Government Licence v3.0:
  Ministry of Justice, Criminal Justice System statistics quarterly (Outcomes by offence), as
  processed and published by the Prison Reform Trust;
* public reference data sets behind published results, used by the known-answer examples
  (:func:`load_mpdta`, :func:`load_rossi`, :func:`load_mgus2_cr`, :func:`load_prop99`,
  :func:`load_prop99_synthdid`, :func:`load_basque`, :func:`load_castle`).

:func:`list_datasets` describes every data set with its source and licence; the files and
their full provenance are in ``wsa_eval/datasets/data`` (README.md there). Every loader
returns a fresh DataFrame that you may modify.
"""

from __future__ import annotations

import pandas as pd

from ._files import OGL_ATTRIBUTION
from ._reference import (
    load_basque,
    load_castle,
    load_mgus2_cr,
    load_mpdta,
    load_prop99,
    load_prop99_synthdid,
    load_rossi,
)
from ._women_custody import (
    load_edition_comparison,
    load_england_wales_totals,
    load_gm_series,
    load_pfa_2009_fragments,
    load_pfa_custody,
    load_published_claims,
    load_reported_evaluations,
    load_wsa_start_dates,
    treated_areas,
)

__all__ = [
    "list_datasets",
    "OGL_ATTRIBUTION",
    "load_pfa_custody",
    "load_wsa_start_dates",
    "treated_areas",
    "load_england_wales_totals",
    "load_gm_series",
    "load_edition_comparison",
    "load_pfa_2009_fragments",
    "load_published_claims",
    "load_reported_evaluations",
    "load_mpdta",
    "load_rossi",
    "load_mgus2_cr",
    "load_prop99",
    "load_prop99_synthdid",
    "load_basque",
    "load_castle",
]

_OGL = "Open Government Licence v3.0 (MoJ CJS statistics quarterly, processed by PRT)"

# name, loader, file, rows, description, licence, source
_CATALOGUE: list[tuple[str, str, str, int, str, str, str]] = [
    (
        "pfa_custody_A",
        'load_pfa_custody("A")',
        "women_custody_pfa_edA_cjsq_dec2022.csv",
        546,
        "Women 18+ sentenced to immediate custody (with sentence-length bands, community and "
        "suspended sentences) by PFA, 42 PFAs x 2010-2022; rates per 100,000 from 2014",
        _OGL,
        "MoJ CJSQ December 2022; PRT womens-imprisonment-PFA @ccb1183c9ea5, @41f5a9b2e4bf",
    ),
    (
        "pfa_custody_B",
        'load_pfa_custody("B")',
        "women_custody_pfa_edB_cjsq_dec2024.csv",
        630,
        "Same, MoJ December 2024 edition (courts re-mapped to PFAs), 42 PFAs x 2010-2024; "
        "2017 flagged suspect",
        _OGL,
        "MoJ CJSQ December 2024; PRT womens-imprisonment-PFA @9c577bdc0209, @9ac663c670ff",
    ),
    (
        "wsa_start_dates",
        "load_wsa_start_dates()",
        "wsa_start_dates.csv",
        27,
        "Start or funding dates of WSAs and women's diversion schemes by PFA, graded evidence",
        "Facts compiled from the public pages cited per row (official ones under OGL v3.0)",
        "Compiled for wsa_eval; source_url per row",
    ),
    (
        "england_wales_totals",
        "load_england_wales_totals()",
        "women_custody_england_wales_totals.csv",
        54,
        "England and Wales / England / Wales totals and adult female populations, editions A, B",
        _OGL,
        "PRT @e4e1cd9bca63 (A) and @9ac663c670ff (B); sums of PFA rows",
    ),
    (
        "gm_series",
        "load_gm_series()",
        "gm_vs_england_wales_series.csv",
        15,
        "Greater Manchester against England and Wales, 2010-2024, both editions",
        _OGL,
        "Built from the files above plus PRT-printed E&W rates",
    ),
    (
        "edition_comparison",
        "load_edition_comparison()",
        "women_custody_pfa_edition_comparison.csv",
        630,
        "Immediate custody by PFA and year in editions C, A and B side by side",
        _OGL,
        "PRT @791d43568cc8 (C), A and B as above",
    ),
    (
        "pfa_2009_fragments",
        "load_pfa_2009_fragments()",
        "women_custody_pfa_2009_fragments.csv",
        3,
        "The only surviving 2009 PFA values (3 PFAs)",
        _OGL,
        "PRT @791d43568cc8",
    ),
    (
        "published_claims",
        "load_published_claims()",
        "published_claims_vs_panel.csv",
        10,
        "Published claims about women's custody in WSA areas, checked against the panel",
        "Paraphrased claims with citations; panel values OGL v3.0",
        "source_url per row",
    ),
    (
        "reported_evaluations",
        "load_reported_evaluations()",
        "evaluations_reported_effects.csv",
        11,
        "Reported effects of evaluations of women's centres, WSAs and diversion schemes",
        "Paraphrased results with citations (MoJ Justice Data Lab: OGL v3.0)",
        "source_url per row",
    ),
    (
        "mpdta",
        "load_mpdta()",
        "mpdta.csv",
        2500,
        "County teen employment 2003-2007, Callaway & Sant'Anna (2021) minimum-wage example",
        "GPL-2 (R package did); underlying BLS QCEW data are US public domain",
        "R package did, data/mpdta.rda",
    ),
    (
        "rossi",
        "load_rossi()",
        "rossi.csv",
        432,
        "Rossi, Berk & Lenihan (1980) recidivism experiment, 432 released prisoners",
        "GPL (>= 2) (R package carData); licence of the data as such not stated",
        "R package carData, Rossi",
    ),
    (
        "mgus2_cr",
        "load_mgus2_cr()",
        "mgus2_cr.csv",
        1384,
        "MGUS cohort prepared for competing risks (progression vs death)",
        "LGPL (>= 2) (R package survival); licence of the data as such not stated",
        "R package survival, mgus2",
    ),
    (
        "prop99",
        "load_prop99()",
        "prop99_smoking.csv",
        1209,
        "California Proposition 99: 39 states x 1970-2000, cigarette sales and covariates",
        "MIT (pysyncon copy); originally R package Synth, GPL (>= 2)",
        "PyPI pysyncon",
    ),
    (
        "prop99_synthdid",
        "load_prop99_synthdid()",
        "prop99_california_synthdid.csv",
        1209,
        "California Proposition 99 as prepared for synthetic DiD (Arkhangelsky et al. 2021)",
        "MIT (synthdid.py copy); originally R package synthdid, GPL (>= 2) | BSD-3-Clause",
        "PyPI synthdid (d2cml-ai/synthdid.py)",
    ),
    (
        "basque",
        "load_basque()",
        "basque.csv",
        774,
        "Abadie & Gardeazabal (2003) Basque Country: 18 regions x 1955-1997",
        "MIT (pysyncon copy); originally R package Synth, GPL (>= 2)",
        "PyPI pysyncon",
    ),
    (
        "castle",
        "load_castle()",
        "castle.csv",
        550,
        "Cheng & Hoekstra (2013) castle-doctrine panel, 50 states x 2000-2010",
        "MIT (R package bacondecomp); licence of the replication data as such not stated",
        "R package bacondecomp / Cheng & Hoekstra (2013) replication data",
    ),
]


def list_datasets() -> pd.DataFrame:
    """Every shipped data set: ``name``, ``loader``, ``file``, ``rows``, ``description``,
    ``licence``, ``source``.

    The women's custody tables contain public sector information licensed under the Open
    Government Licence v3.0 (Ministry of Justice, Criminal Justice System statistics quarterly,
    as processed and published by the Prison Reform Trust). Where the licence of a reference
    data set as such is not stated, the ``licence`` column says so.

    Examples
    --------
    >>> from wsa_eval.datasets import list_datasets
    >>> cat = list_datasets()
    >>> cat.shape
    (16, 7)
    >>> cat.set_index("name").loc["rossi", "loader"]
    'load_rossi()'
    >>> cat["name"].tolist()[-7:]  # the public reference data sets
    ['mpdta', 'rossi', 'mgus2_cr', 'prop99', 'prop99_synthdid', 'basque', 'castle']
    """
    return pd.DataFrame(
        _CATALOGUE,
        columns=["name", "loader", "file", "rows", "description", "licence", "source"],
    )
