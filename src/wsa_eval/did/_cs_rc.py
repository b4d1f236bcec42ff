"""2x2 DiD estimators of the ATT for repeated cross-sections, with influence functions.

Sant'Anna & Zhao (2020, J. Econometrics 219(1)), Section 3.2, as in the R package DRDID
functions that R ``did::att_gt`` calls when ``panel = FALSE``:

* ``reg``: outcome regression, separate OLS fits among comparison units before and after
  (``reg_did_rc``);
* ``ipw``: normalised IPW with a logit propensity score (``std_ipw_did_rc``);
* ``dr``: the locally efficient doubly robust estimator (``drdid_rc``, eq. 3.4), with OLS
  outcome models for both groups in both periods and a logit propensity score.

Each observation is one row (``y``, ``post`` in {0, 1}, ``d`` in {0, 1}); the influence
function is returned per row, normalised so that ``var(att) ~= mean(psi**2) / n``.
"""

from __future__ import annotations

import numpy as np

from ..errors import EstimationError
from ._cs_2x2 import TRIM_LEVEL, _inv_info, _trim, logit_fit

__all__ = ["rc_2x2"]


def _ols(y: np.ndarray, x: np.ndarray, wm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS with weights ``wm`` (zero outside the fitting subset): fitted values for every
    row and the asymptotic linear representation of the coefficients."""
    xtwx = x.T @ (x * wm[:, None])
    if np.linalg.cond(xtwx) > 1 / np.finfo(float).eps:
        raise EstimationError("an outcome regression cannot be fitted: too few observations "
                              "or collinear covariates in one of the group-period cells.")
    beta = np.linalg.solve(xtwx, x.T @ (wm * y))
    fit = x @ beta
    lin = (wm * (y - fit))[:, None] * x @ _inv_info(x, wm)
    return fit, lin


def _mean_x(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.mean(v[:, None] * x, axis=0)


def _ps(d, x, w, trim_level):
    _, p = logit_fit(d, x, w)
    if np.max(p) >= 0.999:
        raise EstimationError("overlap fails: some cohort units have an estimated propensity "
                              "score near one, so they have no comparable comparison units.")
    p, keep = _trim(p, d, trim_level)
    lin = (w * (d - p))[:, None] * x @ _inv_info(x, w * p * (1 - p))
    return p, keep, lin


def rc_2x2(y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray,
           method: str, trim_level: float = TRIM_LEVEL) -> tuple[float, np.ndarray]:
    """ATT and per-row influence function for repeated cross-sections (``x`` has the
    intercept as its first column)."""
    w = w / w.mean()
    if method == "reg":
        return _reg_rc(y, post, d, x, w)
    p, keep, lin_ps = _ps(d, x, w, trim_level)
    if method == "ipw":
        return _ipw_rc(y, post, d, x, w, p, keep, lin_ps)
    return _dr_rc(y, post, d, x, w, p, keep, lin_ps)


def _hajek(v: np.ndarray, wt: np.ndarray) -> tuple[float, np.ndarray]:
    """Normalised mean ``sum(wt v)/sum(wt)`` and its influence function."""
    mw = np.mean(wt)
    m = float(np.mean(wt * v) / mw)
    return m, wt * (v - m) / mw


def _reg_rc(y, post, d, x, w):
    fit0, lin0 = _ols(y, x, w * (1 - d) * (1 - post))
    fit1, lin1 = _ols(y, x, w * (1 - d) * post)
    wd = w * d
    m_t1, if_t1 = _hajek(y, wd * post)
    m_t0, if_t0 = _hajek(y, wd * (1 - post))
    m_c, if_c = _hajek(fit1 - fit0, wd)
    mom = _mean_x(wd, x) / np.mean(wd)
    psi_c = if_c + (lin1 - lin0) @ mom
    return m_t1 - m_t0 - m_c, if_t1 - if_t0 - psi_c


def _ipw_rc(y, post, d, x, w, p, keep, lin_ps):
    odds = p / (1 - p)
    wt1, wt0 = keep * w * d * post, keep * w * d * (1 - post)
    wc1 = keep * w * odds * (1 - d) * post
    wc0 = keep * w * odds * (1 - d) * (1 - post)
    m_t1, if_t1 = _hajek(y, wt1)
    m_t0, if_t0 = _hajek(y, wt0)
    m_c1, if_c1 = _hajek(y, wc1)
    m_c0, if_c0 = _hajek(y, wc0)
    m2 = (_mean_x(wc1 * (y - m_c1), x) / np.mean(wc1)
          - _mean_x(wc0 * (y - m_c0), x) / np.mean(wc0))
    psi_cont = if_c1 - if_c0 + lin_ps @ m2
    return (m_t1 - m_t0) - (m_c1 - m_c0), (if_t1 - if_t0) - psi_cont


def _dr_rc(y, post, d, x, w, p, keep, lin_ps):
    odds = p / (1 - p)
    fc0, lc0 = _ols(y, x, w * (1 - d) * (1 - post))
    fc1, lc1 = _ols(y, x, w * (1 - d) * post)
    ft0, lt0 = _ols(y, x, w * d * (1 - post))
    ft1, lt1 = _ols(y, x, w * d * post)
    fc = post * fc1 + (1 - post) * fc0
    r = y - fc
    wt1, wt0 = keep * w * d * post, keep * w * d * (1 - post)
    wc1 = keep * w * odds * (1 - d) * post
    wc0 = keep * w * odds * (1 - d) * (1 - post)
    wd = keep * w * d
    a_t1, if_t1 = _hajek(r, wt1)
    a_t0, if_t0 = _hajek(r, wt0)
    a_c1, if_c1 = _hajek(r, wc1)
    a_c0, if_c0 = _hajek(r, wc0)
    a_d1, if_d1 = _hajek(ft1 - fc1, wd)
    a_dt1, if_dt1 = _hajek(ft1 - fc1, wt1)
    a_d0, if_d0 = _hajek(ft0 - fc0, wd)
    a_dt0, if_dt0 = _hajek(ft0 - fc0, wt0)
    att = (a_t1 - a_t0) - (a_c1 - a_c0) + (a_d1 - a_dt1) - (a_d0 - a_dt0)
    # estimation effect of the comparison-group outcome models in the residual r
    or_treat = (lc1 @ (-_mean_x(wt1 * post, x) / np.mean(wt1))
                - lc0 @ (-_mean_x(wt0 * (1 - post), x) / np.mean(wt0)))
    or_cont = (lc1 @ (-_mean_x(wc1 * post, x) / np.mean(wc1))
               - lc0 @ (-_mean_x(wc0 * (1 - post), x) / np.mean(wc0)))
    m2 = (_mean_x(wc1 * (r - a_c1), x) / np.mean(wc1)
          - _mean_x(wc0 * (r - a_c0), x) / np.mean(wc0))
    ps_cont = lin_ps @ m2
    mom1 = _mean_x(wd / np.mean(wd) - wt1 / np.mean(wt1), x)
    mom0 = _mean_x(wd / np.mean(wd) - wt0 / np.mean(wt0), x)
    or_eff = (lt1 - lc1) @ mom1 - (lt0 - lc0) @ mom0
    psi_treat = if_t1 - if_t0 + or_treat
    psi_cont = if_c1 - if_c0 + ps_cont + or_cont
    psi = psi_treat - psi_cont + (if_d1 - if_dt1) - (if_d0 - if_dt0) + or_eff
    return att, psi
