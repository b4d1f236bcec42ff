"""Reference data fixtures shared by the DiD tests: the packaged copies in
``wsa_eval/datasets/data`` (sources and licences in its README; checksums in
tests/reference/datasets/SHA256SUMS)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parents[2] / "src" / "wsa_eval" / "datasets" / "data"


@pytest.fixture(scope="module")
def castle():
    """Cheng & Hoekstra (2013) castle-doctrine panel; ``g`` = first treated year (0: never)."""
    d = pd.read_csv(DATA / "castle.csv")
    first = d.loc[d.post == 1].groupby("state")["year"].min()
    d["g"] = d["state"].map(first).fillna(0).astype(int)
    return d


@pytest.fixture(scope="module")
def mpdta():
    """Callaway & Sant'Anna (2021) minimum-wage example."""
    return pd.read_csv(DATA / "mpdta.csv")
