"""The general plots refuse what they cannot draw with the library's error (were bare
AttributeError / KeyError)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import WsaEvalError
from wsa_eval.plotting import draw_effects, effects_plot, event_study_plot, timing_plot
from wsa_eval.results import EffectResult, tidy_frame


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _result() -> EffectResult:
    eff = tidy_frame(["a", "b"], np.array([0.1, -0.2]), np.array([0.05, 0.1]))
    return EffectResult(method="m", estimate=0.1, se=0.05, ci_low=0.0, ci_high=0.2,
                        p_value=0.04, effects=eff)


class _NotTidy:
    method = "not tidy"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"estimate": [1.0]})


@pytest.mark.parametrize("func", [effects_plot, event_study_plot])
def test_result_plots_refuse_what_is_not_a_result(func):
    with pytest.raises(WsaEvalError, match=rf"{func.__name__}\(\) draws a wsa_eval result"):
        func(None)
    with pytest.raises(WsaEvalError, match="ci_low, ci_high missing"):
        func(_NotTidy())


def test_timing_plot_refuses_a_result_without_timing():
    with pytest.raises(WsaEvalError, match="validate_panel"):
        timing_plot(_result())


def test_draw_effects_names_the_missing_columns():
    fig, ax = plt.subplots()
    with pytest.raises(WsaEvalError, match="ci_low, ci_high missing"):
        draw_effects(ax, pd.DataFrame({"term": ["a"], "estimate": [1.0]}))


def test_a_result_still_plots():
    ax = effects_plot(_result())
    assert ax.get_ylabel() == "effect estimate"
