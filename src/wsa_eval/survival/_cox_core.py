"""The numerical core of the Cox model: risk-set sums by cumulative sums, no loop over times.

Notation follows Therneau & Grambsch (2000, ch. 3). Rows are (start, stop] episodes with an
event indicator, a case weight ``w`` and a stratum. Distinct (stratum, event time) pairs are
the *blocks* ``b = 0..K-1``; ``d_b`` deaths are tied in block ``b``. With risk score
``r_i = exp(x_i' beta)`` and ``v_i = w_i r_i``:

* ``S0_b = sum_{i in R_b} v_i`` and ``S1_b = sum_{i in R_b} v_i x_i`` are reverse
  cumulative sums over blocks of totals by the block each row leaves the risk set after
  (``hi``) minus those by the block it enters (``lo``, only with delayed entry or strata):
  ``R_b = {i : lo_i <= b < hi_i}``. The rows are sorted once by ``hi`` (a block's deaths
  first), so the totals are sums over contiguous pieces (``np.add.reduceat``) that also
  give the tied deaths' sums ``D0_b, D1_b``.
* Efron (1977): the k-th of the ``d_b`` tied deaths (k = 0..d_b-1, ``f = k / d_b``) sees
  ``den = S0_b - f D0_b`` and mean ``a = (S1_b - f D1_b) / den`` where ``D0, D1`` sum over the
  tied deaths; Breslow (1974) is ``f = 0``. Only scalars are computed per death (``den``);
  every sum over ``k`` of ``a_k`` or ``a_k a_k'`` expands in ``S1_b, D1_b`` with per-block
  sums of ``1/den``, ``f/den``, ``1/den^2``, ``f/den^2``, ``f^2/den^2``.
* The information ``sum_b mw_b sum_k [(S2_b - f D2_b)/den - a a']`` is never built block by
  block: ``sum_b c_b S2_b = X' diag(v_i * sum_{b: i in R_b} c_b) X`` (moving the block sum
  onto the rows), so the cost is ``O(n p^2)`` and memory ``O(n p)``.
* Newton-Raphson from zero with step halving, stopping after a full step smaller than
  1e-6 (the remaining error is of the order of its square) or when the log-likelihood
  stops changing (then one more Newton step).
* Score residuals (Therneau, Grambsch & Fleming 1990; Efron version as in R's ``coxph``)
  are built the same way, giving dfbeta and the robust sandwich variance of Lin & Wei (1989)
  in ``O(n p)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError
from ._check import sorted_codes

__all__ = ["RiskSets", "CoxState", "cox_evaluate", "information", "fit_newton",
           "score_residuals", "block_scores", "weighted_gram"]


def _cum0(g: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading zero row (``out[j] = sum g[:j]``)."""
    out = np.empty((g.shape[0] + 1,) + g.shape[1:], dtype=float)
    out[0] = 0.0
    np.cumsum(g, axis=0, out=out[1:])
    return out


def _stable_order(key: np.ndarray, top: int) -> np.ndarray:
    """Stable argsort of non-negative integers below ``top`` (radix sort when they fit 16 bits)."""
    if top <= np.iinfo(np.uint16).max:
        return np.argsort(key.astype(np.uint16), kind="stable")
    return np.argsort(key, kind="stable")


class RiskSets:
    """Indexing done once per data set (independent of ``beta``).

    Rows are put in the order ``order`` (callers permute their arrays with it once): by the
    block after which they leave the risk set (``hi``, one past the last block they are at
    risk for), the block's deaths first, then by ``lo`` (the first block they are at risk
    for). Every risk-set sum is then a sum over contiguous pieces of the sorted rows
    (``np.add.reduceat``) followed by a reverse cumulative sum over the blocks; the tied
    deaths of block ``b`` are the first ``d_b`` rows of its piece (listed in ``deaths``).
    """

    def __init__(self, stop: np.ndarray, event: np.ndarray, start: np.ndarray | None = None,
                 strata: np.ndarray | None = None, efron: bool = True):
        n = stop.shape[0]
        event = np.asarray(event, dtype=bool)
        if not event.any():
            raise EstimationError("There are no events (every row is censored): nothing to fit.")
        if start is None:
            codes, uniq = sorted_codes(stop)
            stop_code, start_code = codes + 1, None
        else:
            codes, uniq = sorted_codes(np.concatenate([stop, start]))
            stop_code, start_code = codes[:n] + 1, codes[n:] + 1
        m = len(uniq) + 1
        if strata is None:
            stop_key, start_key, n_keys = stop_code, start_code, m
        else:
            s = np.asarray(strata, np.int64)
            stop_key = s * m + stop_code
            start_key = s * m + (0 if start_code is None else start_code)
            n_keys = (int(s.max()) + 1) * m
        # hi / lo = number of (stratum, event time) keys <= the row's stop / start key
        if n_keys <= max(4 * n, 1 << 20):
            present = np.bincount(stop_key[event], minlength=n_keys) > 0
            count = np.cumsum(present)
            block_keys = np.flatnonzero(present)
            hi = count[stop_key]
            lo = None if start_key is None else count[start_key]
        else:
            block_keys = np.unique(stop_key[event])
            hi = np.searchsorted(block_keys, stop_key, side="right")
            lo = None if start_key is None else np.searchsorted(block_keys, start_key,
                                                                   side="right")
        self.K = k = block_keys.shape[0]
        self.n = n
        self.has_lo = lo is not None and bool((lo > 0).any())
        # piece 2h: the deaths leaving after block h - 1; piece 2h + 1: the other rows with hi = h
        piece = 2 * hi + ~event
        if self.has_lo:
            order = np.lexsort((lo, piece))
        else:
            order = _stable_order(piece, 2 * k + 2)
        self.order = order
        counts = np.bincount(piece, minlength=2 * k + 2)
        piece = np.repeat(np.arange(2 * k + 2), counts)  # = piece[order], without a gather
        self.hi = piece >> 1
        self.lo = lo[order] if self.has_lo else np.zeros(n, dtype=np.int64)
        nz = counts > 0
        self._piece_ids = np.flatnonzero(nz)
        self._piece_starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[nz]
        self._lo_starts = self._lo_ids = None
        if self.has_lo and np.all(self.lo[1:] >= self.lo[:-1]):
            lc = np.bincount(self.lo, minlength=k + 1)
            self._lo_ids = np.flatnonzero(lc > 0)
            self._lo_starts = np.concatenate([[0], np.cumsum(lc)[:-1]])[lc > 0]
        self.d = counts[2::2][:k]
        self.deaths = np.flatnonzero((piece & 1) == 0)
        self.dblock = self.hi[self.deaths] - 1
        self.bstart = np.concatenate([[0], np.cumsum(self.d)[:-1]])
        rank = np.arange(self.deaths.shape[0]) - self.bstart[self.dblock]
        self.efron = efron
        self.f = rank / self.d[self.dblock] if efron else np.zeros(self.deaths.shape[0])
        self.block_time = uniq[(block_keys % m) - 1]
        self.block_stratum = block_keys // m

    def _sums(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(sum_{i in R_b} v_i, sum over block b's deaths of v_i)`` for one column ``v``."""
        k = self.K
        pieces = np.zeros(2 * k + 2)
        pieces[self._piece_ids] = np.add.reduceat(v, self._piece_starts)
        tot = pieces[0::2] + pieces[1::2]  # by hi = 0..K
        out = np.cumsum(tot[::-1])[::-1][1:]
        if self.has_lo:
            if self._lo_ids is not None:
                a = np.zeros(k + 1)
                a[self._lo_ids] = np.add.reduceat(v, self._lo_starts)
            else:
                a = np.bincount(self.lo, weights=v, minlength=k + 1)
            out -= np.cumsum(a[::-1])[::-1][1:]
        return out, pieces[2::2]

    def risk_sum(self, v: np.ndarray) -> np.ndarray:
        """``sum_{i in R_b} v_i`` for every block; ``v`` is (n,) or (n, p) (sorted rows)."""
        if v.ndim == 2:
            return np.column_stack([self._sums(v[:, j])[0] for j in range(v.shape[1])])
        return self._sums(v)[0]

    def risk_and_death_sums(self, v: np.ndarray, X: np.ndarray | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
        """Risk-set sums and tied-death sums of ``v`` (K,), or of ``v x`` (K, p) given ``X``."""
        if X is None:
            return self._sums(v)
        p = X.shape[1]
        s = np.empty((self.K, p))
        dd = np.empty((self.K, p))
        tmp = np.empty(self.n)
        for j in range(p):
            np.multiply(v, X[:, j], out=tmp)
            s[:, j], dd[:, j] = self._sums(tmp)
        return s, dd

    def risk_sum_x(self, v: np.ndarray, X: np.ndarray) -> np.ndarray:
        """``sum_{i in R_b} v_i x_i`` (K, p) without forming ``v * X`` in one piece."""
        return self.risk_and_death_sums(v, X)[0]

    def permute(self, a: np.ndarray) -> np.ndarray:
        """``a[order]`` (rows into the sorted order; ``a`` is (n,) or (n, p)).

        Done by scattering each column to its sorted position: the writes go to one
        sequential stream per piece, which is faster than a random gather on large data.
        """
        if getattr(self, "_inv", None) is None:
            self._inv = np.empty(self.n, dtype=np.intp)
            self._inv[self.order] = np.arange(self.n)
        a = np.asarray(a)
        out = np.empty(a.shape, dtype=a.dtype, order="F")
        if a.ndim == 1:
            out[self._inv] = a
        else:
            for j in range(a.shape[1]):
                col = out[:, j]
                col[self._inv] = a[:, j]
        return out

    def at_risk_blocks(self, g: np.ndarray) -> np.ndarray:
        """``sum_{b: i in R_b} g_b`` for every row."""
        c = _cum0(g)
        if not self.has_lo:
            return c[self.hi]
        return c[self.hi] - c[self.lo]

    def death_rows(self, X: np.ndarray) -> np.ndarray:
        """``X[deaths]``, cached for the design last asked about (gathered once per fit)."""
        if getattr(self, "_xd_src", None) is not X:
            self._xd_src = X
            if X.ndim == 2 and X.flags.f_contiguous:  # column by column: sequential reads
                xd = np.empty((self.deaths.shape[0], X.shape[1]), order="F")
                for j in range(X.shape[1]):
                    np.take(X[:, j], self.deaths, out=xd[:, j])
                self._xd = xd
            else:
                self._xd = X[self.deaths]
        return self._xd

    def block_sum(self, per_death: np.ndarray) -> np.ndarray:
        """Sum a per-death array within blocks."""
        return np.add.reduceat(per_death, self.bstart, axis=0)


@dataclass
class CoxState:
    """Everything computed at one value of ``beta`` (per-block arrays have length K)."""

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    eta: np.ndarray
    r: np.ndarray
    s1: np.ndarray  # (K, p) risk-set sums of v x
    d1: np.ndarray  # (K, p) sums of v x over the tied deaths (zeros for Breslow)
    den: np.ndarray  # per death: Efron denominator S0 - f D0
    mwb: np.ndarray  # per block: mean weight of its deaths
    c1: np.ndarray  # per block: sum_k 1/den_k
    c2: np.ndarray  # per block: sum_k f_k/den_k
    e0: np.ndarray  # per block: sum_k 1/den_k^2
    e1: np.ndarray  # per block: sum_k f_k/den_k^2
    e2: np.ndarray  # per block: sum_k f_k^2/den_k^2
    d_idx: np.ndarray  # death row positions

    def mean_x(self) -> np.ndarray:
        """Per block, the sum over its tied deaths of the Efron risk-set means ``a_k`` (K, p)."""
        return (self.s1 * self.c1[:, None] - self.d1 * self.c2[:, None])

    def a_per_death(self, rs: RiskSets) -> np.ndarray:
        """``a_k`` for every death (n_deaths, p): only for small problems and checks."""
        b = rs.dblock
        return (self.s1[b] - rs.f[:, None] * self.d1[b]) / self.den[:, None]


def _block_consts(rs: RiskSets, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight-only quantities, cached per weight vector: death weights and block mean weights."""
    if getattr(rs, "_w_src", None) is not w:
        rs._w_src = w
        wd = w[rs.deaths]
        rs._wd = wd
        rs._mwb = rs.block_sum(wd) / rs.d
        rs._wx_src = None
    return rs._wd, rs._mwb


def _wx_deaths(rs: RiskSets, X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per block ``sum_{deaths} w x`` (K, p), cached per design and weights."""
    _block_consts(rs, w)
    if getattr(rs, "_wx_src", None) is not X:
        rs._wx_src = X
        rs._wxb = rs.block_sum(rs._wd[:, None] * rs.death_rows(X))
    return rs._wxb


def cox_evaluate(rs: RiskSets, X: np.ndarray, w: np.ndarray, beta: np.ndarray) -> CoxState:
    """Log partial likelihood and score at ``beta``; per-death work is scalar only."""
    eta = X @ beta
    r = np.exp(eta)
    v = w * r
    di = rs.deaths
    b = rs.dblock
    f = rs.f
    wd, mwb = _block_consts(rs, w)
    s0, d0 = rs.risk_and_death_sums(v)
    s1, d1 = rs.risk_and_death_sums(v, X)
    if rs.efron:
        den = s0[b] - f * d0[b]
    else:
        d1 = np.zeros_like(s1)
        den = s0[b]
    if np.any(den <= 0) or not np.all(np.isfinite(den)):
        raise EstimationError(
            "The Cox likelihood cannot be evaluated (risk scores overflow): the covariates "
            "probably separate the events perfectly (monotone likelihood). Check for a "
            "covariate that predicts every event, or rescale large covariates."
        )
    inv = 1.0 / den
    inv2 = inv * inv
    c1 = rs.block_sum(inv)
    e0 = rs.block_sum(inv2)
    if rs.efron:
        c2 = rs.block_sum(f * inv)
        e1 = rs.block_sum(f * inv2)
        e2 = rs.block_sum(f * f * inv2)
    else:
        c2 = e1 = e2 = np.zeros(rs.K)
    loglik = float(wd @ eta[di] - mwb @ rs.block_sum(np.log(den)))
    wxb = _wx_deaths(rs, X, w)
    score = wxb.sum(axis=0) - mwb @ (s1 * c1[:, None] - d1 * c2[:, None])
    return CoxState(beta=beta, loglik=loglik, score=score, eta=eta, r=r, s1=s1, d1=d1, den=den,
                    mwb=mwb, c1=c1, c2=c2, e0=e0, e1=e1, e2=e2, d_idx=di)


def information(rs: RiskSets, X: np.ndarray, w: np.ndarray, st: CoxState,
                m: np.ndarray | None = None) -> np.ndarray:
    """The information matrix ``sum_b m_b I_b`` (``m = 1``: the usual observed information).

    ``I_b = mw_b sum_k [(S2_b - f_k D2_b)/den_k - a_k a_k']``. The ``S2`` part is moved onto
    the rows (``X' diag(v_i sum_{b in R_i} m_b mw_b c1_b) X``), the ``a a'`` part expands
    in ``S1, D1`` with per-block sums of ``1/den^2``, ``f/den^2``, ``f^2/den^2``. Block
    multipliers ``m`` give the blocks of the information of a time-varying coefficient model
    ``x g(t)`` (``m = g`` and ``m = g^2``), used by the Schoenfeld-residual test.
    """
    v = w * st.r
    mb = st.mwb if m is None else st.mwb * np.asarray(m, dtype=float)
    crow = rs.at_risk_blocks(mb * st.c1)
    info = weighted_gram(X, v * crow)
    s1, d1 = st.s1, st.d1
    info -= (s1 * (mb * st.e0)[:, None]).T @ s1
    if rs.efron:
        xd = rs.death_rows(X)
        coef = (mb * st.c2)[rs.dblock] * v[rs.deaths]
        info -= weighted_gram(xd, coef)
        cross = (s1 * (mb * st.e1)[:, None]).T @ d1
        info += cross + cross.T
        info -= (d1 * (mb * st.e2)[:, None]).T @ d1
    return info


def weighted_gram(X: np.ndarray, wt: np.ndarray | None, block: int = 1 << 16) -> np.ndarray:
    """``X' diag(wt) X`` (``wt`` None: ``X' X``) in row blocks: the weighted copy of a block
    stays in cache, and the small products are not split across BLAS threads (which is
    slow for tall, narrow matrices on a busy machine)."""
    n, p = X.shape
    out = np.zeros((p, p))
    for s in range(0, n, block):
        xb = X[s:s + block]
        out += (xb.T if wt is None else xb.T * wt[s:s + block]) @ xb
    return out


def block_scores(rs: RiskSets, X: np.ndarray, w: np.ndarray, st: CoxState) -> np.ndarray:
    """Each block's contribution to the score, ``(K, p)``: ``sum w x - mw sum_k a_k``."""
    return _wx_deaths(rs, X, w) - st.mwb[:, None] * st.mean_x()


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
        if halvings == 0 and np.max(np.abs(step)) <= 1e-6 * (1.0 + np.max(np.abs(beta))):
            # a full Newton step this small leaves an error of order its square
            converged = True
            break
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
    """Score residuals ``L_i`` (unweighted), summing (with ``w``) to the score.

    Breslow: ``L_i = delta_i (x_i - xbar(t_i)) - r_i sum_{b in R_i} (x_i - xbar_b) dLambda_b``.
    Efron: the k-th tied death's hazard ``h_k = mw / den_k`` uses mean ``a_k``; a death in the
    block stays at risk for it with weight ``1 - k/d`` and is compared with the block mean of
    the ``a_k``. All block sums expand in ``S1, D1`` (no per-death vectors of length p).
    """
    b = rs.dblock
    di = st.d_idx
    mw = st.mwb
    hb = mw * st.c1
    hxb = mw[:, None] * (st.s1 * st.e0[:, None] - st.d1 * st.e1[:, None])
    Hrisk = rs.at_risk_blocks(hb)
    abar = st.mean_x() / rs.d[:, None]
    xd = rs.death_rows(X)
    own = xd - abar[b]
    if rs.efron:
        fh = mw * st.c2
        fhx = mw[:, None] * (st.s1 * st.e1[:, None] - st.d1 * st.e2[:, None])
        # a death is at risk with weight (1 - f_k) for the k-th term of its own block
        own += st.r[di][:, None] * (xd * fh[b][:, None] - fhx[b])
    # column by column (contiguous, no (n, p) temporaries):
    # L_ij = -r_i (x_ij H_i - HX_ij), plus the deaths' own terms
    resid = np.empty(X.shape, order="F")
    neg_r = -st.r
    for j in range(X.shape[1]):
        col = resid[:, j]
        np.multiply(X[:, j], Hrisk, out=col)
        col -= rs.at_risk_blocks(hxb[:, j])
        col *= neg_r
        col[di] += own[:, j]
    return resid
