"""Public reference data sets behind published results, for known-answer examples and tests.

Each loader's docstring names the data set's origin, the copy shipped here and its licence.
See ``wsa_eval/datasets/data/README.md`` for the full table.
"""

from __future__ import annotations

import pandas as pd

from ._files import read_shipped

__all__ = [
    "load_mpdta",
    "load_rossi",
    "load_mgus2_cr",
    "load_prop99",
    "load_prop99_synthdid",
    "load_basque",
    "load_castle",
]


def _ints(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for c in columns:
        frame[c] = frame[c].astype("int64")
    return frame


def load_mpdta() -> pd.DataFrame:
    """County teen employment 2003-2007: Callaway and Sant'Anna (2021) minimum-wage example.

    2,500 rows (500 counties x 5 years): ``year``, ``countyreal`` (county id), ``lpop`` (log
    population), ``lemp`` (log teen employment), ``first.treat`` (first year with a higher
    minimum wage: 2004, 2006, 2007, or 0 = never treated), ``treat`` (1 if ever treated).
    Column names as in R.

    Source: the R package ``did`` (Callaway and Sant'Anna), ``data/mpdta.rda``; built from US
    Bureau of Labor Statistics QCEW data (a US federal work, public domain). The ``did``
    package is GPL-2; the data set is redistributed here with that attribution.

    Reference: Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with
    multiple time periods. Journal of Econometrics 225(2), 200-230.

    Examples
    --------
    >>> from wsa_eval.datasets import load_mpdta
    >>> d = load_mpdta()
    >>> d.shape
    (2500, 6)
    >>> sorted(d["first.treat"].unique().tolist())  # 0 = never treated
    [0, 2004, 2006, 2007]
    """
    return _ints(read_shipped("mpdta.csv"), ["year", "countyreal", "first.treat", "treat"])


def load_rossi() -> pd.DataFrame:
    """Rossi, Berk and Lenihan (1980) recidivism experiment: 432 men released from prison.

    Columns ``id``, ``week`` (week of first arrest, or 52 if not arrested in the first year),
    ``arrest`` (1 = arrested), ``fin`` (financial aid, randomised; 1 = yes), ``age``, ``race``
    (1 = other), ``wexp`` (work experience; 1 = yes), ``mar`` (1 = not married), ``paro``
    (released on parole; 1 = yes), ``prio`` (prior convictions), ``educ`` (education code).
    Coded as R's treatment contrasts of ``carData::Rossi``; note that lifelines' copy codes
    ``race`` and ``mar`` the other way round.

    Source: R package ``carData`` (Fox, Weisberg and Price; GPL (>= 2)), data set ``Rossi``,
    from Rossi, P. H., Berk, R. A. and Lenihan, K. J. (1980), Money, Work and Crime:
    Some Experimental Results, Academic Press. The licence of the data as such is not stated
    separately from the R package: see ``wsa_eval/datasets/data/README.md``.

    Examples
    --------
    >>> from wsa_eval.datasets import load_rossi
    >>> d = load_rossi()
    >>> len(d), int(d["arrest"].sum())  # 114 of 432 men arrested within a year
    (432, 114)
    >>> d.groupby("fin")["arrest"].mean().round(3).to_dict()  # by financial aid
    {0: 0.306, 1: 0.222}
    """
    return read_shipped("rossi.csv")


def load_mgus2_cr() -> pd.DataFrame:
    """Monoclonal gammopathy (MGUS) cohort prepared for competing risks (1,384 patients).

    Columns ``id``, ``sex`` ("F"/"M"), ``age`` (at diagnosis), ``etime`` (months to the first
    of progression, death or censoring), ``event`` (1 = progression to plasma cell malignancy,
    2 = death, 0 = censored): the standard cumulative-incidence example of
    ``survival::mgus2`` (Therneau, "Multi-state models and competing risks" vignette).

    Source: R package ``survival`` (Therneau; LGPL (>= 2)), data set ``mgus2`` (Mayo Clinic;
    Kyle et al. 2002, New England Journal of Medicine 346, 564-569). The licence of the data as
    such is not stated separately from the R package: see
    ``wsa_eval/datasets/data/README.md``.

    Examples
    --------
    >>> from wsa_eval.datasets import load_mgus2_cr
    >>> d = load_mgus2_cr()
    >>> d["event"].value_counts().sort_index().to_dict()  # censored, progression, death
    {0: 409, 1: 115, 2: 860}
    """
    return read_shipped("mgus2_cr.csv")


def load_prop99() -> pd.DataFrame:
    """California Proposition 99 tobacco control data: 39 US states x 1970-2000.

    Columns ``state``, ``year``, ``cigsale`` (cigarette packs sold per capita), ``lnincome``,
    ``beer``, ``age15to24``, ``retprice`` (covariates missing in some years, as in the
    original). The synthetic-control example of Abadie, Diamond and Hainmueller (2010),
    Journal of the American Statistical Association 105(490), 493-505.

    Source: the copy shipped with the PyPI package ``pysyncon`` (MIT licence; originally from
    the R package ``Synth``, GPL (>= 2)).

    Examples
    --------
    >>> from wsa_eval.datasets import load_prop99
    >>> d = load_prop99()
    >>> d["state"].nunique(), d["year"].agg(["min", "max"]).tolist()
    (39, [1970, 2000])
    >>> round(float(d.query("state == 'California' and year == 1988")["cigsale"].iloc[0]), 1)
    90.1
    """
    return _ints(read_shipped("prop99_smoking.csv"), ["year"])


def load_prop99_synthdid() -> pd.DataFrame:
    """California Proposition 99 data as prepared for synthetic difference-in-differences.

    1,209 rows: ``State``, ``Year``, ``PacksPerCapita``, ``treated`` (1 for California from
    1989). The example of Arkhangelsky, Athey, Hirshberg, Imbens and Wager (2021), Synthetic
    difference-in-differences, American Economic Review 111(12), 4088-4118.

    Source: the copy shipped with the PyPI ``synthdid`` port (d2cml-ai/synthdid.py, MIT
    licence), itself from the R package ``synthdid``
    (licence GPL (>= 2) or BSD-3-Clause).

    Examples
    --------
    >>> from wsa_eval.datasets import load_prop99_synthdid
    >>> d = load_prop99_synthdid()
    >>> list(d.columns)
    ['State', 'Year', 'PacksPerCapita', 'treated']
    >>> d.loc[d["treated"] == 1, ["State", "Year"]].agg({"State": "unique", "Year": "min"})
    State    [California]
    Year             1989
    dtype: object
    """
    return read_shipped("prop99_california_synthdid.csv", sep=";")


def load_basque() -> pd.DataFrame:
    """Abadie and Gardeazabal (2003) Basque Country data: 18 Spanish regions x 1955-1997.

    Columns ``regionno``, ``regionname``, ``year``, ``gdpcap`` (real GDP per capita, thousands
    of 1986 USD), sector shares ``sec.*``, schooling ``school.*``, ``popdens``, ``invest``
    (covariates missing in many years, as in the original). Abadie, A. and Gardeazabal, J.
    (2003). The economic costs of conflict. American Economic Review 93(1), 113-132.

    Source: the copy shipped with the PyPI package ``pysyncon`` (MIT licence; originally
    the R package ``Synth``, GPL (>= 2)).

    Examples
    --------
    >>> from wsa_eval.datasets import load_basque
    >>> d = load_basque()
    >>> d["regionname"].nunique(), d["year"].agg(["min", "max"]).tolist()
    (18, [1955, 1997])
    >>> "Basque Country (Pais Vasco)" in set(d["regionname"])
    True
    """
    return _ints(read_shipped("basque.csv"), ["regionno", "year"])


def load_castle() -> pd.DataFrame:
    """Castle-doctrine laws and homicide: 50 US states x 2000-2010 (Cheng and Hoekstra 2013).

    Columns ``state``, ``year``, ``sid``, ``cdl`` (share of the year with the law),
    ``population``, ``l_homicide`` (log homicides per 100,000), ``popwt``, ``treatment_date``
    (adoption year 2005-2009; NaN = never treated), ``post`` (0/1). As used in Goodman-Bacon
    (2021), Journal of Econometrics 225(2), 254-277, and the R ``bacondecomp`` package
    (published TWFE estimate 0.0818). The PyPI ``causaldata`` copy codes ``post`` differently
    in 21 state-years: do not substitute it.

    Source: Cheng, C. and Hoekstra, M. (2013), Journal of Human Resources 48(3), 821-854,
    replication data; as distributed with the R package ``bacondecomp`` (MIT licence in its
    DESCRIPTION). The licence of the
    replication data as such is not stated: see ``wsa_eval/datasets/data/README.md``.

    Examples
    --------
    >>> from wsa_eval.datasets import load_castle
    >>> d = load_castle()
    >>> d["state"].nunique(), d["year"].agg(["min", "max"]).tolist()
    (50, [2000, 2010])
    >>> d.groupby("treatment_date")["state"].nunique().to_dict()  # states per adoption year
    {2005.0: 3, 2006.0: 11, 2007.0: 4, 2008.0: 2, 2009.0: 1}
    """
    return _ints(read_shipped("castle.csv"), ["year", "sid", "population"])
