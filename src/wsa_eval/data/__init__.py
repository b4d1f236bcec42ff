"""Loaders for the official files an area analyst downloads, and PFA name harmonisation.

* :func:`read_moj_outcomes` -- Ministry of Justice "Outcomes by offence" CSVs (December 2024,
  December 2022 and 2009-2019 layouts) -> sentences by police force area, year and outcome;
* :func:`read_ons_population` -- ONS mid-year population estimates, by local authority (with a
  local authority -> PFA lookup) or by PFA -> population by PFA and year;
* :func:`add_rates` -- counts per 100,000 population, with clear errors for PFA-years without
  a population;
* :func:`harmonise_pfa` -- one spelling for every police force area (:data:`PFA_NAMES`).
"""

from .._pfa import CITY_OF_LONDON, PFA_CODES, PFA_NAMES, harmonise_pfa
from ._moj import AGE_18_PLUS, MOJ_LAYOUTS, read_moj_outcomes
from ._population import add_rates, read_ons_population

__all__ = [
    "read_moj_outcomes",
    "read_ons_population",
    "add_rates",
    "harmonise_pfa",
    "PFA_NAMES",
    "PFA_CODES",
    "CITY_OF_LONDON",
    "MOJ_LAYOUTS",
    "AGE_18_PLUS",
]
