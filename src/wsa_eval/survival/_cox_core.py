"""The numerical core of the Cox model: risk-set sums by cumulative sums, no loop over times.

Notation follows Therneau & Grambsch (2000, ch. 3). Rows are (start, stop] episodes with an
event indicator, a case weight ``w`` and a stratum. Distinct (stratum, event time) pairs are
the *blocks* ``b = 0..K-1``; ``d_b`` deaths are tied in block ``b``. With risk score
``r_i = exp(x_i' beta)`` and ``v_i = w_i r_i``:

* ``S0_b = sum_{i in R_b} v_i`` and ``S1_b = sum_{i in R_b} v_i x_i`` are reverse
  cumulative sums over blocks of ``bincount`` totals by the block each row leaves the risk
  set after (``hi``) minus those by the block it enters (``lo``, only with delayed entry or
  strata): ``R_b = {i : lo_i <= b < hi_i}``. No sort of the rows is needed.
* Efron (1977): the k-th of the ``d_b`` tied deaths (k = 0..d_b-1, ``f = k / d_b``) sees
  ``den = S0_b - f D0_b`` and mean ``a = (S1_b - f D1_b) / den`` where ``D0, D1`` sum over the
  tied deaths; Breslow (1974) is ``f = 0``. Each death's term is a vector operation over all
  deaths at once (length ``sum d_b``).
* The information ``sum_b mw_b sum_k [(S2_b - f D2_b)/den - a a']`` is never built block by
  block: ``sum_b c_b S2_b = X' diag(v_i * sum_{b: i in R_b} c_b) X`` (Therneau's trick of
  moving the block sum onto the rows), so the cost is ``O(n p^2)`` and memory ``O(n p)``.
* Score residuals (Therneau, Grambsch & Fleming 1990; Efron version as in R's ``coxph``)
  are built the same way, giving dfbeta and the robust sandwich variance of Lin & Wei (1989)
  in ``O(n p)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError

__all__ = ["RiskSets", "CoxState", "cox_evaluate", "information", "fit_newton",
           "score_residuals", "block_scores"]


def _cum0(g: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading zero row (``out[j] = sum g[:j]``)."""
    out = np.empty((g.shape[0] + 1,) + g.shape[1:], dtype=float)
    out[0] = 0.0
    np.cumsum(g, axis=0, out=out[1:])
    return out


class RiskSets:
    """Indexing done once per data set (independent of ``beta``).

    Rows keep the caller's order (``order`` is kept for callers that permute; it is
    ``slice(None)``). Each row gets ``hi`` (one past the last block it is at risk for) and
    ``lo`` (the first block it is at risk for); tied deaths are listed block by block in
    ``deaths``.
    """

    def __init__(self, stop: np.ndarray, event: np.ndarray, start: np.ndarray | None = None,
                 strata: np.ndarray | None = None, efron: bool = True):
        n = stop.shape[0]
        event = np.asarray(event, dtype=bool)
        if not event.any():
            raise EstimationError("There are no events (every row is censored): nothing to fit.")
        if start is None:
            uniq, inv = np.unique(stop, return_inverse=True)
            stop_code = inv.reshape(-1) + 1
            start_code = np.zeros(n, dtype=np.int64)
        else:
            uniq, inv = np.unique(np.concatenate([stop, start]), return_inverse=True)
            inv = inv.reshape(-1)
            stop_code = inv[:n] + 1
            start_code = inv[n:] + 1
        m = len(uniq) + 1
        s = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, np.int64)
        stop_key = s * m + stop_code
        start_key = s * m + start_code
        block_keys = np.unique(stop_key[event])
        self.K = k = block_keys.shape[0]
        self.order = slice(None)
        self.n = n
        self.hi = np.searchsorted(block_keys, stop_key, side="right")
        self.lo = np.searchsorted(block_keys, start_key, side="right")
        self.has_lo = bool((self.lo > 0).any())
        di = np.flatnonzero(event)
        db = self.hi[di] - 1
        o = np.argsort(db, kind="stable")
        self.deaths = di[o]
        self.dblock = db[o]
        self.d = np.bincount(self.dblock, minlength=k)
        self.bstart = np.concatenate([[0], np.cumsum(self.d)[:-1]])
        rank = np.arange(self.deaths.shape[0]) - self.bstart[self.dblock]
        self.efron = efron
        self.f = rank / self.d[self.dblock] if efron else np.zeros(self.deaths.shape[0])
        self.block_time = uniq[(block_keys % m) - 1]
        self.block_stratum = block_keys // m

    def _rev(self, idx: np.ndarray, v: np.ndarray) -> np.ndarray:
        a = np.bincount(idx, weights=v, minlength=self.K + 1)
        return np.cumsum(a[::-1])[::-1][1:]

    def risk_sum(self, v: np.ndarray) -> np.ndarray:
        """``sum_{i in R_b} v_i`` for every block; ``v`` is (n,) or (n, p)."""
        if v.ndim == 2:
            return np.column_stack([self.risk_sum(v[:, j]) for j in range(v.shape[1])])
        out = self._rev(self.hi, v)
        if self.has_lo:
            out -= self._rev(self.lo, v)
        return out

    def risk_sum_x(self, v: np.ndarray, X: np.ndarray) -> np.ndarray:
        """``sum_{i in R_b} v_i x_i`` (K, p) without forming ``v * X`` in one piece."""
        return np.column_stack([self.risk_sum(v * X[:, j]) for j in range(X.shape[1])])

    def at_risk_blocks(self, g: np.ndarray) -> np.ndarray:
        """``sum_{b: i in R_b} g_b`` for every row."""
        c = _cum0(g)
        return c[self.hi] - c[self.lo]

    def death_rows(self, X: np.ndarray) -> np.ndarray:
        """``X[deaths]``, cached for the design last asked about (gathered once per fit)."""
        if getattr(self, "_xd_src", None) is not X:
            self._xd_src = X
            self._xd = X[self.deaths]
        return self._xd

    def block_sum(self, per_death: np.ndarray) -> np.ndarray:
        """Sum a per-death array within blocks."""
        return np.add.reduceat(per_death, self.bstart, axis=0)


@dataclass
class CoxState:
    """Everything computed at one value of ``beta``."""

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    eta: np.ndarray
    r: np.ndarray
    den: np.ndarray  # per death
    a: np.ndarray  # per death (n_deaths, p): risk-set mean of x
    mw: np.ndarray  # per death: mean weight of its block's deaths
    d_idx: np.ndarray  # death row positions


def cox_evaluate(rs: RiskSets, X: np.ndarray, w: np.ndarray, beta: np.ndarray) -> CoxState:
    """Log partial likelihood and score at ``beta`` (rows of X, w in ``rs.order``)."""
    eta = X @ beta
    r = np.exp(eta)
    v = w * r
    di = rs.deaths
    s0 = rs.risk_sum(v)
    s1 = rs.risk_sum_x(v, X)
    vd = v[di]
    xd = rs.death_rows(X)
    b = rs.dblock
    f = rs.f
    if rs.efron:
        d0 = rs.block_sum(vd)
        d1 = rs.block_sum(vd[:, None] * xd)
        den = s0[b] - f * d0[b]
        num = s1[b] - f[:, None] * d1[b]
    else:
        den = s0[b]
        num = s1[b]
    if np.any(den <= 0) or not np.all(np.isfinite(den)):
        raise EstimationError(
            "The Cox likelihood cannot be evaluated (risk scores overflow): the covariates "
            "probably separate the events perfectly (monotone likelihood). Check for a "
            "covariate that predicts every event, or rescale large covariates."
        )
    a = num / den[:, None]
    wd = w[di]
    mw = (rs.block_sum(wd) / rs.d)[b]
    loglik = float(wd @ eta[di] - mw @ np.log(den))
    score = wd @ xd - mw @ a
    return CoxState(beta=beta, loglik=loglik, score=score, eta=eta, r=r, den=den, a=a, mw=mw,
                    d_idx=di)


def information(rs: RiskSets, X: np.ndarray, w: np.ndarray, st: CoxState,
                m: np.ndarray | None = None) -> np.ndarray:
    """The information matrix ``sum_b m_b I_b`` (``m = 1``: the usual observed information).

    Block multipliers ``m`` give the blocks of the information of a time-varying coefficient
    model ``x g(t)`` (``m = g`` and ``m = g^2``), used by the Schoenfeld-residual test.
    """
    b = rs.dblock
    v = w * st.r
    inv = 1.0 / st.den
    mb = np.ones(rs.K) if m is None else np.asarray(m, dtype=float)
    mwb = st.mw[rs.bstart]
    crow = rs.at_risk_blocks(mb * mwb * rs.block_sum(inv))
    info = (X * (v * crow)[:, None]).T @ X
    if rs.efron:
        c2 = rs.block_sum(rs.f * inv)
        di = st.d_idx
        coef = (mb * mwb * c2)[b] * v[di]
        xd = rs.death_rows(X)
        info -= (xd * coef[:, None]).T @ xd
    md = mb[b] * st.mw
    info -= (st.a * md[:, None]).T @ st.a
    return info


def block_scores(rs: RiskSets, X: np.ndarray, w: np.ndarray, st: CoxState) -> np.ndarray:
    """Each block's contribution to the score, ``(K, p)``: ``sum w x - mw sum_k a_k``."""
    di = st.d_idx
    return rs.block_sum(w[di][:, None] * rs.death_rows(X) - st.mw[:, None] * st.a)


def fit_newton(rs: RiskSets, X: np.ndarray, w: np.ndarray, *, max_iter: int = 50,
               tol: float = 1e-12) -> tuple[CoxState, np.ndarray, CoxState, np.ndarray, int, bool]:
    """Newton-Raphson from ``beta = 0`` with step halving (as R ``coxph``).

    Returns the state and information at the solution, the state and information at zero
    (for the score test), the iterations used and whether it converged.
    """
    p = X.shape[1]
    beta = np.zeros(p)
    st = cox_evaluate(rs, X, w, beta)
    info = information(rs, X, w, st)
    st0, info0 = st, info
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        step = _solve(info, st.score)
        new_beta = beta + step
        new = cox_evaluate_safe(rs, X, w, new_beta)
        halvings = 0
        while (new is None or new.loglik < st.loglik - 1e-12 * abs(st.loglik)) and halvings < 30:
            step = step / 2
            new_beta = beta + step
            new = cox_evaluate_safe(rs, X, w, new_beta)
            halvings += 1
        if new is None:
            break
        change = abs(new.loglik - st.loglik)
        beta, st = new_beta, new
        info = information(rs, X, w, st)
        if change <= tol * max(1.0, abs(st.loglik)) or np.max(np.abs(step)) < 1e-11:
            # one more exact Newton step sharpens beta (quadratic convergence)
            step = _solve(info, st.score)
            if np.max(np.abs(step)) < 1e-6:
                cand = cox_evaluate_safe(rs, X, w, beta + step)
                if cand is not None and cand.loglik >= st.loglik - 1e-13 * abs(st.loglik):
                    beta, st = beta + step, cand
                    info = information(rs, X, w, st)
            converged = True
            break
    return st, info, st0, info0, it, converged


def cox_evaluate_safe(rs: RiskSets, X: np.ndarray, w: np.ndarray,
                      beta: np.ndarray) -> CoxState | None:
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            st = cox_evaluate(rs, X, w, beta)
        except EstimationError:
            return None
    if not np.isfinite(st.loglik):
        return None
    return st


def _solve(info: np.ndarray, score: np.ndarray) -> np.ndarray:
    try:
        c = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        raise EstimationError(
            "The information matrix is singular: some covariates are collinear (one is a "
            "combination of others) or do not vary within the risk sets. Drop one of them."
        ) from None
    y = np.linalg.solve(c, score)
    return np.linalg.solve(c.T, y)


def score_residuals(rs: RiskSets, X: np.ndarray, w: np.ndarray, st: CoxState) -> np.ndarray:
    """Score residuals ``L_i`` (unweighted, sorted row order), summing (with ``w``) to the score.

    Breslow: ``L_i = delta_i (x_i - xbar(t_i)) - r_i sum_{b in R_i} (x_i - xbar_b) dLambda_b``.
    Efron: the k-th tied death's hazard ``mw / den_k`` uses mean ``a_k``; a death in the block
    stays at risk for it with weight ``1 - k/d`` and is compared with the block mean of the
    ``a_k``.
    """
    b = rs.dblock
    di = st.d_idx
    h = st.mw / st.den
    hb = rs.block_sum(h)
    hxb = rs.block_sum(h[:, None] * st.a)
    Hrisk = rs.at_risk_blocks(hb)
    HXrisk = rs.at_risk_blocks(hxb)
    abar = rs.block_sum(st.a) / rs.d[:, None]
    resid = -st.r[:, None] * (X * Hrisk[:, None] - HXrisk)
    xd = rs.death_rows(X)
    own = xd - abar[b]
    if rs.efron:
        fh = rs.block_sum(rs.f * h)
        fhx = rs.block_sum((rs.f * h)[:, None] * st.a)
        # a death is at risk with weight (1 - f_k) for the k-th term of its own block
        own += st.r[di][:, None] * (xd * fh[b][:, None] - fhx[b])
    resid[di] += own
    return resid
