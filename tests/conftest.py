"""Shared fixtures: the reference data sets, shipped inside the package.

The public data sets behind the known-answer tests (mpdta, Rossi, mgus2, Proposition 99,
Basque, castle) ship in ``wsa_eval/datasets/data`` with their source and licence (README.md
there); the tests read that folder, so a clone of the repository alone runs every test. A
missing file is a broken checkout: the fixture FAILS, it does not skip.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from refdata import missing_files, packaged_data_dir

matplotlib.use("Agg")

# scripts that make reference values (they import peer packages and write files): never
# collected, not even by --doctest-modules
collect_ignore_glob = ["reference/*"]


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The folder of the public reference data sets (the packaged data folder)."""
    folder = packaged_data_dir()
    missing = missing_files(folder)
    if missing:
        pytest.fail(f"reference data file(s) {', '.join(missing)} missing from {folder}: the "
                    "checkout or installation is incomplete (they are part of the package).",
                    pytrace=False)
    return folder


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
