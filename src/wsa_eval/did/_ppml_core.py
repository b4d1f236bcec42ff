"""Poisson pseudo-maximum likelihood with one absorbed factor: the maths behind ``ppml``.

The model is ``E[y_i] = exp(alpha_g(i) + x_i'beta + offset_i)`` with one fixed effect per
group ``g`` (a unit, a cohort, or one common intercept). For a given ``beta`` the Poisson
first-order condition of ``alpha_g`` has a closed form,
``exp(alpha_g) = sum_{i in g} y_i / sum_{i in g} exp(x_i'beta + offset_i)``, so the fixed
effects are concentrated out and ``beta`` maximises the conditional (multinomial) likelihood

    l(beta) = sum_g [ sum_{i in g} y_i eta_i - Y_g log sum_{i in g} exp(eta_i) ],

whose score is ``X'(y - mu)`` and whose information is ``X' diag(mu) X - sum_g (X_g'mu_g)
(X_g'mu_g)' / Y_g`` (Hausman, Hall & Griliches 1984; the Poisson fixed-effects estimator
equals this conditional MLE and the pooled Poisson QMLE with group dummies, Wooldridge 1999).
Newton's method with step halving from ``beta = 0``.

Cluster-robust variance: the influence of cluster ``c`` on ``beta`` is
``C^-1 sum_{i in c} (y_i - mu_i)(x_i - xbar_g(i))`` with ``C`` the concentrated information and
``xbar_g`` the ``mu``-weighted mean of ``x`` in group ``g``: the partitioned inverse of the full
(beta, alpha) sandwich, so it is right whether or not the groups are nested in the clusters.
The influence on ``alpha_g`` follows from the same partition; both are used for the delta
method of any smooth function of the fit (a percentage change, an average effect in counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PoissonFit", "fit_poisson", "influence", "drop_collinear"]


@dataclass(frozen=True)
class PoissonFit:
    """The fitted model: coefficients, group effects, fitted means and the information."""

    beta: np.ndarray  # (K,)
    alpha: np.ndarray  # (G,) group effects (log scale)
    mu: np.ndarray  # (n,) fitted means
    eta: np.ndarray  # (n,) linear predictor including alpha and the offset
    info: np.ndarray  # (K, K) concentrated information C
    iterations: int
    converged: bool
    loglik: float


def _group_sums(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum rows of ``values`` (n,) or (n, K) within groups."""
    if values.ndim == 1:
        return np.bincount(groups, weights=values, minlength=n_groups)
    out = np.zeros((n_groups, values.shape[1]))
    np.add.at(out, groups, values)
    return out


def _state(beta, X, y, groups, n_groups, offset, Yg):
    """Linear predictor, fitted means, group effects and conditional log-likelihood."""
    xb = X @ beta + offset
    # stabilise exp within groups
    shift = np.full(n_groups, -np.inf)
    np.maximum.at(shift, groups, xb)
    e = np.exp(xb - shift[groups])
    S = _group_sums(e, groups, n_groups)
    with np.errstate(divide="ignore"):
        alpha = np.log(Yg) - np.log(S) - shift
    mu = Yg[groups] * e / S[groups]
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = float(np.sum(y * (xb - shift[groups])) - np.sum(Yg * np.log(S)))
    return xb + alpha[groups], mu, alpha, ll


def _information(X, mu, groups, n_groups, Yg):
    Xm = X * mu[:, None]
    G = _group_sums(Xm, groups, n_groups)  # (G, K): X_g' mu_g
    pos = Yg > 0
    return X.T @ Xm - (G[pos].T / Yg[pos]) @ G[pos]


def fit_poisson(y: np.ndarray, X: np.ndarray, groups: np.ndarray, offset: np.ndarray | None = None,
                *, tol: float = 1e-10, max_iter: int = 100) -> PoissonFit:
    """Poisson QMLE of ``y`` on ``X`` with one fixed effect per group (``groups``: integer codes
    0..G-1). Groups whose outcomes are all zero must be removed by the caller (their fixed
    effect is minus infinity and they carry no information on ``beta``)."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    n, K = X.shape
    groups = np.asarray(groups, dtype=np.intp)
    n_groups = int(groups.max()) + 1 if n else 0
    offset = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    Yg = _group_sums(y, groups, n_groups)
    beta = np.zeros(K)
    eta, mu, alpha, ll = _state(beta, X, y, groups, n_groups, offset, Yg)
    converged, it = K == 0, 0
    while not converged and it < max_iter:
        it += 1
        grad = X.T @ (y - mu)
        C = _information(X, mu, groups, n_groups, Yg)
        try:
            step = np.linalg.solve(C, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(C, grad, rcond=None)[0]
        t = 1.0
        for _ in range(40):  # step halving keeps the log-likelihood increasing
            cand = beta + t * step
            e2, m2, a2, l2 = _state(cand, X, y, groups, n_groups, offset, Yg)
            if np.isfinite(l2) and l2 >= ll - 1e-12 * (1 + abs(ll)):
                break
            t /= 2
        beta, eta, mu, alpha, ll_old, ll = cand, e2, m2, a2, ll, l2
        if np.max(np.abs(t * step)) < tol * (1 + np.max(np.abs(beta))) or \
                abs(ll - ll_old) < 1e-15 * (1 + abs(ll)):
            converged = True
    info = _information(X, mu, groups, n_groups, Yg) if K else np.zeros((0, 0))
    return PoissonFit(beta=beta, alpha=alpha, mu=mu, eta=eta, info=info, iterations=it,
                      converged=converged, loglik=ll)


def influence(fit: PoissonFit, y: np.ndarray, X: np.ndarray, groups: np.ndarray,
              clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Influence of each cluster on ``beta`` and the ingredients for ``alpha``.

    Returns ``(psi_beta, resid_scaled, xbar)``: ``psi_beta`` (n_clusters, K) with
    ``sum_c psi psi'`` the (unadjusted) cluster-robust variance of ``beta``; ``xbar`` (G, K)
    the ``mu``-weighted group means of ``x``; ``resid_scaled`` (n,) ``(y_i - mu_i) / M_g(i)``
    with ``M_g`` the group's fitted total. The influence of cluster ``c`` on ``alpha_g`` is
    ``sum_{i in c, g(i) = g} resid_scaled_i - xbar_g' psi_beta[c]`` (see the module notes).
    """
    y = np.asarray(y, dtype=float)
    n_groups = len(fit.alpha)
    n_cl = int(clusters.max()) + 1
    M = _group_sums(fit.mu, groups, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = _group_sums(X * fit.mu[:, None], groups, n_groups) / M[:, None]
    xbar = np.nan_to_num(xbar)
    r = y - fit.mu
    U = _group_sums((X - xbar[groups]) * r[:, None], clusters, n_cl)
    Cinv = np.linalg.pinv(fit.info)
    psi = U @ Cinv  # C is symmetric
    with np.errstate(invalid="ignore", divide="ignore"):
        resid_scaled = np.where(M[groups] > 0, r / M[groups], 0.0)
    return psi, resid_scaled, xbar


def small_sample_factor(n_obs: int, n_params: int, n_clusters: int) -> float:
    """``G/(G-1) * (n-1)/(n-K)``: the adjustment R fixest applies to clustered variances
    by default (``ssc(adj = TRUE, cluster.adj = TRUE)``)."""
    if n_clusters < 2 or n_obs <= n_params:
        return math.nan
    return n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - n_params)


def drop_collinear(X: np.ndarray, groups: np.ndarray, names: list[str],
                   tol: float = 1e-9) -> tuple[np.ndarray, list[str], list[str]]:
    """Drop columns that are constant within every group (absorbed by the fixed effects) or
    linearly dependent on earlier columns after removing group means."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    cnt = np.bincount(groups, minlength=n_groups).astype(float)
    means = _group_sums(X, groups, n_groups) / np.maximum(cnt, 1)[:, None]
    W = X - means[groups]
    G = W.T @ W  # one pass over the data; the checks below are on K x K matrices
    norms = np.sum(X ** 2, axis=0)
    keep: list[int] = []
    dropped: list[str] = []
    for k in range(X.shape[1]):
        resid = G[k, k]
        if keep:
            S = np.ix_(keep, keep)
            coef = np.linalg.lstsq(G[S], G[keep, k], rcond=None)[0]
            resid = G[k, k] - G[k, keep] @ coef
        if resid <= tol * (norms[k] + 1e-300):
            dropped.append(names[k])
            continue
        keep.append(k)
    return X[:, keep], [names[k] for k in keep], dropped
