"""Reference data fixtures shared by the DiD tests (read through the root ``reference_dir``)."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def castle(reference_dir):
    """Cheng & Hoekstra (2013) castle-doctrine panel; ``g`` = first treated year (0: never)."""
    d = pd.read_csv(reference_dir / "castle.csv")
    first = d.loc[d.post == 1].groupby("state")["year"].min()
    d["g"] = d["state"].map(first).fillna(0).astype(int)
    return d


@pytest.fixture(scope="module")
def mpdta(reference_dir):
    """Callaway & Sant'Anna (2021) minimum-wage example."""
    return pd.read_csv(reference_dir / "mpdta.csv")
