"""Wild cluster bootstrap for one coefficient of a linear regression.

References
----------
* Cameron, Gelbach & Miller (2008), "Bootstrap-based improvements for inference with
  clustered errors", Review of Economics and Statistics 90(3).
* MacKinnon & Webb (2017), "Wild bootstrap inference for wildly different cluster sizes",
  Journal of Applied Econometrics 32(2): the six-point (Webb) weights, and why the
  restricted bootstrap under-rejects and the unrestricted one over-rejects when only one or
  a few clusters are treated.
* MacKinnon & Webb (2018), "The wild bootstrap for few (treated) clusters", Econometrics
  Journal 21(2).
* Roodman, MacKinnon, Nielsen & Webb (2019), "Fast and wild: bootstrap inference in Stata
  using boottest", Stata Journal 19(1): the algebra used here, where every bootstrap
  t-statistic is computed from G-vectors and G x G matrices, never by refitting.

The model is ``y = X beta + u`` with errors independent across clusters (any correlation
within a cluster). The wild cluster bootstrap draws ``y* = X beta_tilde + v_g u_tilde`` with
one weight ``v_g`` per cluster (Rademacher +/-1, or Webb's six points) and compares the
cluster-robust (CRV1) t-statistic with its bootstrap distribution. ``impose_null=True``
(WCR, the recommended default) uses the restricted estimates (``beta_k = null``);
``impose_null=False`` (WCU) uses the unrestricted ones. With Rademacher weights and
``2**G <= reps`` all ``2**G`` sign vectors are enumerated, so the result is deterministic.

P-values are symmetric: the share of bootstrap ``|t*|`` at least as large as ``|t|`` (the
draw equal to the data counts, as in an exact test). Intervals invert the WCR test (the set
of ``beta0`` whose p-value exceeds ``alpha``), or, for WCU, are studentized-bootstrap
intervals ``beta_hat -/+ q * se`` with ``q`` the ``1 - alpha`` quantile of ``|t*|``.

Assumptions: clusters independent, enough of them *and* enough treated ones. With a single
treated cluster no cluster-based method can estimate that cluster's error variance: WCR then
almost never rejects and WCU rejects far too often (MacKinnon & Webb 2017, 2018). Use
randomization inference or Conley-Taber intervals there; the functions warn.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from itertools import product
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._compat import warn_renamed
from .._utils import (
    as_generator,
    check_alpha,
    check_choice,
    hash_frame,
    progress_iter,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import EstimationError, InferenceWarning, SpecificationError
from ..panel import validate_panel
from ..results import EffectResult, make_spec, result_dataclass, tidy_frame
from ._fe import codes, nested_in, twfe_design

__all__ = ["WildBootstrapTest", "WildBootstrapResult", "wild_cluster_bootstrap",
           "wild_bootstrap_twfe", "draw_wild_weights"]

_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])


def draw_wild_weights(
    n_clusters: int, reps: int, kind: str, rng: np.random.Generator
) -> tuple[np.ndarray, bool]:
    """A ``G x B`` matrix of cluster weights and whether it is the full enumeration.

    Rademacher with ``2**G <= reps``: all ``2**G`` sign vectors (deterministic).
    """
    if kind == "rademacher" and 2**n_clusters <= reps:
        v = np.array(list(product([-1.0, 1.0], repeat=n_clusters))).T
        return v, True
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, reps)), False
    return rng.choice(_WEBB, size=(n_clusters, reps)), False


@dataclass(frozen=True)
class WildBootstrapTest:
    """What :func:`wild_cluster_bootstrap` returns (plain numbers; no data).

    ``t_boot`` holds the bootstrap t-statistics (under the null when ``impose_null``).
    """

    estimate: float
    se: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    alpha: float
    null: float
    impose_null: bool
    weights: str
    reps: int
    enumerated: bool
    n_clusters: int
    n_treated_clusters: int
    t_boot: np.ndarray = field(repr=False)

    @property
    def min_p_value(self) -> float:
        """The smallest p-value the bootstrap can report (1 / number of draws)."""
        return 1.0 / self.reps


class _Fast:
    """The G-level quantities of Roodman et al. (2019) for coefficient k."""

    def __init__(self, X: np.ndarray, y: np.ndarray, g: np.ndarray, k: int):
        self.X, self.y, self.g, self.k = X, y, g, k
        n, p = X.shape
        self.G = int(g.max()) + 1
        xtx = X.T @ X
        try:
            self.A = np.linalg.inv(xtx)
        except np.linalg.LinAlgError as exc:  # pragma: no cover - checked by rank below
            raise EstimationError("The regressors are perfectly collinear.") from exc
        self.a = self.A[k]  # row of (X'X)^-1 for beta_k
        self.beta = self.A @ (X.T @ y)
        # P_g = a X_g'X_g A   (G x p)
        self.P = np.empty((self.G, p))
        for gg in range(self.G):
            Xg = X[g == gg]
            self.P[gg] = self.a @ (Xg.T @ Xg) @ self.A
        self.ssc = self.G / (self.G - 1) * (n - 1) / (n - p)
        # restricted residual pieces: u_tilde(b0) = ry - b0 * rx (regress on X without k)
        Xr = np.delete(X, k, axis=1)
        if Xr.shape[1]:
            coef, *_ = np.linalg.lstsq(Xr, np.column_stack([y, X[:, k]]), rcond=None)
            R = np.column_stack([y, X[:, k]]) - Xr @ coef
        else:
            R = np.column_stack([y, X[:, k]])
        self.ry, self.rx = R[:, 0], R[:, 1]
        self.u_hat = y - X @ self.beta

    def _cq(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """c_g = a X_g'u_g (G) and Q_g = X_g'u_g (G x p)."""
        Q = np.zeros((self.G, self.X.shape[1]))
        np.add.at(Q, self.g, self.X * u[:, None])
        return Q @ self.a, Q

    def se_of(self, u: np.ndarray) -> float:
        c, _ = self._cq(u)
        return math.sqrt(self.ssc * float(c @ c))

    def t_boot(self, u: np.ndarray, V: np.ndarray) -> np.ndarray:
        """Bootstrap t numerators/denominators for y* = fitted + u * v_g (any fitted in span X)."""
        c, Q = self._cq(u)
        num = c @ V
        SV = c[:, None] * V - self.P @ (Q.T @ V)
        den = np.sqrt(self.ssc * np.einsum("gb,gb->b", SV, SV))
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / den


def _pval(t: float, tb: np.ndarray) -> float:
    ok = np.isfinite(tb)
    return float(np.mean(np.abs(tb[ok]) >= abs(t) - 1e-12 * max(1.0, abs(t))))


def wild_cluster_bootstrap(
    X: np.ndarray,
    y: np.ndarray,
    clusters: Any,
    coef_index: int,
    *,
    null: float = 0.0,
    weights: Literal["rademacher", "webb"] = "rademacher",
    reps: int = 9999,
    impose_null: bool = True,
    alpha: float = 0.05,
    ci: bool = True,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
) -> WildBootstrapTest:
    """Wild cluster bootstrap test of ``beta_k = null`` in ``y = X beta + u`` (pure numpy).

    Parameters
    ----------
    X : array (n, p)
        Regressors, including any intercept or fixed-effect dummies. Fixed effects may be
        absorbed beforehand by demeaning only if they are nested within the clusters.
    y : array (n,)
    clusters : array (n,)
        Cluster labels (any hashable values).
    coef_index : int
        Column of X whose coefficient is tested.
    null : float
        The hypothesised value ``beta0``.
    weights : {"rademacher", "webb"}
        Rademacher +/-1, or Webb's six-point weights (better with fewer than about 12
        clusters, where Rademacher gives too few distinct draws).
    reps : int
        Bootstrap draws; with Rademacher and ``2**G <= reps`` all sign vectors are used.
    impose_null : bool
        True: restricted (WCR, recommended). False: unrestricted (WCU).
    alpha : float
        Level of the interval.
    ci : bool
        Compute the interval (test inversion for WCR, a little slower).
    random_state, progress
        Seed / Generator; progress bar for the interval search.

    Returns
    -------
    WildBootstrapTest
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise SpecificationError("X must be (n, p) and y (n,) with the same n.")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise SpecificationError("X and y must be finite (no NaN or inf).")
    if not 0 <= coef_index < X.shape[1]:
        raise SpecificationError(f"coef_index={coef_index} is outside 0..{X.shape[1] - 1}.")
    check_choice("weights", weights, ("rademacher", "webb"))
    alpha = check_alpha(alpha)
    if int(reps) < 99:
        raise SpecificationError(f"reps={reps} is too few; use at least 99 (9999 recommended).")
    g, labels = codes(np.asarray(clusters))
    if len(g) != len(y):
        raise SpecificationError("clusters must have one label per row of X.")
    G = len(labels)
    if G < 2:
        raise EstimationError("The wild cluster bootstrap needs at least 2 clusters.")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise EstimationError("The regressors are perfectly collinear; drop redundant columns.")
    rng = as_generator(random_state)
    fast = _Fast(X, y, g, coef_index)
    V, enumerated = draw_wild_weights(G, int(reps), weights, rng)
    beta_k = float(fast.beta[coef_index])
    se = fast.se_of(fast.u_hat)
    t = (beta_k - null) / se if se > 0 else math.nan
    xk = X[:, coef_index]
    n_treated = int(np.unique(g[np.abs(xk - np.median(xk)) > 1e-12]).size)

    def t_boot_at(b0: float) -> np.ndarray:
        return fast.t_boot(fast.ry - b0 * fast.rx, V)

    if impose_null:
        tb = t_boot_at(null)
    else:
        tb = fast.t_boot(fast.u_hat, V)
    p = _pval(t, tb)
    lo = hi = math.nan
    if ci:
        if impose_null:
            lo, hi = _invert(lambda b0: _pval((beta_k - b0) / se, t_boot_at(b0)),
                             beta_k, se, alpha, progress)
        else:
            q = float(np.quantile(np.abs(tb[np.isfinite(tb)]), 1 - alpha))
            lo, hi = beta_k - q * se, beta_k + q * se
    return WildBootstrapTest(
        estimate=beta_k, se=se, t_stat=t, p_value=p, ci_low=lo, ci_high=hi, alpha=alpha,
        null=float(null), impose_null=bool(impose_null), weights=weights, reps=V.shape[1],
        enumerated=enumerated, n_clusters=G, n_treated_clusters=n_treated, t_boot=tb,
    )


def _invert(pfun: Any, est: float, se: float, alpha: float, progress: bool | None,
            tol: float = 1e-7) -> tuple[float, float]:
    """Endpoints of {b0 : p(b0) > alpha} by bracketing then bisection on each side."""
    if pfun(est) <= alpha:  # pragma: no cover - the estimate itself is always accepted
        return math.nan, math.nan
    ends = []
    steps = list(progress_iter([-1, 1], desc="wild bootstrap CI", progress=progress))
    for sign in steps:
        inside, step, outside = est, 2 * se, None
        for _ in range(40):
            cand = est + sign * step
            if pfun(cand) <= alpha:
                outside = cand
                break
            inside = cand
            step *= 2
        if outside is None:
            ends.append(sign * math.inf)
            continue
        for _ in range(80):
            if abs(outside - inside) <= tol * max(se, 1e-12):
                break
            mid = 0.5 * (inside + outside)
            if pfun(mid) > alpha:
                inside = mid
            else:
                outside = mid
        ends.append(0.5 * (inside + outside))
    return ends[0], ends[1]


# -- panel wrapper --------------------------------------------------------------------------

@result_dataclass
class WildBootstrapResult(EffectResult):
    """TWFE difference-in-differences coefficient with wild cluster bootstrap inference."""

    test: WildBootstrapTest | None = None

    _plot_kinds: ClassVar[dict[str, str]] = {"effects": "wsa_eval.plotting:effects_plot"}


def few_treated_warning(n_treated: int, n_clusters: int, impose_null: bool) -> str | None:
    """Plain-English warning for the wild bootstrap with few treated clusters."""
    if n_treated > 2:
        return None
    which = ("With the null imposed (WCR) the test is known to be very conservative: it "
             "almost never rejects, and its interval can be very wide or unbounded"
             if impose_null else
             "Without the null imposed (WCU) the test is known to reject far too often")
    return (f"Only {n_treated} of {n_clusters} clusters contain treated observations. "
            f"{which} (MacKinnon & Webb 2017, 2018). With one treated area, prefer "
            "randomization inference across areas or Conley-Taber intervals.")


def wild_bootstrap_twfe(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str | None = None,
    treated: Any = None,
    start: Any = None,
    cluster: str | None = None,
    null: float = 0.0,
    weights: Literal["rademacher", "webb"] = "rademacher",
    reps: int = 9999,
    impose_null: bool = True,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
) -> WildBootstrapResult:
    """TWFE DiD (``outcome ~ D + unit FE + period FE``) with wild cluster bootstrap.

    The treatment is ``treatment``, a 0/1 column (1 in treated unit-periods), or ``treated``
    (unit label(s)) with ``start`` (their first treated period). ``treated="D"`` naming a
    0/1 column is the old spelling (a FutureWarning; use ``treatment="D"``). Clusters
    default to ``unit``. Unit effects are absorbed by demeaning when units are nested in
    clusters; period effects enter as dummies. See :func:`wild_cluster_bootstrap` for the
    method and its caveats.
    """
    require_frame(data)
    treatment, treated = _timing(data, unit, treatment, treated)
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time,
                           "treatment": treatment, "cluster": cluster})
    args = dict(outcome=outcome, unit=unit, time=time, treatment=treatment, treated=treated,
                start=start, cluster=cluster, null=null, weights=weights, reps=reps,
                impose_null=impose_null, alpha=alpha)
    rep = validate_panel(data, unit=unit, time=time, outcome=outcome, treatment=treatment,
                         treated=treated, start=start, balanced=False)
    df = rep.data
    g = rep.cohorts.reindex(df[unit].to_numpy()).to_numpy(dtype=float)
    dvec = (df[time].to_numpy(dtype=float) >= g).astype(float)
    term = treatment or "treated"
    cl_col = cluster or unit
    if df[cl_col].isna().any():
        raise SpecificationError(f"The cluster column {cl_col!r} has missing values.")
    u_codes, _ = codes(df[unit].to_numpy())
    t_codes, _ = codes(df[time].to_numpy())
    clusters = df[cl_col].to_numpy()
    absorb = nested_in(df[unit].to_numpy(), clusters)
    X, y, names, _ = twfe_design(u_codes, t_codes, df[outcome].to_numpy(float),
                                 dvec, [term], absorb_unit=absorb)
    rng, seed = resolve_random_state(random_state)
    test = wild_cluster_bootstrap(X, y, clusters, 0, null=null, weights=weights, reps=reps,
                                  impose_null=impose_null, alpha=alpha,
                                  random_state=rng, progress=progress)
    warns = [w for w in [few_treated_warning(test.n_treated_clusters, test.n_clusters,
                                             impose_null)] if w]
    if test.enumerated is False and weights == "rademacher" and test.n_clusters < 12:
        warns.append(f"Only {test.n_clusters} clusters: Rademacher weights give at most "
                     f"{2**test.n_clusters} distinct draws; consider weights='webb'.")
    if not (math.isfinite(test.ci_low) and math.isfinite(test.ci_high)):
        warns.append("The bootstrap interval is unbounded: the data cannot rule out effects "
                     "of any size with this method.")
    for w in warns:
        warnings.warn(w, InferenceWarning, stacklevel=2)
    kind = "restricted (WCR, null imposed)" if impose_null else "unrestricted (WCU)"
    how = ("all 2^G Rademacher sign vectors enumerated" if test.enumerated
           else f"{test.reps} {weights} draws")
    inference = (f"wild cluster bootstrap-t, {kind}, {how}, {test.n_clusters} clusters by "
                 f"{cl_col!r} ({test.n_treated_clusters} treated); p-value for "
                 f"H0: effect = {null:g}; interval by "
                 + ("test inversion" if impose_null else "studentized bootstrap"))
    eff = tidy_frame([term], [test.estimate], [test.se], alpha=alpha,
                     p_values=[test.p_value], ci=(np.array([test.ci_low]),
                                                  np.array([test.ci_high])))
    return WildBootstrapResult(
        method="Two-way fixed effects DiD, wild cluster bootstrap (Roodman et al. 2019)",
        estimate=test.estimate, se=test.se, ci_low=test.ci_low, ci_high=test.ci_high,
        p_value=test.p_value, alpha=alpha, inference=inference,
        estimand="average effect on the treated (TWFE coefficient)", effects=eff,
        n_obs=int(len(y)), n_units=int(df[unit].nunique()),
        n_treated=int(np.isfinite(rep.cohorts.to_numpy(dtype=float)).sum()),
        spec=make_spec("wild_bootstrap_twfe", args, data_hash=hash_frame(data),
                       seed=seed),
        diagnostics={"n_clusters": test.n_clusters,
                     "n_treated_clusters": test.n_treated_clusters,
                     "enumerated": test.enumerated, "reps": test.reps,
                     "min_p_value": test.min_p_value, "t_stat": test.t_stat,
                     "regressors": names},
        warnings=tuple(warns), test=test,
    )


def _timing(data: pd.DataFrame, unit: str, treatment: Any, treated: Any) -> tuple[Any, Any]:
    """The old spelling ``treated="D"`` (a 0/1 column) becomes ``treatment="D"`` with a
    FutureWarning; a ``treated`` that is a unit label stays a label."""
    if (treatment is None and isinstance(treated, str) and treated in data.columns
            and not (unit in data.columns and (data[unit] == treated).any())):
        warn_renamed("wild_bootstrap_twfe", "treated (naming a 0/1 column)",
                     "'treatment' (treated= now takes unit labels, with start=)",
                     stacklevel=4)
        return treated, None
    if treatment is None and treated is None:
        raise SpecificationError("Give the treatment: treatment= (a 0/1 column) or treated= "
                                 "(unit label(s)) with start=.")
    return treatment, treated
