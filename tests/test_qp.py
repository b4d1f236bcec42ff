"""Simplex-constrained least squares against scipy's SLSQP and the KKT conditions."""

import numpy as np
import pytest
from scipy.optimize import minimize

from wsa_eval.synth._qp import simplex_ls


@pytest.mark.parametrize("seed", range(40))
def test_simplex_ls_matches_slsqp_and_satisfies_kkt(seed):
    rng = np.random.default_rng(seed)
    m, n = rng.integers(3, 30), rng.integers(2, 50)
    A = rng.normal(size=(m, n))
    b = rng.normal(size=m) * rng.uniform(0.1, 3)
    r = simplex_ls(A, b)
    assert r.converged
    assert r.w.min() >= 0 and abs(r.w.sum() - 1) < 1e-12
    assert r.kkt_gap < 1e-10
    ref = minimize(
        lambda w: np.sum((A @ w - b) ** 2), np.ones(n) / n,
        jac=lambda w: 2 * A.T @ (A @ w - b), bounds=[(0, 1)] * n,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 2000},
    )
    # SLSQP may violate sum(w)=1 by ~1e-9, so it can look slightly better; never by more
    assert r.loss <= ref.fun + 1e-6 * max(1.0, ref.fun)


def test_simplex_ls_exact_interior_solution():
    # b is an exact convex combination of the columns: loss 0 at those weights
    rng = np.random.default_rng(1)
    A = rng.normal(size=(12, 4))
    w_true = np.array([0.5, 0.3, 0.2, 0.0])
    r = simplex_ls(A, A @ w_true)
    np.testing.assert_allclose(r.w, w_true, atol=1e-10)
    assert r.loss < 1e-20


def test_gram_form_equals_matrix_form():
    rng = np.random.default_rng(2)
    A, b = rng.normal(size=(8, 20)), rng.normal(size=8)
    r1 = simplex_ls(A, b)
    r2 = simplex_ls(G=A.T @ A, c=A.T @ b, const=float(b @ b))
    np.testing.assert_allclose(r1.w, r2.w, atol=1e-12)


def test_warm_starts_give_the_same_optimum():
    rng = np.random.default_rng(5)
    for _ in range(20):
        A, b = rng.normal(size=(6, 30)), rng.normal(size=6)
        cold = simplex_ls(A, b)
        x0 = rng.dirichlet(np.ones(30))
        warm = simplex_ls(A, b, w0=x0)
        sup = simplex_ls(A, b, support=np.flatnonzero(cold.w > 0))
        assert warm.loss <= cold.loss + 1e-10 and sup.loss <= cold.loss + 1e-10
        np.testing.assert_allclose(warm.w, cold.w, atol=1e-7)
        assert sup.iterations == 1
