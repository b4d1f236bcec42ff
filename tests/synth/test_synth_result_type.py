"""The placebo and conformal functions refit a synthetic_control() fit; given any other
result they must say so with the library's error, not an AttributeError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import SpecificationError
from wsa_eval.synth import (
    conformal_inference,
    did,
    leave_one_out,
    placebo_in_space,
    placebo_in_time,
    synthetic_control,
)


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = [{"area": f"A{i}", "year": t, "y": 10 + i + 0.5 * t + rng.normal(0, 0.3)}
            for i in range(6) for t in range(10)]
    return pd.DataFrame(rows)


KW = dict(outcome="y", unit="area", time="year", treated="A0", start=7)

FUNCS = [placebo_in_space, placebo_in_time, leave_one_out, conformal_inference]


@pytest.mark.parametrize("func", FUNCS, ids=lambda f: f.__name__)
def test_sdid_family_result_is_refused_with_a_hint(func):
    r = did(_panel(), **KW, inference=None)
    with pytest.raises(SpecificationError, match=rf"{func.__name__}\(\) needs the result of "
                       r"wsa_eval.synth.synthetic_control\(\), not SDIDResult.*"
                       r"inference='placebo'"):
        func(r)


@pytest.mark.parametrize("func", FUNCS, ids=lambda f: f.__name__)
def test_anything_else_is_refused(func):
    with pytest.raises(SpecificationError, match="not NoneType"):
        func(None)


def test_a_synthetic_control_fit_still_works():
    fit = synthetic_control(_panel(), **KW, random_state=0)
    assert leave_one_out(fit, progress=False).loo is not None
