"""Shared fixtures: the reference data folder (../shared/data/reference) when present."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = ROOT.parent / "shared" / "data" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The folder of public reference data sets; tests needing it skip when it is absent."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"reference data folder {SHARED_REFERENCE} not found (outside the project CI)")
    return SHARED_REFERENCE


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
