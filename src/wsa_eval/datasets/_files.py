"""Reading the CSV files shipped in ``wsa_eval/datasets/data`` (through importlib.resources)."""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

_PACKAGE = "wsa_eval.datasets"

OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/): Ministry "
    "of Justice, Criminal Justice System statistics quarterly (Outcomes by offence), as "
    "processed and published by the Prison Reform Trust "
    "(github.com/Prison-Reform-Trust/womens-imprisonment-PFA)."
)


def data_path(filename: str):
    """A Traversable for a shipped data file (works from a wheel or a source tree)."""
    return resources.files(_PACKAGE).joinpath("data", filename)


@functools.cache
def _read_cached(filename: str, sep: str) -> pd.DataFrame:
    with data_path(filename).open("rb") as fh:
        return pd.read_csv(fh, sep=sep)


def read_shipped(filename: str, sep: str = ",") -> pd.DataFrame:
    """A fresh copy of a shipped CSV (the parsed file is cached; callers may modify the copy)."""
    return _read_cached(filename, sep).copy(deep=True)
