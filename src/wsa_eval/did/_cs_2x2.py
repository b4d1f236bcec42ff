"""Two-group, two-period DiD estimators of the ATT with their influence functions.

The building blocks of :func:`wsa_eval.did.staggered.callaway_santanna`: each ATT(g,t) is a
2x2 comparison of cohort ``g`` with its comparison group between a base period and ``t``.

Panel data (outcome change ``dy`` per unit), following Sant'Anna & Zhao (2020, J.
Econometrics 219(1)) and the R package DRDID functions that R ``did::att_gt`` calls:

* ``reg``: outcome regression (Heckman, Ichimura & Todd 1997), OLS of ``dy`` on the
  covariates among comparison units (``reg_did_panel``);
* ``ipw``: normalised (Hajek) inverse probability weighting (Abadie 2005) with a logit
  propensity score (``std_ipw_did_panel``);
* ``dr``: the locally efficient doubly robust estimator with a logit propensity score and an
  OLS outcome model (``drdid_panel``, Sant'Anna & Zhao 2020, eq. 3.1). This is what
  ``did::att_gt(est_method = "dr")`` calls; the "improved" DR (inverse probability tilting
  and weighted least squares, ``drdid_imp_panel``) is DRDID's own default but not R did's,
  and is not implemented here.

Repeated cross-sections (outcome ``y`` and a ``post`` indicator per observation): the
corresponding ``reg_did_rc``, ``std_ipw_did_rc`` and ``drdid_rc`` (locally efficient)
estimators live in :mod:`wsa_eval.did._cs_rc`.

Every function returns ``(att, psi)`` where ``psi`` is the influence function over the
observations passed in, normalised so that ``var(att) ~= mean(psi**2) / n``.
Propensity scores are capped at ``1 - 1e-6`` and comparison units with a score above
``trim_level`` (0.995) are given zero weight, as in DRDID.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..errors import EstimationError

__all__ = ["logit_fit", "panel_2x2", "unconditional_did_if"]

TRIM_LEVEL = 0.995


def logit_fit(d: np.ndarray, x: np.ndarray, w: np.ndarray, *, tol: float = 1e-12,
              max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regression by Newton-Raphson with step halving.

    Returns ``(beta, p)``. Raises :class:`EstimationError` when the information matrix is
    singular (collinear covariates) or the iterations do not converge (separation).
    """
    k = x.shape[1]
    beta = np.zeros(k)
    ybar = np.average(d, weights=w)
    if 0 < ybar < 1 and np.allclose(x[:, 0], 1.0):
        beta[0] = np.log(ybar / (1 - ybar))

    def loglik(b: np.ndarray) -> float:
        eta = x @ b
        return float(np.sum(w * (d * eta - np.logaddexp(0.0, eta))))

    ll = loglik(beta)
    for _ in range(max_iter):
        p = expit(x @ beta)
        grad = x.T @ (w * (d - p))
        info = x.T @ (x * (w * p * (1 - p))[:, None])
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError as exc:
            raise EstimationError("The propensity-score model cannot be fitted: its "
                                  "covariates are collinear.") from exc
        t = 1.0
        while True:
            cand = beta + t * step
            ll_new = loglik(cand)
            if ll_new >= ll - 1e-12 * (1 + abs(ll)) or t < 1e-8:
                break
            t /= 2
        beta, ll = cand, ll_new
        if np.max(np.abs(t * step)) < tol * (1 + np.max(np.abs(beta))):
            break
    return beta, expit(x @ beta)


def _wls(y: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    xtwx = x.T @ (x * w[:, None])
    if np.linalg.cond(xtwx) > 1 / np.finfo(float).eps:
        raise EstimationError("The outcome regression among comparison units cannot be "
                              "fitted: too few comparison units or collinear covariates.")
    return np.linalg.solve(xtwx, x.T @ (w * y))


def _inv_info(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``inverse(X' diag(v) X / n)``."""
    n = x.shape[0]
    return np.linalg.inv(x.T @ (x * v[:, None]) / n)


def _trim(p: np.ndarray, d: np.ndarray, trim_level: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.minimum(p, 1 - 1e-6)
    keep = np.where(d == 1, p < 1.01, p < trim_level).astype(float)
    return p, keep


def unconditional_did_if(dy: np.ndarray, treat_w: np.ndarray, cont_w: np.ndarray,
                         n: int, *, s1: float | None = None, s0: float | None = None,
                         out: np.ndarray | None = None,
                         work: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """The 2x2 DiD without covariates for all units at once.

    ``treat_w`` / ``cont_w`` are the unit weights times the treated / comparison indicators
    (zero elsewhere). Returns the ATT and its influence function over all ``n`` units,
    already scaled as R ``did`` scales a cell estimated on a subset (``n / n1``).
    Every one of ``reg``, ``ipw`` and ``dr`` reduces to this when the only covariate is the
    intercept.

    ``s1``/``s0`` (the sums of ``treat_w``/``cont_w``, when already known) and the buffers
    ``out`` (receives the influence function) and ``work`` (scratch) only save time: the
    arithmetic is the same, operation for operation.
    """
    s1 = treat_w.sum() if s1 is None else s1
    s0 = cont_w.sum() if s0 is None else s0
    # einsum rather than BLAS dot: no thread start-up cost on busy machines
    m1 = np.einsum("i,i->", treat_w, dy) / s1
    m0 = np.einsum("i,i->", cont_w, dy) / s0
    # psi = n * (treat_w * (dy - m1) / s1 - cont_w * (dy - m0) / s0), in place
    psi = np.empty_like(dy) if out is None else out
    work = np.empty_like(dy) if work is None else work
    np.subtract(dy, m1, out=psi)
    psi *= treat_w
    psi /= s1
    np.subtract(dy, m0, out=work)
    work *= cont_w
    work /= s0
    psi -= work
    psi *= n
    return float(m1 - m0), psi


def panel_2x2(dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray,
              method: str, trim_level: float = TRIM_LEVEL) -> tuple[float, np.ndarray]:
    """ATT and influence function (over the rows given) for panel data with covariates.

    ``x`` includes the intercept column. ``d`` is 1 for the treated cohort, 0 for the
    comparison units; ``w`` the unit weights.
    """
    n = len(dy)
    w = w / w.mean()
    if method == "reg":
        return _reg_panel(dy, d, x, w, n)
    _, p = logit_fit(d, x, w)
    if np.max(p) >= 0.999:
        raise EstimationError("overlap fails: some cohort units have an estimated propensity "
                              "score near one, so they have no comparable comparison units.")
    p, keep = _trim(p, d, trim_level)
    if method == "ipw":
        return _ipw_panel(dy, d, x, w, p, keep, n)
    return _dr_panel(dy, d, x, w, p, keep, n)


def _reg_panel(dy, d, x, w, n):
    beta = _wls(dy[d == 0], x[d == 0], w[d == 0])
    fit = x @ beta
    w1 = w * d
    eta1 = np.mean(w1 * dy) / np.mean(w1)
    eta0 = np.mean(w1 * fit) / np.mean(w1)
    w_ols = w * (1 - d)
    lin_ols = (w_ols * (dy - fit))[:, None] * x @ _inv_info(x, w_ols)
    psi_treat = (w1 * dy - w1 * eta1) / np.mean(w1)
    psi_cont = (w1 * fit - w1 * eta0 + lin_ols @ np.mean(w1[:, None] * x, axis=0)) / np.mean(w1)
    return float(eta1 - eta0), psi_treat - psi_cont


def _ps_lin(d, x, w, p):
    """Asymptotic linear representation of the logit coefficients."""
    return (w * (d - p))[:, None] * x @ _inv_info(x, w * p * (1 - p))


def _ipw_panel(dy, d, x, w, p, keep, n):
    w1 = keep * w * d
    w0 = keep * w * p * (1 - d) / (1 - p)
    eta1 = np.mean(w1 * dy) / np.mean(w1)
    eta0 = np.mean(w0 * dy) / np.mean(w0)
    psi_treat = (w1 * dy - w1 * eta1) / np.mean(w1)
    m2 = np.mean((w0 * (dy - eta0))[:, None] * x, axis=0)
    psi_cont = (w0 * dy - w0 * eta0 + _ps_lin(d, x, w, p) @ m2) / np.mean(w0)
    return float(eta1 - eta0), psi_treat - psi_cont


def _dr_panel(dy, d, x, w, p, keep, n):
    beta = _wls(dy[d == 0], x[d == 0], w[d == 0])
    fit = x @ beta
    r = dy - fit
    w1 = keep * w * d
    w0 = keep * w * p * (1 - d) / (1 - p)
    eta1 = np.mean(w1 * r) / np.mean(w1)
    eta0 = np.mean(w0 * r) / np.mean(w0)
    w_ols = w * (1 - d)
    lin_ols = (w_ols * r)[:, None] * x @ _inv_info(x, w_ols)
    lin_ps = _ps_lin(d, x, w, p)
    psi_treat = (w1 * r - w1 * eta1 - lin_ols @ np.mean(w1[:, None] * x, axis=0)) / np.mean(w1)
    m2 = np.mean((w0 * (r - eta0))[:, None] * x, axis=0)
    m3 = np.mean(w0[:, None] * x, axis=0)
    psi_cont = (w0 * r - w0 * eta0 + lin_ps @ m2 - lin_ols @ m3) / np.mean(w0)
    return float(eta1 - eta0), psi_treat - psi_cont
