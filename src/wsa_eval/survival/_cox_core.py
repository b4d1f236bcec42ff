"""The numerical core of the Cox model: risk-set sums from per-block totals, no loop over times.

Notation follows Therneau & Grambsch (2000, ch. 3). Rows are (start, stop] episodes with an
event indicator, a case weight ``w`` and a stratum. Distinct (stratum, event time) pairs are
the *blocks* ``b = 0..K-1``; ``d_b`` deaths are tied in block ``b``. With risk score
``r_i = exp(x_i' beta)`` and ``v_i = w_i r_i``:

* ``S0_b = sum_{i in R_b} v_i`` and ``S1_b = sum_{i in R_b} v_i x_i`` are reverse
  cumulative sums over blocks of totals by the block each row leaves the risk set after
  (``hi``) minus those by the block it enters (``lo``, only with delayed entry or strata):
  ``R_b = {i : lo_i <= b < hi_i}``. Each row carries one small integer, its *piece*
  ``2 hi + (not event)``: one ``bincount`` over the pieces gives every block's total and its
  tied deaths' total ``D0_b`` (``D1_b`` for ``v x``) in one pass over the rows, **in the
  caller's row order**. Nothing is sorted or permuted, so the data are read where they are.
  (Everything below needs only these per-piece totals: an engine that can group by a key
  can feed :func:`block_totals` from an aggregated table.)
* Efron (1977): the k-th of the ``d_b`` tied deaths (k = 0..d_b-1, ``f = k / d_b``) sees
  ``den = S0_b - f D0_b`` and mean ``a = (S1_b - f D1_b) / den``; Breslow (1974) is ``f = 0``.
  The deaths of a block are exchangeable, so the per-death quantities live on *death slots*
  ordered by block (no row is attached to a slot). Every sum over ``k`` of ``a_k`` or
  ``a_k a_k'`` expands in ``S1_b, D1_b`` with per-block sums of ``1/den``, ``f/den``,
  ``1/den^2``, ``f/den^2``, ``f^2/den^2``.
* The information ``sum_b mw_b sum_k [(S2_b - f D2_b)/den - a a']`` is never built block by
  block: ``sum_b c_b S2_b - sum_b e_b D2_b = X' diag(v_i (sum_{b: i in R_b} c_b - 1[i dies
  in b] e_b)) X`` (the block sums moved onto the rows), one weighted Gram matrix, ``O(n p^2)``
  time and ``O(n p)`` memory.
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
           "score_residuals", "block_scores", "weighted_gram", "block_totals"]


def _cum0(g: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading zero row (``out[j] = sum g[:j]``)."""
    out = np.empty((g.shape[0] + 1,) + g.shape[1:], dtype=float)
    out[0] = 0.0
    np.cumsum(g, axis=0, out=out[1:])
    return out


def _revcum_after(tot: np.ndarray) -> np.ndarray:
    """``out[b] = sum_{h > b} tot[h]`` for ``b = 0..len(tot) - 2``."""
    return np.cumsum(tot[::-1])[::-1][1:]


def block_totals(piece_sums: np.ndarray, lo_sums: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Risk-set sums ``S_b`` and tied-death sums ``D_b`` from totals by piece.

    ``piece_sums[2h]``: total over the rows that die in block ``h - 1``; ``piece_sums[2h+1]``:
    over the other rows leaving the risk set after block ``h - 1`` (``h = 0``: rows at risk
    for no block). ``lo_sums[h]``: total over the rows that enter the risk set at block ``h``
    (delayed entry or strata). Pure numpy on ``K``-sized arrays.
    """
    tot = piece_sums[0::2] + piece_sums[1::2]  # by hi = 0..K
    out = _revcum_after(tot)
    if lo_sums is not None:
        out -= _revcum_after(lo_sums)
    return out, piece_sums[2::2]


class RiskSets:
    """Indexing done once per data set (independent of ``beta``), in the caller's row order.

    ``piece[i] = 2 hi_i + (not event_i)``, where ``hi_i`` is one past the last block row ``i``
    is at risk for; ``lo_i`` (kept only with delayed entry or strata) is the first. Risk-set
    sums are ``bincount`` totals by piece followed by reverse cumulative sums over blocks
    (:func:`block_totals`). Death slots (``slot_block``, ``f``) list the tied deaths block by
    block for the Efron terms.
    """

    def __init__(self, stop: np.ndarray, event: np.ndarray, start: np.ndarray | None = None,
                 strata: np.ndarray | None = None, efron: bool = True):
        n = stop.shape[0]
        event = np.asarray(event, dtype=bool)
        if not event.any():
            raise EstimationError("There are no events (every row is censored): nothing to fit.")
        if start is None:
            codes, uniq = sorted_codes(stop)
            stop_code, start_code = codes, None
        else:
            codes, uniq = sorted_codes(np.concatenate([stop, start]))
            stop_code, start_code = codes[:n], codes[n:]
        del codes
        stop_code += 1
        if start_code is not None:
            start_code += 1
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
        del stop_key, start_key
        self.K = k = block_keys.shape[0]
        self.n = n
        self.event = event
        self.has_lo = lo is not None and bool((lo > 0).any())
        self.lo = lo.astype(np.intp, copy=False) if self.has_lo else None
        # piece = 2 hi + (not event), in place on hi (intp: what bincount reads fastest)
        piece = hi.astype(np.intp, copy=False)
        piece *= 2
        piece += ~event
        self.piece = piece
        counts = np.bincount(piece, minlength=2 * k + 2)
        self.d = counts[2::2][:k]
        self.n_deaths = int(self.d.sum())
        self.slot_block = np.repeat(np.arange(k), self.d)
        self.bstart = np.concatenate([[0], np.cumsum(self.d)[:-1]])
        rank = np.arange(self.n_deaths) - self.bstart[self.slot_block]
        self.efron = efron
        self.f = rank / self.d[self.slot_block] if efron else np.zeros(self.n_deaths)
        self.block_time = uniq[(block_keys % m) - 1]
        self.block_stratum = block_keys // m

    def scratch(self, name: str) -> np.ndarray:
        """A row-sized float buffer kept between calls (large fresh arrays cost a page-fault
        pass each; the Newton loop reuses these instead)."""
        bufs = self.__dict__.setdefault("_scratch", {})
        if name not in bufs:
            bufs[name] = np.empty(self.n)
        return bufs[name]

    # -- sums over rows --------------------------------------------------------------------
    def _sums(self, v: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """``(sum_{i in R_b} v_i, sum over block b's deaths of v_i)``; ``v`` None = ones."""
        size = 2 * self.K + 2
        pieces = np.bincount(self.piece, weights=v, minlength=size).astype(float, copy=False)
        lo = None
        if self.has_lo:
            lo = np.bincount(self.lo, weights=v, minlength=self.K + 1).astype(float, copy=False)
        return block_totals(pieces, lo)

    def risk_sum(self, v: np.ndarray) -> np.ndarray:
        """``sum_{i in R_b} v_i`` for every block; ``v`` is (n,) or (n, p)."""
        if v.ndim == 2:
            return np.column_stack([self._sums(v[:, j])[0] for j in range(v.shape[1])])
        return self._sums(v)[0]

    def risk_and_death_sums(self, v: np.ndarray | None, X: np.ndarray | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
        """Risk-set sums and tied-death sums of ``v`` (K,), or of ``v x`` (K, p) given ``X``."""
        if X is None:
            return self._sums(v)
        p = X.shape[1]
        s = np.empty((self.K, p))
        dd = np.empty((self.K, p))
        tmp = self.scratch("product")
        for j in range(p):
            if v is None:
                tmp = X[:, j]
            else:
                np.multiply(v, X[:, j], out=tmp)
            s[:, j], dd[:, j] = self._sums(tmp)
        return s, dd

    def death_sums(self, v: np.ndarray) -> np.ndarray:
        """``sum over block b's deaths of v_i`` (K,)."""
        return np.bincount(self.piece, weights=v, minlength=2 * self.K + 2)[2::2]

    # -- per-block values spread back onto rows ---------------------------------------------
    def by_piece(self, at_risk: np.ndarray, dying: np.ndarray | None = None) -> np.ndarray:
        """A table over pieces: ``sum_{b < hi} at_risk_b`` minus, for the pieces of deaths,
        their own block's ``dying_b``; index it with ``self.piece``."""
        c = _cum0(at_risk)
        tab = np.repeat(c, 2, axis=0)
        if dying is not None:
            tab[2:-1:2] -= dying
        return tab

    def at_risk_blocks(self, g: np.ndarray) -> np.ndarray:
        """``sum_{b: i in R_b} g_b`` for every row."""
        out = np.take(self.by_piece(g), self.piece, axis=0)
        if self.has_lo:
            out -= np.take(_cum0(g), self.lo, axis=0)
        return out

    def death_block(self, g: np.ndarray) -> np.ndarray:
        """``g_b`` of the block a row dies in (0 for rows without an event)."""
        tab = np.zeros((2 * self.K + 2,) + g.shape[1:])
        tab[2::2] = g
        return np.take(tab, self.piece, axis=0)

    @property
    def deaths(self) -> np.ndarray:
        """Row positions of the deaths (row order)."""
        if getattr(self, "_deaths", None) is None:
            self._deaths = np.flatnonzero(self.event)
        return self._deaths

    def death_rows(self, X: np.ndarray) -> np.ndarray:
        """``X[deaths]`` (row order), cached for the design last asked about."""
        if getattr(self, "_xd_src", None) is not X:
            self._xd_src = X
            self._xd = X[self.deaths]
        return self._xd

    def deaths_block(self) -> np.ndarray:
        """The block of each death (row order), ``hi - 1``."""
        return (self.piece[self.deaths] >> 1) - 1

    def block_sum(self, per_slot: np.ndarray) -> np.ndarray:
        """Sum a per-death-slot array within blocks."""
        return np.add.reduceat(per_slot, self.bstart, axis=0)

    def gram(self, X: np.ndarray, wt: np.ndarray) -> np.ndarray:
        """``X' diag(wt) X`` (a hook: rows sharing a covariate pattern can be summed first)."""
        return weighted_gram(X, wt)


@dataclass
class CoxState:
    """Everything computed at one value of ``beta`` (per-block arrays have length K)."""

    beta: np.ndarray
    loglik: float
    score: np.ndarray
    r: np.ndarray
    s1: np.ndarray  # (K, p) risk-set sums of v x
    d1: np.ndarray  # (K, p) sums of v x over the tied deaths (zeros for Breslow)
    den: np.ndarray  # per death slot: Efron denominator S0 - f D0
    mwb: np.ndarray  # per block: mean weight of its deaths
    c1: np.ndarray  # per block: sum_k 1/den_k
    c2: np.ndarray  # per block: sum_k f_k/den_k
    e0: np.ndarray  # per block: sum_k 1/den_k^2
    e1: np.ndarray  # per block: sum_k f_k/den_k^2
    e2: np.ndarray  # per block: sum_k f_k^2/den_k^2

    def mean_x(self) -> np.ndarray:
        """Per block, the sum over its tied deaths of the Efron risk-set means ``a_k`` (K, p)."""
        return (self.s1 * self.c1[:, None] - self.d1 * self.c2[:, None])

    def a_per_death(self, rs: RiskSets) -> np.ndarray:
        """``a_k`` for every death slot (n_deaths, p): only for small problems and checks."""
        b = rs.slot_block
        return (self.s1[b] - rs.f[:, None] * self.d1[b]) / self.den[:, None]


def _weighted(v: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    return v if w is None else v * w


def _block_consts(rs: RiskSets, w: np.ndarray | None) -> np.ndarray:
    """Per block, the mean weight of its deaths (cached per weight vector)."""
    if getattr(rs, "_w_src", 0) is not w:
        rs._w_src = w
        wsum = rs.d.astype(float) if w is None else rs.death_sums(w)
        rs._mwb = wsum / rs.d
        rs._wx_src = None
    return rs._mwb


def _wx_deaths(rs: RiskSets, X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Per block ``sum_{deaths} w x`` (K, p), cached per design and weights."""
    _block_consts(rs, w)
    if getattr(rs, "_wx_src", None) is not X:
        rs._wx_src = X
        ev = rs.event
        tmp = rs.scratch("product")
        out = np.empty((rs.K, X.shape[1]))
        for j in range(X.shape[1]):
            np.multiply(X[:, j], ev, out=tmp)
            if w is not None:
                tmp *= w
            out[:, j] = rs.death_sums(tmp)
        rs._wxb = out
    return rs._wxb


def cox_evaluate(rs: RiskSets, X: np.ndarray, w: np.ndarray | None,
                 beta: np.ndarray) -> CoxState:
    """Log partial likelihood and score at ``beta``; per-death work is scalar only."""
    eta = X @ beta
    mwb = _block_consts(rs, w)
    wxb = _wx_deaths(rs, X, w)
    # sum of w eta over the deaths = (sum over blocks of sum w x) . beta
    death_eta = float(wxb.sum(axis=0) @ beta)
    r = np.exp(eta, out=eta)
    v = _weighted(r, w)
    b = rs.slot_block
    f = rs.f
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
    loglik = float(death_eta - mwb @ rs.block_sum(np.log(den)))
    score = wxb.sum(axis=0) - mwb @ (s1 * c1[:, None] - d1 * c2[:, None])
    return CoxState(beta=beta, loglik=loglik, score=score, r=r, s1=s1, d1=d1, den=den,
                    mwb=mwb, c1=c1, c2=c2, e0=e0, e1=e1, e2=e2)


def information(rs: RiskSets, X: np.ndarray, w: np.ndarray | None, st: CoxState,
                m: np.ndarray | None = None) -> np.ndarray:
    """The information matrix ``sum_b m_b I_b`` (``m = 1``: the usual observed information).

    ``I_b = mw_b sum_k [(S2_b - f_k D2_b)/den_k - a_k a_k']``. The ``S2`` and ``D2`` parts are
    moved onto the rows (one ``X' diag(v_i c_i) X``), the ``a a'`` part expands in ``S1, D1``
    with per-block sums of ``1/den^2``, ``f/den^2``, ``f^2/den^2``. Block multipliers ``m``
    give the blocks of the information of a time-varying coefficient model ``x g(t)``
    (``m = g`` and ``m = g^2``), used by the Schoenfeld-residual test.
    """
    v = _weighted(st.r, w)
    mb = st.mwb if m is None else st.mwb * np.asarray(m, dtype=float)
    crow = np.take(rs.by_piece(mb * st.c1, (mb * st.c2) if rs.efron else None), rs.piece,
                   out=rs.scratch("row_weight"))
    if rs.has_lo:
        crow -= np.take(_cum0(mb * st.c1), rs.lo, out=rs.scratch("product"))
    crow *= v
    info = rs.gram(X, crow)
    s1, d1 = st.s1, st.d1
    info -= (s1 * (mb * st.e0)[:, None]).T @ s1
    if rs.efron:
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


def block_scores(rs: RiskSets, X: np.ndarray, w: np.ndarray | None, st: CoxState) -> np.ndarray:
    """Each block's contribution to the score, ``(K, p)``: ``sum w x - mw sum_k a_k``."""
    return _wx_deaths(rs, X, w) - st.mwb[:, None] * st.mean_x()


def fit_newton(rs: RiskSets, X: np.ndarray, w: np.ndarray | None, *, max_iter: int = 50,
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


def cox_evaluate_safe(rs: RiskSets, X: np.ndarray, w: np.ndarray | None,
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


def score_residuals(rs: RiskSets, X: np.ndarray, w: np.ndarray | None,
                    st: CoxState) -> np.ndarray:
    """Score residuals ``L_i`` (unweighted, row order), summing (with ``w``) to the score.

    Breslow: ``L_i = delta_i (x_i - xbar(t_i)) - r_i sum_{b in R_i} (x_i - xbar_b) dLambda_b``.
    Efron: the k-th tied death's hazard ``h_k = mw / den_k`` uses mean ``a_k``; a death in the
    block stays at risk for it with weight ``1 - k/d`` and is compared with the block mean of
    the ``a_k``. All block sums expand in ``S1, D1`` (no per-death vectors of length p).
    """
    mw = st.mwb
    hb = mw * st.c1
    hxb = mw[:, None] * (st.s1 * st.e0[:, None] - st.d1 * st.e1[:, None])
    abar = st.mean_x() / rs.d[:, None]
    fh = mw * st.c2
    fhx = mw[:, None] * (st.s1 * st.e1[:, None] - st.d1 * st.e2[:, None])
    # L_ij = -r_i (x_ij H_i - HX_ij) + delta_i (x_ij - abar_bj) for a death in block b, plus
    # for Efron r_i (x_ij fh_b - fhx_bj): per-block values reach the rows by their piece
    Hrisk = rs.at_risk_blocks(hb)
    if rs.efron:
        Hrisk -= rs.death_block(fh)
    evf = rs.event.astype(float)
    resid = np.empty(X.shape, order="F")
    neg_r = -st.r
    tmp = np.empty(rs.n)
    for j in range(X.shape[1]):
        col = resid[:, j]
        np.multiply(X[:, j], Hrisk, out=col)
        col -= rs.at_risk_blocks(hxb[:, j])
        if rs.efron:
            col += rs.death_block(fhx[:, j])
        col *= neg_r
        np.multiply(X[:, j], evf, out=tmp)
        tmp -= rs.death_block(abar[:, j])
        col += tmp
    return resid
