"""Reference data sets shipped for the known-answer examples (wsa_eval.datasets).

Shapes and facts from the data README (``wsa_eval/datasets/data/README.md``) and the cited
papers. The loaders must return the CSV files' values unchanged (the raw files are read through
the ``reference_dir`` fixture); tests/test_reference_data.py checks the files themselves against
the checksums of the project's copies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.datasets import (
    load_basque,
    load_castle,
    load_mgus2_cr,
    load_mpdta,
    load_prop99,
    load_prop99_synthdid,
    load_rossi,
)

CASES = [
    (load_mpdta, "mpdta.csv", ",", (2500, 6)),
    (load_rossi, "rossi.csv", ",", (432, 11)),
    (load_mgus2_cr, "mgus2_cr.csv", ",", (1384, 5)),
    (load_prop99, "prop99_smoking.csv", ",", (1209, 7)),
    (load_prop99_synthdid, "prop99_california_synthdid.csv", ";", (1209, 4)),
    (load_basque, "basque.csv", ",", (774, 17)),
    (load_castle, "castle.csv", ",", (550, 9)),
]


@pytest.mark.parametrize(("loader", "file", "sep", "shape"), CASES)
def test_same_values_as_project_copy(loader, file, sep, shape, reference_dir):
    mine = loader()
    ref = pd.read_csv(reference_dir / file, sep=sep)
    assert mine.shape == shape == ref.shape
    assert list(mine.columns) == list(ref.columns)
    # integer conversions in the loaders lose nothing
    pd.testing.assert_frame_equal(mine, ref, check_dtype=False)


def test_mpdta_structure():
    d = load_mpdta()
    assert d.year.dtype == np.int64 and d["first.treat"].dtype == np.int64
    assert sorted(d["first.treat"].unique()) == [0, 2004, 2006, 2007]  # 0 = never treated
    assert d.countyreal.nunique() == 500 and sorted(d.year.unique()) == list(range(2003, 2008))
    assert ((d["first.treat"] > 0).astype(int) == d.treat).all()


def test_rossi_structure():
    d = load_rossi()
    assert d.week.between(1, 52).all()
    assert set(d.arrest) == {0, 1} and set(d.fin) == {0, 1}
    assert d.arrest.sum() == 114  # Rossi et al.: 114 of 432 arrested within a year


def test_mgus2_and_castle_and_synth_panels():
    m = load_mgus2_cr()
    assert set(m.event) == {0, 1, 2}
    c = load_castle()
    assert c.state.nunique() == 50 and sorted(c.year.unique()) == list(range(2000, 2011))
    cohorts = sorted(c.treatment_date.dropna().unique())
    assert cohorts == [2005, 2006, 2007, 2008, 2009]
    p = load_prop99()
    assert p.state.nunique() == 39 and p.year.min() == 1970 and p.year.max() == 2000
    s = load_prop99_synthdid()
    assert s.State.nunique() == 39
    assert s.loc[s.treated == 1, "State"].unique().tolist() == ["California"]
    assert s.loc[s.treated == 1, "Year"].min() == 1989
    b = load_basque()
    assert b.regionno.nunique() == 18 and b.year.min() == 1955 and b.year.max() == 1997
