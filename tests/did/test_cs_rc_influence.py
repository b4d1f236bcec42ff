"""The doubly robust influence function for repeated cross-sections (Sant'Anna & Zhao 2020,
eq. 3.4 estimator ``drdid_rc``), checked against a numerical derivative.

The influence function of an estimator is its derivative with respect to the weight of one
observation: with masses ``(1 - eps)/n`` everywhere and an extra ``eps`` on observation
``i``, ``IF_i = d att / d eps = n * d att / d w_i`` at ``w = 1`` (the estimator does not
change when every weight is scaled). The library's ``psi`` is that IF, so a central
difference in ``w_i`` must reproduce it.

Where the library and R differ (issue 14 section 3): R's DRDID ``drdid_rc`` adds the
estimation effect of the pre-period outcome regression of the comparison group
(``inf.treat.or <- inf.treat.or.post + inf.treat.or.pre``, and the same for
``inf.cont.or``). The pre-period means enter the ATT with a minus sign, so that term must be
subtracted, as the library does. On mpdta the two pre-period terms nearly cancel (inverse
probability weighting balances the covariate means), which is why the standard errors in
test_cs_mpdta.py still agree with the csdid/DRDID port to 1e-6; on the data below, where
they do not cancel, the numerical derivative agrees with the library's influence function
and not with R's.
"""

from __future__ import annotations

import numpy as np
import pytest

from wsa_eval.did._cs_rc import TRIM_LEVEL, _mean_x, _ols, _ps, rc_2x2


def _data(n=800, seed=11):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(-1, 1, size=n)
    post = (rng.uniform(size=n) < 0.5).astype(float)
    # the true propensity depends on x1^2: the fitted logit (linear in x1, x2) is wrong
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-0.3 + 0.8 * x1 + 0.6 * x1**2)))).astype(float)
    y = (1 + x1 + 0.5 * x2 + post * (0.5 + 0.4 * x1 - 0.6 * x2**2) + d * (0.2 + 0.3 * x1)
         + d * post * (1.0 + 0.5 * x2) + rng.normal(size=n))
    x = np.column_stack([np.ones(n), x1, x2])
    return y, post, d, x


def _numerical_if(y, post, d, x, rows, h=1e-6):
    n = len(y)
    out = []
    for i in rows:
        w_up, w_dn = np.ones(n), np.ones(n)
        w_up[i] += h
        w_dn[i] -= h
        a_up = rc_2x2(y, post, d, x, w_up, "dr")[0]
        a_dn = rc_2x2(y, post, d, x, w_dn, "dr")[0]
        out.append(n * (a_up - a_dn) / (2 * h))
    return np.array(out)


def _r_drdid_psi(y, post, d, x, psi):
    """R DRDID's influence function: the library's with the pre-period outcome-regression
    terms added instead of subtracted (for both the treated and the comparison part)."""
    w = np.ones(len(y))
    p, keep, _ = _ps(d, x, w, TRIM_LEVEL)
    odds = p / (1 - p)
    _, lc0 = _ols(y, x, w * (1 - d) * (1 - post))
    wt0 = keep * w * d * (1 - post)
    wc0 = keep * w * odds * (1 - d) * (1 - post)
    m1_pre = -_mean_x(wt0 * (1 - post), x) / np.mean(wt0)
    m3_pre = -_mean_x(wc0 * (1 - post), x) / np.mean(wc0)
    return psi + 2 * (lc0 @ m1_pre) - 2 * (lc0 @ m3_pre)


def test_dr_rc_influence_function_is_the_numerical_derivative():
    y, post, d, x = _data()
    att, psi = rc_2x2(y, post, d, x, np.ones(len(y)), "dr")
    # observations of every kind; the comparison group's pre-period rows carry the term
    # on which the library and R differ
    groups = [(d == 0) & (post == 0), (d == 0) & (post == 1), (d == 1) & (post == 0),
              (d == 1) & (post == 1)]
    rows = np.concatenate([np.flatnonzero(g)[:6] for g in groups])
    num = _numerical_if(y, post, d, x, rows)
    scale = np.abs(psi).max()
    np.testing.assert_allclose(psi[rows], num, rtol=0, atol=1e-5 * scale)
    assert abs(psi.mean()) < 1e-8 * scale  # an influence function sums to zero

    r_psi = _r_drdid_psi(y, post, d, x, psi)
    r_err = np.abs(r_psi[rows] - num).max()
    assert r_err > 100 * np.abs(psi[rows] - num).max()
    assert r_err > 1e-2 * scale
    # and the standard errors differ visibly on these data
    se_lib = np.sqrt(np.mean(psi**2) / len(y))
    se_r = np.sqrt(np.mean(r_psi**2) / len(y))
    assert abs(se_r - se_lib) > 1e-3 * se_lib, (se_lib, se_r)


@pytest.mark.parametrize("method", ["reg", "ipw"])
def test_or_and_ipw_rc_influence_functions_are_numerical_derivatives(method):
    y, post, d, x = _data(n=500, seed=3)
    n = len(y)
    _, psi = rc_2x2(y, post, d, x, np.ones(n), method)
    rows = np.arange(0, n, 37)
    num = []
    for i in rows:
        w_up, w_dn = np.ones(n), np.ones(n)
        w_up[i] += 1e-6
        w_dn[i] -= 1e-6
        num.append(n * (rc_2x2(y, post, d, x, w_up, method)[0]
                        - rc_2x2(y, post, d, x, w_dn, method)[0]) / 2e-6)
    np.testing.assert_allclose(psi[rows], num, rtol=0, atol=1e-5 * np.abs(psi).max())
