"""Numerical core of synthetic difference-in-differences (pure numpy, no pandas).

Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), "Synthetic Difference-in-Differences",
*American Economic Review* 111(12): 4088-4118. The weights are solved the way the authors'
R package ``synthdid`` solves them, so that the numbers agree with it: Frank-Wolfe with exact
line search on the regularised least-squares problems (their eq. 2.2 and 2.3), at most 100
iterations, then the "sparsify" step (weights at or below a quarter of the largest set to
zero), then Frank-Wolfe again from the sparsified weights until an iteration lowers the
objective by less than ``min_decrease**2`` or 10,000 iterations.

What is new here is only how the work is organised: the solver runs on the Gram form
(``G = A'A``, ``c = A'b``) with rank-one updates, so one iteration costs O(k) instead of
O(nk), and it runs a whole batch of problems at once (all placebo or bootstrap replications
together), each stopping by its own rule. Unit-weight problems of a batch share one Gram
matrix of all units and differ only in which rows are donors, so memory stays O(N^2).

Notation: ``Y`` is units x periods; ``N0`` controls (rows) and ``T0`` pre-periods (columns).
``omega`` are unit weights over controls, ``lambda`` time weights over pre-periods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "noise_level",
    "fw_batch",
    "sparsify",
    "CohortFit",
    "fit_cohort",
    "fit_cohort_batch",
]


def noise_level(y_pre_controls: np.ndarray) -> float:
    """Standard deviation (n - 1) of the first differences of control outcomes before treatment.

    R synthdid's ``sd(apply(Y[1:N0, 1:T0], 1, diff))``: the scale of the regularisation.
    """
    d = np.diff(np.asarray(y_pre_controls, dtype=float), axis=1).ravel()
    if d.size < 2:
        return float("nan")
    return float(np.std(d, ddof=1))


def sparsify(v: np.ndarray) -> np.ndarray:
    """R synthdid's ``sparsify_function``, row-wise: zero weights <= max/4, renormalise."""
    v = np.where(v <= v.max(axis=-1, keepdims=True) / 4.0, 0.0, v)
    return v / v.sum(axis=-1, keepdims=True)


def _fw_single(H, c, const, n_rows, x, md2, max_iter, refresh):
    """fw_batch for one problem, with Python scalars (few numpy calls per iteration)."""
    hg = H @ x - c
    q = float(x @ H @ x)
    p = float(c @ x)
    Hd = np.diag(H).copy()
    t = 0
    while t < max_iter:
        t += 1
        i = int(hg.argmin())
        hg_i = float(hg[i])
        c_i = float(c[i])
        Hx_i = hg_i + c_i
        num = q - p - hg_i
        den = Hd[i] - 2.0 * Hx_i + q
        s = num / den if den > 0 else 0.0
        s = 0.0 if s < 0 else (1.0 if s > 1 else s)
        one = 1.0 - s
        x *= one
        x[i] += s
        hg *= one
        hg += s * (H[i] - c)
        q = one * one * q + s * (2.0 * one * Hx_i + s * Hd[i])
        p = one * p + s * c_i
        if t % refresh == 0:
            hg = H @ x - c
            q = float(x @ H @ x)
            p = float(c @ x)
        if t >= 2 and s * (2.0 * num - s * den) / n_rows <= md2:
            break
    return x, t


class _Stacked:
    """One Gram matrix per problem, ``H = G + eta I`` stored as (R, k, k)."""

    def __init__(self, G: np.ndarray, eta: np.ndarray, c: np.ndarray):
        k = G.shape[1]
        self.H = G + eta[:, None, None] * np.eye(k)[None, :, :]
        self.Hc = self.H - c[:, None, :]  # row i of H minus c

    def diag(self) -> np.ndarray:
        return np.ascontiguousarray(np.einsum("rkk->rk", self.H))

    def step_rows(self, rows: np.ndarray, i: np.ndarray, flat: np.ndarray) -> np.ndarray:
        return self.Hc[rows, i]

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return np.einsum("rkj,rj->rk", self.H, x)

    def subset(self, keep: np.ndarray) -> None:
        self.H, self.Hc = self.H[keep], self.Hc[keep]

    def single(self) -> np.ndarray:
        return self.H[0]


class _Shared:
    """Problems whose Gram matrices are ``Gfull[C_r][:, C_r]``: memory O(N^2 + R k)."""

    def __init__(self, Gfull: np.ndarray, C: np.ndarray, eta: np.ndarray, c: np.ndarray):
        self.Gfull, self.C, self.eta, self.c = Gfull, C, eta, c

    def diag(self) -> np.ndarray:
        return self.Gfull[self.C, self.C] + self.eta[:, None]

    def step_rows(self, rows: np.ndarray, i: np.ndarray, flat: np.ndarray) -> np.ndarray:
        ci = self.C[rows, i]
        out = self.Gfull[ci[:, None], self.C]
        out -= self.c
        out.ravel()[flat] += self.eta
        return out

    def matvec(self, x: np.ndarray) -> np.ndarray:
        R, N = x.shape[0], self.Gfull.shape[0]
        full = np.zeros((R, N))
        np.add.at(full, (np.arange(R)[:, None], self.C), x)
        return np.take_along_axis(full @ self.Gfull, self.C, axis=1) + self.eta[:, None] * x

    def subset(self, keep: np.ndarray) -> None:
        self.C, self.eta, self.c = self.C[keep], self.eta[keep], self.c[keep]

    def single(self) -> np.ndarray:
        C = self.C[0]
        return self.Gfull[np.ix_(C, C)] + self.eta[0] * np.eye(C.size)


def fw_batch(
    G: np.ndarray | tuple,
    c: np.ndarray,
    const: np.ndarray,
    n_rows: int | np.ndarray,
    zeta: float,
    x0: np.ndarray,
    min_decrease: float,
    max_iter: int,
    refresh: int = 500,
) -> tuple[np.ndarray, np.ndarray]:
    """Frank-Wolfe for ``min_x zeta^2 ||x||^2 + ||A x - b||^2 / n`` over the simplex, batched.

    Mirrors R synthdid's ``sc.weight.fw`` iteration for iteration (exact line search with
    ``eta = n * zeta^2``; stop after ``max_iter`` iterations or once an iteration (the second
    or later) lowers the objective by no more than ``min_decrease^2``), but works on the Gram
    form ``G = A'A`` (R, k, k) -- or ``(Gfull, C)``, meaning ``G_r = Gfull[C_r][:, C_r]`` --
    and ``c = A'b`` (R, k) with rank-one updates: the half-gradient
    ``g = Hx - c`` (``H = G + eta I``), ``q = x'Hx`` and ``p = c'x`` are carried along, and
    the decrease of an exact line-search step is ``s (2 num - s den)`` in closed form.

    Returns the weights (R, k) and the number of iterations each problem used.
    """
    x = np.array(x0, dtype=float, order="C", copy=True)
    R, k = x.shape
    n_rows = np.broadcast_to(np.asarray(n_rows, dtype=float), (R,)).copy()
    eta = n_rows * float(zeta) ** 2
    md2 = float(min_decrease) ** 2
    cf = np.ascontiguousarray(c, dtype=float)
    prov = _Shared(G[0], G[1], eta, cf) if isinstance(G, tuple) else _Stacked(G, eta, cf)
    if R == 1:
        w, t = _fw_single(prov.single(), cf[0], float(const[0]), float(n_rows[0]), x[0],
                          md2, max_iter, refresh)
        return w[None, :], np.array([t])
    out = x.copy()
    iters = np.full(R, max_iter)
    work = np.arange(R)  # problems still in the working set
    Hd = prov.diag()
    Hx = prov.matvec(x)
    hg = np.ascontiguousarray(Hx - cf)
    q = np.einsum("rk,rk->r", Hx, x)
    p = np.einsum("rk,rk->r", cf, x)
    active = np.ones(R)
    n = R
    rows = np.arange(n)
    rk = rows * k
    t = 0
    while t < max_iter:
        t += 1
        i = hg.argmin(axis=1)
        flat = rk + i
        hg_i = hg.ravel()[flat]
        c_i = cf.ravel()[flat]
        H_ii = Hd.ravel()[flat]
        Hx_i = hg_i + c_i
        num = q - p - hg_i
        den = H_ii - 2.0 * Hx_i + q
        s = np.minimum(np.maximum(num / np.maximum(den, 1e-300), 0.0), 1.0)
        s *= active
        one = 1.0 - s
        x *= one[:, None]
        x.ravel()[flat] += s
        step_row = prov.step_rows(rows, i, flat)
        step_row *= s[:, None]
        hg *= one[:, None]
        hg += step_row
        q = one * one * q + s * (2.0 * one * Hx_i + s * H_ii)
        p = one * p + s * c_i
        if t % refresh == 0:
            Hx = prov.matvec(x)
            hg = np.ascontiguousarray(Hx - cf)
            q = np.einsum("rk,rk->r", Hx, x)
            p = np.einsum("rk,rk->r", cf, x)
        if t >= 2:
            stop = (s * (2.0 * num - s * den) <= md2 * n_rows) & (active > 0)
            if stop.any():
                iters[work[stop]] = t
                active[stop] = 0.0
                n_act = n - int((active == 0).sum())
                if n_act == 0:
                    break
                if n_act <= n // 2 and n > 4:  # drop finished problems from the working set
                    keep = active > 0
                    out[work[~keep]] = x[~keep]
                    work, x, hg, cf, Hd = (work[keep], x[keep], hg[keep], cf[keep],
                                           Hd[keep])
                    prov.subset(keep)
                    q, p, active, n_rows = q[keep], p[keep], active[keep], n_rows[keep]
                    n = work.size
                    rows = np.arange(n)
                    rk = rows * k
    out[work] = x
    x = out
    return x, iters


# -- one adoption cohort -----------------------------------------------------------------
@dataclass
class CohortFit:
    """Weights and effects of one cohort (arrays with a leading replication axis)."""

    omega: np.ndarray  # (R, n0)
    lam: np.ndarray  # (R, T0)
    tau: np.ndarray  # (R,)
    gaps: np.ndarray  # (R, T) per-period effect curve (pre periods: fit residuals)
    treated_path: np.ndarray  # (R, T) mean of treated
    synthetic_path: np.ndarray  # (R, T) intercept-shifted weighted controls
    iters: tuple[int, int]  # max Frank-Wolfe iterations used (omega, lambda)
    offset: np.ndarray | None = None  # (R,) intercept shift: lambda-weighted pre-period gap
    capped: bool = False  # a Frank-Wolfe pass after sparsifying stopped at max_iter


_STACK_BYTES = 32e6  # above this the unit-weight problems share one Gram matrix
_BIG = 1e30  # gradient given to padding coordinates, so Frank-Wolfe never picks them


def _lambda_problem(Y: np.ndarray, C: np.ndarray, Cm: np.ndarray, T0: int, intercept: bool):
    """Gram form of the time-weight problem for donor rows ``C`` (R, n0; ``Cm`` marks the
    real entries of padded rows)."""
    Z = np.concatenate([Y[:, :T0], Y[:, T0:].mean(axis=1, keepdims=True)], axis=1)
    Zb = Z[C] * Cm[:, :, None]  # (R, n0, T0+1), padding rows zero
    M = np.einsum("rnt,rns->rts", Zb, Zb)
    if intercept:
        n0 = Cm.sum(axis=1)
        zbar = Zb.sum(axis=1) / n0[:, None]
        M -= n0[:, None, None] * zbar[:, :, None] * zbar[:, None, :]
    return np.ascontiguousarray(M[:, :T0, :T0]), M[:, :T0, T0], M[:, T0, T0]


def _omega_problem(Y: np.ndarray, C: np.ndarray, Cm: np.ndarray, P: np.ndarray,
                   Pm: np.ndarray, T0: int, intercept: bool):
    """Gram form of the unit-weight problem: donors ``C`` (R, n0), treated rows ``P`` (R, n1),
    with masks for padded entries."""
    W = Y[:, :T0]
    if intercept:
        W = W - W.mean(axis=1, keepdims=True)
    Gfull = W @ W.T
    pw = Pm / Pm.sum(axis=1, keepdims=True)  # weights of the treated mean
    c = np.einsum("rnp,rp->rn", Gfull[C[:, :, None], P[:, None, :]], pw)
    c = np.where(Cm, c, -_BIG)
    const = np.einsum("rpq,rp,rq->r", Gfull[P[:, :, None], P[:, None, :]], pw, pw)
    if C.shape[0] * C.shape[1] ** 2 * 8 <= _STACK_BYTES:  # small: one Gram matrix per problem
        mask = Cm[:, :, None] & Cm[:, None, :]
        return np.where(mask, Gfull[C[:, :, None], C[:, None, :]], 0.0), c, const
    return (Gfull, np.ascontiguousarray(C)), c, const


_CHUNK_BYTES = 64e6


def _rows(a: np.ndarray, R: int) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return np.broadcast_to(a, (R, a.shape[-1]))


def fit_cohort_batch(
    Y: np.ndarray,
    C: np.ndarray,
    P: np.ndarray,
    T0: int,
    *,
    zeta_omega: float,
    zeta_lambda: float,
    min_decrease: float,
    omega_intercept: bool = True,
    lambda_intercept: bool = True,
    omega_init: np.ndarray | None = None,
    lambda_init: np.ndarray | None = None,
    update_omega: bool = True,
    update_lambda: bool = True,
    do_sparsify: bool = True,
    max_iter: int = 10_000,
    max_iter_pre_sparsify: int = 100,
    C_mask: np.ndarray | None = None,
    P_mask: np.ndarray | None = None,
) -> CohortFit:
    """SDID (or SC / DiD through the options) for R problems that share ``Y`` and ``T0``.

    ``C`` (R, n0) and ``P`` (R, n1) index the donor and treated rows of ``Y`` (N x T) in each
    problem; rows may repeat (bootstrap). Problems with fewer donors or treated units are
    padded: ``C_mask`` / ``P_mask`` (bool, same shapes) mark the real entries; padding never
    changes the iterates. Options mirror R's ``synthdid_estimate``.
    """
    C = np.atleast_2d(C)
    P = np.atleast_2d(P)
    R, n0 = C.shape
    Cm = np.ones(C.shape, dtype=bool) if C_mask is None else np.atleast_2d(C_mask)
    Pm = np.ones(P.shape, dtype=bool) if P_mask is None else np.atleast_2d(P_mask)
    chunk = max(1, int(_CHUNK_BYTES // (8 * (T0**2 + 4 * n0 + Y.shape[0]))))
    if R > chunk:  # keep the stacked Gram matrices within a fixed memory budget
        parts = []
        for a in range(0, R, chunk):
            sl = slice(a, a + chunk)
            parts.append(fit_cohort_batch(
                Y, C[sl], P[sl], T0, zeta_omega=zeta_omega, zeta_lambda=zeta_lambda,
                min_decrease=min_decrease, omega_intercept=omega_intercept,
                lambda_intercept=lambda_intercept,
                omega_init=None if omega_init is None else _rows(omega_init, R)[sl],
                lambda_init=None if lambda_init is None else _rows(lambda_init, R)[sl],
                update_omega=update_omega, update_lambda=update_lambda,
                do_sparsify=do_sparsify, max_iter=max_iter,
                max_iter_pre_sparsify=max_iter_pre_sparsify, C_mask=Cm[sl], P_mask=Pm[sl]))
        return CohortFit(
            omega=np.concatenate([f.omega for f in parts]),
            lam=np.concatenate([f.lam for f in parts]),
            tau=np.concatenate([f.tau for f in parts]),
            gaps=np.concatenate([f.gaps for f in parts]),
            treated_path=np.concatenate([f.treated_path for f in parts]),
            synthetic_path=np.concatenate([f.synthetic_path for f in parts]),
            iters=(max(f.iters[0] for f in parts), max(f.iters[1] for f in parts)),
            offset=np.concatenate([f.offset for f in parts]),
            capped=any(f.capped for f in parts))
    n0r = Cm.sum(axis=1)
    omega = (Cm / n0r[:, None] if omega_init is None
             else np.array(np.broadcast_to(omega_init, (R, n0)), dtype=float, order="C") * Cm)
    lam = (np.full((R, T0), 1.0 / T0) if lambda_init is None
           else np.array(np.broadcast_to(lambda_init, (R, T0)), dtype=float, order="C"))
    it_o = it_l = 0
    capped = False
    if update_lambda:
        gram, c, const = _lambda_problem(Y, C, Cm, T0, lambda_intercept)
        lam, it1 = fw_batch(gram, c, const, n0r, zeta_lambda, lam, min_decrease,
                            max_iter_pre_sparsify)
        it_l = int(it1.max())
        if do_sparsify:
            lam, it2 = fw_batch(gram, c, const, n0r, zeta_lambda, sparsify(lam), min_decrease,
                                max_iter)
            it_l += int(it2.max())
            capped |= bool((it2 >= max_iter).any())
    if update_omega:
        gram, c, const = _omega_problem(Y, C, Cm, P, Pm, T0, omega_intercept)
        omega, it1 = fw_batch(gram, c, const, T0, zeta_omega, omega, min_decrease,
                              max_iter_pre_sparsify)
        it_o = int(it1.max())
        if do_sparsify:
            omega, it2 = fw_batch(gram, c, const, T0, zeta_omega, sparsify(omega), min_decrease,
                                  max_iter)
            it_o += int(it2.max())
            capped |= bool((it2 >= max_iter).any())
    fit = _finish(Y, C, P, Pm, T0, omega, lam, (it_o, it_l))
    fit.capped = capped
    return fit


def _finish(Y, C, P, Pm, T0, omega, lam, iters) -> CohortFit:
    """Effect curve, paths and estimate from fitted weights."""
    R, T = C.shape[0], Y.shape[1]
    tr_path = np.einsum("rp,rpt->rt", Pm / Pm.sum(axis=1, keepdims=True), Y[P])  # (R, T)
    co_path = np.einsum("rn,rnt->rt", omega, Y[C])
    diff = tr_path - co_path
    offset = np.einsum("rt,rt->r", diff[:, :T0], lam)
    gaps = diff - offset[:, None]
    tau = gaps[:, T0:].mean(axis=1) if T > T0 else np.full(R, np.nan)
    return CohortFit(omega=omega, lam=lam, tau=tau, gaps=gaps, treated_path=tr_path,
                     synthetic_path=co_path + offset[:, None], iters=iters, offset=offset)


def fit_cohort(Y: np.ndarray, N0: int, T0: int, **kw) -> CohortFit:
    """One problem: controls are rows ``0..N0-1`` of ``Y``, treated the rest."""
    C = np.arange(N0)[None, :]
    P = np.arange(N0, Y.shape[0])[None, :]
    return fit_cohort_batch(Y, C, P, T0, **kw)


# -- many independent single problems, solved together ------------------------------------
def _single_form(G, c, n_rows, zeta):
    """``(H, c, n_rows, eta)`` of one problem exactly as :func:`fw_batch` builds them for R=1."""
    n_rows = np.broadcast_to(np.asarray(n_rows, dtype=float), (1,)).copy()
    eta = n_rows * float(zeta) ** 2
    cf = np.ascontiguousarray(c, dtype=float)
    prov = _Shared(G[0], G[1], eta, cf) if isinstance(G, tuple) else _Stacked(G, eta, cf)
    return prov.single(), cf[0], float(n_rows[0])


def fw_exact_many(
    H: list[np.ndarray],
    c: list[np.ndarray],
    n_rows: list[float],
    md2: list[float],
    x0: np.ndarray,
    max_iter: int,
    refresh: int = 500,
) -> tuple[np.ndarray, np.ndarray]:
    """Run R independent one-problem Frank-Wolfe solves (:func:`_fw_single`) in lock-step.

    Each problem has its own ``H = G + eta I`` (k x k, same k for all), ``c``, ``n_rows``
    and squared stopping threshold ``md2``. Every floating-point operation is the one
    :func:`_fw_single` performs, in the same order (element-wise numpy operations round like
    Python floats, and the matrix-vector products are computed per problem on the same
    arrays), so each problem returns bit for bit what it would return solved alone; only
    the Python loop overhead is shared. Problems leave the working set as they stop.

    Returns the weights (R, k) and the iterations each problem used.
    """
    x = np.array(x0, dtype=float, order="C", copy=True)
    R, k = x.shape
    Hs = np.stack(H)
    cs = np.stack(c)
    nr = np.asarray(n_rows, dtype=float)
    m2 = np.asarray(md2, dtype=float)
    hg = np.empty((R, k))
    q = np.empty(R)
    p = np.empty(R)

    def _refresh(j, r):
        xr = x[j].copy()
        hg[j] = H[r] @ xr - c[r]
        q[j] = float(xr @ H[r] @ xr)
        p[j] = float(c[r] @ xr)

    for r in range(R):
        _refresh(r, r)
    Hd = np.ascontiguousarray(np.einsum("rkk->rk", Hs))
    out = x.copy()
    iters = np.full(R, max_iter)
    work = np.arange(R)
    t = 0
    while t < max_iter and work.size:
        t += 1
        rows = np.arange(work.size)
        i = hg.argmin(axis=1)
        hg_i = hg[rows, i]
        c_i = cs[rows, i]
        Hd_i = Hd[rows, i]
        Hx_i = hg_i + c_i
        num = q - p - hg_i
        den = Hd_i - 2.0 * Hx_i + q
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(den > 0, num / den, 0.0)
        s = np.where(s < 0, 0.0, np.where(s > 1, 1.0, s))
        one = 1.0 - s
        x *= one[:, None]
        x[rows, i] += s
        hg *= one[:, None]
        hg += s[:, None] * (Hs[rows, i] - cs)
        q = one * one * q + s * (2.0 * one * Hx_i + s * Hd_i)
        p = one * p + s * c_i
        if t % refresh == 0:
            for j, r in enumerate(work):
                _refresh(j, r)
        if t >= 2:
            stop = s * (2.0 * num - s * den) / nr <= m2
            if stop.any():
                out[work[stop]] = x[stop]
                iters[work[stop]] = t
                keep = ~stop
                work, x, hg, q, p = work[keep], x[keep], hg[keep], q[keep], p[keep]
                Hs, cs, Hd, nr, m2 = Hs[keep], cs[keep], Hd[keep], nr[keep], m2[keep]
    out[work] = x
    return out, iters


def fit_cohort_many(
    Ys: list[np.ndarray],
    N0: int,
    T0: int,
    opts: list[dict],
    *,
    max_iter: int = 10_000,
    max_iter_pre_sparsify: int = 100,
) -> list[CohortFit]:
    """:func:`fit_cohort` for many problems of the same shape, each with its own data.

    Problem r has outcome matrix ``Ys[r]`` (controls rows ``0..N0-1``, treated the rest) and
    options ``opts[r]`` (the keyword options of :func:`fit_cohort_batch` except the masks;
    the boolean switches must agree across problems, the tuning numbers may differ).
    The result of each problem is bit-for-bit the result of ``fit_cohort(Ys[r], N0, T0,
    **opts[r])``: the set-up and finishing are the same calls on the same arrays, and the
    Frank-Wolfe solves run together through :func:`fw_exact_many`. Used for
    placebo-in-space, where every comparison unit in turn is the treated unit.
    """
    R = len(Ys)
    if R == 0:
        return []
    N = Ys[0].shape[0]
    flags = ("omega_intercept", "lambda_intercept", "update_omega", "update_lambda",
             "do_sparsify")
    defaults = dict(omega_intercept=True, lambda_intercept=True, update_omega=True,
                    update_lambda=True, do_sparsify=True)
    f0 = {f: opts[0].get(f, defaults[f]) for f in flags}
    if any({f: o.get(f, defaults[f]) for f in flags} != f0 for o in opts):
        raise ValueError("fit_cohort_many: problems must share the option switches")
    C = np.arange(N0)[None, :]
    P = np.arange(N0, N)[None, :]
    Cm = np.ones(C.shape, dtype=bool)
    Pm = np.ones(P.shape, dtype=bool)
    n0r = Cm.sum(axis=1)
    omegas = [Cm / n0r[:, None] for _ in range(R)]
    lams = []
    for o in opts:
        li = o.get("lambda_init")
        lams.append(np.full((1, T0), 1.0 / T0) if li is None
                    else np.array(np.broadcast_to(li, (1, T0)), dtype=float, order="C"))
    it_o = np.zeros(R, dtype=int)
    it_l = np.zeros(R, dtype=int)

    def _solve(problems, x0s, zeta_key, n_rows):
        Hl, cl, nl, m2 = [], [], [], []
        for (G, c, _const), o in zip(problems, opts):
            H, c0, nr = _single_form(G, c, n_rows, o[zeta_key])
            Hl.append(H)
            cl.append(c0)
            nl.append(nr)
            m2.append(float(o["min_decrease"]) ** 2)
        x0 = np.concatenate(x0s)
        w, it1 = fw_exact_many(Hl, cl, nl, m2, x0, max_iter_pre_sparsify)
        w = [w[r][None, :] for r in range(R)]
        if not f0["do_sparsify"]:
            return w, it1
        w2, it2 = fw_exact_many(Hl, cl, nl, m2, np.concatenate([sparsify(v) for v in w]),
                                max_iter)
        return [w2[r][None, :] for r in range(R)], it1 + it2

    if f0["update_lambda"]:
        probs = [_lambda_problem(Y, C, Cm, T0, f0["lambda_intercept"]) for Y in Ys]
        lams, it_l = _solve(probs, lams, "zeta_lambda", n0r)
    if f0["update_omega"]:
        probs = [_omega_problem(Y, C, Cm, P, Pm, T0, f0["omega_intercept"]) for Y in Ys]
        omegas, it_o = _solve(probs, omegas, "zeta_omega", T0)
    return [_finish(Y, C, P, Pm, T0, om, lam, (int(a), int(b)))
            for Y, om, lam, a, b in zip(Ys, omegas, lams, it_o, it_l)]
