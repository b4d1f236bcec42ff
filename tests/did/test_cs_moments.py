"""The cohort-moment engine of Callaway & Sant'Anna (wsa_eval.did._cs_moments) against the
unit-level engine: same ATT(g,t) and the same Gram matrix of the influence-function basis
(hence the same standard errors), to 1e-10 relative, over control groups, base periods,
anticipation, weights and a panel without never-treated units; and the fast data checks
(quick_panel) hand anything unusual to validate_panel."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.did._cs_data import prepare_cs
from wsa_eval.did._cs_engine import plan_cells
from wsa_eval.did._cs_fit import fit_cells
from wsa_eval.did._cs_moments import hash_arrays, quick_panel
from wsa_eval.did.staggered import callaway_santanna


def _panel(n=300, T=8, seed=0, never=True, level=0.0):
    rng = np.random.default_rng(seed)
    choices = [0, 3, 5, 7] if never else [3, 5, 7]
    g = rng.choice(choices, size=n)
    a = rng.normal(size=n)
    t = np.tile(np.arange(1, T + 1), n)
    gg = np.repeat(g, T)
    eff = np.where((gg > 0) & (t >= gg), 0.5 + 0.1 * (t - gg), 0.0)
    y = level + np.repeat(a, T) + 0.1 * t + eff + rng.normal(size=n * T)
    return pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": t, "g": gg, "y": y,
                         "w": np.repeat(rng.uniform(0.5, 3.0, size=n), T)})


CASES = [
    dict(control_group="never_treated", base_period="varying", anticipation=0),
    dict(control_group="not_yet_treated", base_period="varying", anticipation=0),
    dict(control_group="never_treated", base_period="universal", anticipation=0),
    dict(control_group="not_yet_treated", base_period="universal", anticipation=1),
    dict(control_group="not_yet_treated", base_period="varying", anticipation=0,
         weights="w"),
    dict(control_group="not_yet_treated", base_period="varying", anticipation=0,
         never=False),
    dict(control_group="never_treated", base_period="varying", anticipation=0,
         level=1e6),  # large level, small spread: the centred moments keep their accuracy
]


@pytest.mark.parametrize("case", CASES)
def test_moments_equal_unit_level_engine(case):
    case = dict(case)
    df = _panel(never=case.pop("never", True), level=case.pop("level", 0.0))
    weights = case.pop("weights", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = prepare_cs(df, outcome="y", unit="id", time="t", first_treated="g",
                       covariates=[], panel=True, weights=weights, cluster=None,
                       control_group=case["control_group"], anticipation=case["anticipation"])
    plan = plan_cells(d.glist, d.times, case["base_period"], case["anticipation"])
    kw = dict(control_group=case["control_group"], method="dr",
              anticipation=case["anticipation"], covariates=[], outcome="y", time="t",
              panel=True)
    att_m, gram_m, sums_m = fit_cells(d, plan, need_basis=False, **kw)
    att_u, gram_u, sums_u = fit_cells(d, plan, need_basis=True, **kw)
    assert sums_m is None and sums_u is not None
    scale = np.abs(att_u).max()
    np.testing.assert_allclose(att_m, att_u, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(gram_m, gram_u, rtol=0, atol=1e-10 * np.abs(gram_u).max())


def test_bootstrap_after_moment_fit_uses_the_same_basis():
    df = _panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        an = callaway_santanna(df, outcome="y", unit="id", time="t", first_treated="g")
        bs = callaway_santanna(df, outcome="y", unit="id", time="t", first_treated="g",
                               inference="bootstrap", reps=300, random_state=4)
    a = an.aggregate("dynamic", inference="bootstrap", reps=300, random_state=4)
    b = bs.aggregate("dynamic")
    np.testing.assert_allclose(a.effects["std_error"], b.effects["std_error"], rtol=1e-12)


def test_quick_panel_hands_unusual_data_to_validate_panel():
    df = _panel(n=50, T=8)
    kw = dict(unit="id", time="t", outcome="y", first_treated="g", anticipation=0,
              control_group="never_treated")
    assert quick_panel(df, **kw) is not None
    odd = [df.iloc[::-1],  # not sorted
           df.iloc[1:],  # unbalanced
           df.assign(y=df.y.where(df.index != 7)),  # missing outcome
           df.assign(g=np.where(df.index == 3, 4, df.g)),  # g varies within a unit
           df.assign(g=np.where(df.g == 3, 1, df.g)),  # treated from the first period
           df.assign(g=np.where(df.g == 3, 9, df.g)),  # treated after the data end
           df.assign(g=np.where(df.g == 0, 3, df.g)),  # no never-treated unit
           df.loc[df.t != 3],  # a gap in the periods
           df.assign(id=df.id.astype(str)),  # text ids
           df.assign(t=df.t.astype(float).where(df.index != 2))]  # missing period
    for bad in odd:
        assert quick_panel(bad, **kw) is None
    # and the estimator still reports them through validate_panel
    with pytest.warns(Warning, match="first observed period"):
        callaway_santanna(odd[4], outcome="y", unit="id", time="t", first_treated="g")


def test_data_hash_changes_with_any_value_and_not_otherwise():
    a = np.random.default_rng(1).normal(size=100_001)
    b = np.arange(100_001)
    h = hash_arrays(a, b, names=("y", "id"))
    assert h == hash_arrays(a.copy(), b.copy(), names=("y", "id"))
    a2 = a.copy()
    a2[70_000] = np.nextafter(a2[70_000], 1)
    assert hash_arrays(a2, b, names=("y", "id")) != h
    swapped = a.copy()
    swapped[[0, 1]] = swapped[[1, 0]]
    assert hash_arrays(swapped, b, names=("y", "id")) != h
    assert hash_arrays(a, b, names=("y", "unit")) != h
