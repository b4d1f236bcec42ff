"""Where the tests find the public reference data sets: the packaged data folder.

The public data sets behind the known-answer tests (mpdta, Rossi, mgus2, Proposition 99,
Basque, castle) ship in ``wsa_eval/datasets/data`` with their source and licence (README.md
there), so a clone of the repository alone runs every test. ``tests/test_reference_data.py``
checks the files against the checksums recorded when they were copied.
"""

from __future__ import annotations

from pathlib import Path

# the files the tests read through the ``reference_dir`` fixture
REFERENCE_FILES = (
    "basque.csv",
    "castle.csv",
    "mgus2_cr.csv",
    "mpdta.csv",
    "prop99_california_synthdid.csv",
    "prop99_smoking.csv",
    "rossi.csv",
)


def packaged_data_dir() -> Path:
    """``wsa_eval/datasets/data`` of the wsa_eval being tested."""
    import wsa_eval.datasets as ds

    return Path(ds.__file__).resolve().parent / "data"


def missing_files(folder: Path) -> list[str]:
    return [f for f in REFERENCE_FILES if not (folder / f).is_file()]
