"""The grouped one-pass Kaplan-Meier path equals the per-group product-limit computation.

SOURCE: ``km_curve`` run on each group separately (the path checked against R's survfit in
test_km_reference.py). TOLERANCE: exact equality; both sum the same weights in row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import DataWarning
from wsa_eval.survival._km_core import grouped_curves as _grouped_curves
from wsa_eval.survival.km import kaplan_meier, km_curve


def _sim(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "t": np.ceil(rng.exponential(40, n)),  # day-resolution times: many ties
        "e": rng.integers(0, 2, n),
        "g": rng.choice(["c", "a", "b"], n),
        "k": rng.integers(1, 4, n).astype(float),  # whole-number (frequency) weights
    })


@pytest.mark.parametrize("use_w", [False, True])
def test_grouped_curves_equal_per_group_curves(use_w):
    d = _sim()
    codes, levels = pd.factorize(d["g"], sort=True)
    t, e = d["t"].to_numpy(float), d["e"].to_numpy() == 1
    w = d["k"].to_numpy(float) if use_w else None
    fast = _grouped_curves(t, e, w, codes.astype(np.int64), len(levels))
    probe = np.array([0.0, 0.5, 1.0, 17.0, 40.5, 1e6])
    for g, c in enumerate(fast):
        m = codes == g
        ref = km_curve(t[m], e[m], None if w is None else w[m])
        for field in ("time", "n_at_risk", "n_events", "surv", "var_log", "censor_times",
                      "durations", "weights"):
            np.testing.assert_array_equal(getattr(c, field), getattr(ref, field), field)
        assert (c.n, c.tmax) == (ref.n, ref.tmax)
        np.testing.assert_array_equal(c.at_risk(probe), ref.at_risk(probe))


def test_grouped_curves_give_a_flat_curve_to_a_group_without_events():
    d = _sim(300)
    d.loc[d["g"] == "b", "e"] = 0
    codes, levels = pd.factorize(d["g"], sort=True)
    out = _grouped_curves(d["t"].to_numpy(float), d["e"].to_numpy() == 1, None,
                          codes.astype(np.int64), len(levels))
    assert [c.time.size == 0 for c in out] == [False, True, False]
    b = d[d["g"] == "b"]
    assert out[1].tmax == b["t"].max() and out[1].n == len(b)
    with pytest.warns(DataWarning, match="'b'.*no events"):
        res = kaplan_meier(d, duration="t", event="e", group="g")
    assert res.survival_at([b["t"].max()]).set_index("group").loc["b", "estimate"] == 1.0


def test_kaplan_meier_single_curve_uses_all_rows():
    d = _sim(500)
    res = kaplan_meier(d, duration="t", event="e", weights="k")
    ref = km_curve(d["t"].to_numpy(float), d["e"].to_numpy() == 1, d["k"].to_numpy(float))
    tab = res.to_frame()
    np.testing.assert_array_equal(tab["estimate"].to_numpy(), ref.surv)
    np.testing.assert_array_equal(tab["n_at_risk"].to_numpy(), ref.n_at_risk)


@pytest.mark.parametrize("x", [
    np.array([3.0, 1, 2, 3, 1, 7]),                  # whole numbers: counting table
    np.array([2.5, 0.1, 2.5, 1e-9, 0.1]),            # fractions: hashing
    np.array([-4.0, 0.0, -0.0, 2, -4]),              # negatives and signed zero
    np.array([1e15, 1e15 + 2, 1e15]),                 # large whole numbers
    np.array([5.0]),
    np.array([0.0, 1e9]),                              # wide range: hashing
])
def test_sorted_codes_equal_numpy_unique(x):
    from wsa_eval.survival._check import sorted_codes

    codes, uniq = sorted_codes(x)
    ref_u, ref_inv = np.unique(x, return_inverse=True)
    np.testing.assert_array_equal(uniq, ref_u)
    np.testing.assert_array_equal(codes, ref_inv.reshape(-1))
    assert codes.dtype == np.int64


@pytest.mark.parametrize("values,levels", [
    ([2, 1, 2, 5], (1, 2, 5)),
    ([2.0, 1.0, 2.0, 0.5], (0.5, 1.0, 2.0)),
    (["b", "a", "b", "c"], ("a", "b", "c")),
])
def test_group_levels_keep_their_type(values, levels):
    d = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 1, 1, 1], "g": values})
    res = kaplan_meier(d, duration="t", event="e", group="g")
    got = tuple(res.medians["group"].tolist())
    assert got == levels
    assert [type(v) for v in got] == [type(v) for v in levels]
