"""Checks of the faster paths in wsa_eval.panel.validate_panel used by callaway_santanna
(duplicates through one integer key, per-unit constancy of first_treated, skipping the sort
of already sorted data): they must behave exactly like the pandas operations they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import PanelError
from wsa_eval.panel import _duplicated_pairs, _sorted_by, validate_panel


def _panel(units, T=4, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"u": np.repeat(units, T), "t": np.tile(np.arange(2000, 2000 + T),
                                                                len(units)),
                         "y": rng.normal(size=len(units) * T)})


@pytest.mark.parametrize("units", [[3, 1, 2], ["b", "a", "c"], [1.5, 0.5, 2.5]])
def test_duplicated_pairs_equals_pandas(units):
    df = _panel(units)
    df = pd.concat([df, df.iloc[[0, 5]]], ignore_index=True).sample(frac=1, random_state=1)
    pd.testing.assert_series_equal(_duplicated_pairs(df, "u", "t"),
                                   df.duplicated(["u", "t"], keep=False))


def test_sorted_by_matches_sort_values():
    for units in ([1, 2, 3], ["a", "b", "c"], [3, 1, 2], ["b", "a"]):
        df = _panel(units)
        expect = df.equals(df.sort_values(["u", "t"], kind="stable"))
        assert _sorted_by(df, "u", "t") == expect
        shuffled = df.sample(frac=1, random_state=2)
        assert _sorted_by(shuffled, "u", "t") == shuffled.equals(
            shuffled.sort_values(["u", "t"], kind="stable"))
    cat = _panel(["a", "b"]).astype({"u": "category"})
    assert not _sorted_by(cat, "u", "t")


def test_validate_sorts_unsorted_input_and_reports_problems():
    df = _panel(["b", "a", "c"]).sample(frac=1, random_state=3)
    rep = validate_panel(df, unit="u", time="t", outcome="y")
    assert list(rep.data["u"]) == sorted(rep.data["u"])
    assert rep.data.groupby("u")["t"].apply(lambda s: s.is_monotonic_increasing).all()
    dup = pd.concat([df, df.iloc[:1]])
    with pytest.raises(PanelError, match="2 rows share a unit and period"):
        validate_panel(dup, unit="u", time="t", outcome="y")
    g = _panel([1, 2, 3]).assign(g=[0, 0, 0, 0, 2002, 2002, 2003, 2002, 0, 0, 0, 0])
    with pytest.raises(PanelError, match=r"varies for unit\(s\) 2"):
        validate_panel(g, unit="u", time="t", outcome="y", first_treated="g")
