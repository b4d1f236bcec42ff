"""Disclosure control rules (wsa_eval.disclosure): one test per rule, on hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.content import Count, Table, Text, Value
from wsa_eval.disclosure import (
    Policy,
    SuppressionLog,
    render_text,
    safe_mapping,
    scrub_free_text,
    suppress_table,
)
from wsa_eval.errors import SpecificationError

P = Policy(5)


def test_primary_suppression_of_declared_counts_only():
    t = Table("t", pd.DataFrame({"group": ["a", "b", "c"], "n": [0, 3, 12],
                                 "score": [1.0, 2.0, 3.0]}), counts={"n": "women"})
    s = suppress_table(t, P)
    assert s.mask["n"].tolist() == [False, True, False]  # zero is shown
    assert s.display.iloc[:, 1].tolist() == ["0", "<5", "12"]
    assert not s.mask["score"].any()  # small numbers that are not counts stay
    assert np.isnan(s.values.loc[1, "n"])


def test_a_column_named_like_a_count_is_not_suppressed_unless_declared():
    """Suppression keys on declarations, not on column names (issue 10 section 1)."""
    t = Table("t", pd.DataFrame({"n_at_risk": [3, 2], "people": [4, 1]}))
    assert suppress_table(t, P).n_suppressed == 0


def test_revealing_columns_follow_their_count():
    f = pd.DataFrame({"year": [2016, 2017], "actual": [8, 3], "log_actual": np.log([8, 3]),
                      "rate": [80.0, 30.0]})
    t = Table("t", f, counts={"actual": "women"},
              reveals={"log_actual": "actual", "rate": ("actual",)})
    s = suppress_table(t, P)
    assert s.mask.loc[1].tolist() == [False, True, True, True]
    assert s.mask.loc[0].sum() == 0


def test_shares_protect_the_small_remainder():
    """27 of 30 reoffended: the 3 who did not are a small count too."""
    f = pd.DataFrame({"n": [30, 40], "reoffended": [27, 20]})
    s = suppress_table(Table("t", f, counts={"n": "", "reoffended": ""},
                             shares={"reoffended": "n"}), P)
    assert s.mask["reoffended"].tolist() == [True, False]


def test_complementary_suppression_with_a_total_row():
    f = pd.DataFrame({"n": [3, 10, 12, 25]}, index=["a", "b", "c", "Total"])
    s = suppress_table(Table("t", f, counts={"n": ""}, total_row="Total"), P)
    # 3 alone would be recovered as 25 - 10 - 12: the next smallest part goes too
    assert s.mask["n"].tolist() == [True, True, False, False]


def test_complementary_suppression_when_the_total_is_known_elsewhere():
    f = pd.DataFrame({"group": ["a", "b"], "observed": [2, 40]})
    s = suppress_table(Table("t", f, counts={"observed": ""}, known_total=("observed",)), P)
    assert s.mask["observed"].tolist() == [True, True]


def test_cumulative_at_risk_counts_are_merged_until_each_step_is_large():
    """At-risk counts 30, 29, 27, 22, 21, 10: differences of 1, 2 and 1 would reveal small
    numbers of events or censorings; rows merge until each step is >= 5."""
    f = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6], "n_at_risk": [30, 29, 27, 22, 21, 10],
                      "n_events": [1, 2, 5, 1, 3, 2], "estimate": [.97, .9, .73, .7, .6, .5]})
    log = SuppressionLog()
    s = suppress_table(Table("km", f, counts={"n_at_risk": "", "n_events": ""},
                             sequence=("n_at_risk",)), P, log)
    risk = s.values["n_at_risk"].dropna().to_numpy()
    steps = -np.diff(risk)
    assert np.all((steps == 0) | (steps >= 5))
    assert s.values["n_events"].sum() <= f["n_events"].sum()
    assert log.merged_rows > 0
    # the shown survival estimate is the one at the end of each merged block
    assert set(s.values["estimate"]) <= set(f["estimate"])


def test_external_counts_suppress_the_cells_that_reveal_them():
    f = pd.DataFrame({"what": ["actual", "attributable"], "change": [-0.62, -0.48]})
    t = Table("t", f, external={(0, "change"): (Count(8), Count(3))})
    s = suppress_table(t, P)
    assert s.mask["change"].tolist() == [True, False]


def test_hidden_columns_are_used_but_never_shown():
    f = pd.DataFrame({"rate": [10.0, 50.0], "people": [3, 20]})
    s = suppress_table(Table("t", f, counts={"people": ""}, reveals={"rate": "people"},
                             hidden=("people",)), P)
    assert list(s.values.columns) == ["rate"] and s.mask["rate"].tolist() == [True, False]


def test_sentences_with_counts_and_values():
    t = Text("{n} of the {m} women reoffended.", {"n": Count(3), "m": Count(40)})
    assert render_text(t, P) == "fewer than 5 of the 40 women reoffended."
    v = Text("The rate fell by {x}.", {"x": Value(-0.62, "pct_unsigned", reveals=(Count(3),))},
             fallback="The change is not shown.")
    assert render_text(v, P) == "The change is not shown."
    assert render_text(v, Policy(2)) == "The rate fell by 62%."
    assert render_text(Text("x", reveals=(Count(2),)), P) is None


@pytest.mark.parametrize("text, expected", [
    ("3 of the 40 women", "fewer than 5 of the 40 women"),
    ("Of the women, 3 reoffended.", "Of the women, fewer than 5 reoffended."),
    ("Only 4 treated women took part.", "Only fewer than 5 treated women took part."),
    ("two women were recalled", "fewer than 5 women were recalled"),
    ("n = 3", "n = <5"),
    ("In 2016, 3.5% of 2,000 women", "In 2016, 3.5% of 2,000 women"),
    ("12 women and 2 areas", "12 women and fewer than 5 areas"),
    ("The scheme started in 2014 in 3 areas.", "The scheme started in 2014 in 3 areas."),
])
def test_free_text_safety_net(text, expected):
    assert scrub_free_text(text, P) == expected


def test_headline_numbers_for_json():
    out = safe_mapping({"n": Count(3), "m": Count(30), "e": Value(-0.4, reveals=(Count(3),)),
                        "f": Value(-0.2)}, P)
    assert out == {"n": "<5", "m": 30, "e": None, "f": -0.2}


def test_threshold_is_checked_and_configurable():
    with pytest.raises(SpecificationError, match="threshold"):
        Policy(0)
    t = Table("t", pd.DataFrame({"n": [7]}), counts={"n": ""})
    assert suppress_table(t, Policy(10)).display.iloc[0, 0] == "<10"
    assert "fewer than 10" in Policy(10).words
