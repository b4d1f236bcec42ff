"""Sun & Abraham: the balanced-panel fit (exact two-way demeaning, no linearmodels) gives the
same numbers as the general PanelOLS fit (wsa_eval.did._design.fit_twoway).

Reference: the same estimator run through ``fit_twoway`` (linearmodels ``PanelOLS``) by
disabling the balanced path; tolerance 1e-9 (both are exact least squares; they differ
only in floating-point rounding).
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

SA = importlib.import_module("wsa_eval.did.sun_abraham")


def _both(monkeypatch, data, **kw):
    fast = SA.sun_abraham(data, **kw)
    with monkeypatch.context() as m:
        m.setattr(SA, "_fit_balanced", lambda *a, **k: None)
        slow = SA.sun_abraham(data, **kw)
    return fast, slow


@pytest.mark.parametrize("extra", [
    {},
    {"control_group": "last_cohort"},
    {"cluster": "cl"},
    {"share_variance": False, "leads": 2, "lags": 2},
])
def test_balanced_fit_equals_panelols(monkeypatch, mpdta, extra):
    d = mpdta.assign(cl=mpdta["countyreal"] % 40)
    fast, slow = _both(monkeypatch, d, outcome="lemp", unit="countyreal", time="year",
                       first_treated="first.treat", **extra)
    np.testing.assert_allclose(fast.effects["estimate"], slow.effects["estimate"],
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.effects["std_error"], slow.effects["std_error"],
                               rtol=1e-9)
    np.testing.assert_allclose(fast.cohort_effects["std_error"],
                               slow.cohort_effects["std_error"], rtol=1e-9)
    assert fast.estimate == pytest.approx(slow.estimate, abs=1e-9)
    assert fast.se == pytest.approx(slow.se, rel=1e-9)
    assert fast.n_obs == slow.n_obs and fast.diagnostics["n_clusters"] == \
        slow.diagnostics["n_clusters"]


def test_balanced_fit_used_only_for_balanced_unweighted(mpdta):
    y = mpdta["lemp"].to_numpy()
    X = np.column_stack([mpdta["lpop"].to_numpy() * (mpdta["year"].to_numpy() - 2003.5)])
    u = pd.factorize(mpdta["countyreal"])[0]
    t = pd.factorize(mpdta["year"])[0]
    assert SA._fit_balanced(y, X, u, t, u) is not None
    keep = np.ones(len(y), dtype=bool)
    keep[5] = False  # one unit-period missing: not balanced, so the general fit is used
    assert SA._fit_balanced(y[keep], X[keep], u[keep], t[keep], u[keep]) is None
    assert SA._fit_balanced(y, X, u, t, np.zeros_like(u)) is None  # one cluster


def test_balanced_fit_weights_use_general_path(monkeypatch, mpdta):
    calls = []
    real = SA.D.fit_twoway

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(SA.D, "fit_twoway", spy)
    d = mpdta.assign(w=np.exp(mpdta["lpop"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        SA.sun_abraham(d, outcome="lemp", unit="countyreal", time="year",
                       first_treated="first.treat", weights="w")
        assert calls == [1]
        SA.sun_abraham(d, outcome="lemp", unit="countyreal", time="year",
                       first_treated="first.treat")
    assert calls == [1]
