"""The shared result object: tidy table, immutability, summary, plot, interpretation."""

from __future__ import annotations

import dataclasses
import math

import matplotlib.axes
import numpy as np
import pandas as pd
import pytest

from wsa_eval import TIDY_COLUMNS, EffectResult, compare
from wsa_eval.errors import SpecificationError
from wsa_eval.interpret import INCONCLUSIVE, INCREASE, REDUCTION, verdict
from wsa_eval.results import make_spec, tidy_frame


def make_result(est=-0.3, se=0.1) -> EffectResult:
    eff = tidy_frame(["e-1", "e0", "e1"], [0.01, est, est], [se] * 3,
                     extra={"event_time": [-1, 0, 1]})
    z = 1.959963984540054
    return EffectResult(method="Test estimator", estimate=est, se=se, ci_low=est - z * se,
                        ci_high=est + z * se, p_value=0.0027, effects=eff,
                        spec=make_spec("test", {"alpha": 0.05}, seed=3))


def test_tidy_frame_columns_and_normal_inference():
    f = tidy_frame(["a"], [1.0], [0.5])
    assert tuple(f.columns) == TIDY_COLUMNS
    assert f.statistic.iloc[0] == 2.0
    assert math.isclose(f.p_value.iloc[0], 0.04550026389635842, rel_tol=1e-12)
    assert math.isclose(f.ci_low.iloc[0], 1 - 1.959963984540054 * 0.5, rel_tol=1e-12)
    # Student t with df
    ft = tidy_frame(["a"], [1.0], [0.5], df=10)
    assert ft.p_value.iloc[0] > f.p_value.iloc[0]


def test_result_is_immutable_and_effects_are_copies():
    r = make_result()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 1.0
    f = r.to_frame()
    f.loc[0, "estimate"] = 99
    assert r.to_frame().loc[0, "estimate"] == 0.01


def test_summary_text_html_and_spec():
    r = make_result()
    s = r.summary()
    text = str(s)
    assert "Test estimator" in text and "Seed: 3." in text and "e0" in text
    assert "<table>" in s._repr_html_()
    assert r.spec["wsa_eval_version"] and r.spec["seed"] == 3


def test_plot_returns_axes_and_rejects_unknown_kind():
    r = make_result()
    assert isinstance(r.plot(), matplotlib.axes.Axes)
    from wsa_eval.errors import SpecificationError

    with pytest.raises(SpecificationError, match="not available"):
        r.plot(kind="nonsense")


@pytest.mark.parametrize(
    "est,lo,hi,p,expected",
    [(-0.3, -0.5, -0.1, 0.003, REDUCTION), (0.3, 0.1, 0.5, 0.003, INCREASE),
     (-0.3, -0.7, 0.1, 0.2, INCONCLUSIVE), (-0.3, math.nan, math.nan, 0.01, REDUCTION),
     (-0.3, -0.5, -0.1, 0.2, INCONCLUSIVE), (math.nan, -1, 1, 0.5, INCONCLUSIVE)],
)
def test_verdict_vocabulary(est, lo, hi, p, expected):
    assert verdict(est, lo, hi, p, 0.05) == expected


def test_interpret_never_says_no_effect():
    r = make_result(est=-0.1, se=0.2)
    r = r.replace(p_value=0.6)
    text = r.interpret()
    assert text.startswith("Test estimator: inconclusive")
    assert "no effect" not in text.replace("had no effect", "")


def test_compare_stacks_headlines():
    out = compare({"a": make_result(), "b": make_result(-0.1)})
    assert list(out["model"]) == ["a", "b"]
    assert set(TIDY_COLUMNS) <= set(out.columns)
    np.testing.assert_allclose(out["estimate"], [-0.3, -0.1])
    assert isinstance(out, pd.DataFrame)


@pytest.mark.parametrize("bad", [[], {}, [object()], {"a": make_result(), "b": 1}])
def test_compare_refuses_no_result_or_one_without_a_headline(bad):
    # was pandas' "No objects to concatenate" or a bare AttributeError
    with pytest.raises(SpecificationError, match="compare"):
        compare(bad)
