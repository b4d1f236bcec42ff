"""The tables of a Poisson DiD fit: coefficients, effects by term, the headline."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import _ppml_core as core
from ._ppml_result import PPMLResult

__all__ = ["build_result", "coefficient_table", "terms", "stat_gradients", "delta_se",
           "randomization_table"]


def terms(df: pd.DataFrame, cells: list) -> dict[str, np.ndarray]:
    """Observation masks of the reported terms: the overall effect (every treated cell from
    the start on), then each event time ``e = t - g`` with a treatment cell."""
    g, t = df["g"].to_numpy(float), df["t"].to_numpy(float)
    cell = np.zeros(len(df), bool)
    for cg, ct in cells:
        cell |= (g == cg) & (t == ct)
    e = np.where(np.isfinite(g), t - g, np.nan)
    out = {"overall": cell & (e >= 0)}
    for k in sorted(pd.unique(e[cell])):
        out[f"e = {int(k)}"] = cell & (e == k)
    return out


def stat_gradients(fit, X, X0, groups, mask):
    """Values and gradients (beta part, alpha part) of the three scales of one term."""
    mu = fit.mu
    contrast = (X - X0) @ fit.beta
    mu0 = mu * np.exp(-contrast)
    n_g = len(fit.alpha)
    m, m0 = mu[mask], mu0[mask]
    S, S0, n = m.sum(), m0.sum(), mask.sum()
    ga = np.bincount(groups[mask], weights=m, minlength=n_g)
    ga0 = np.bincount(groups[mask], weights=m0, minlength=n_g)
    out = {
        "log": (math.log(S / S0), (m @ X[mask]) / S - (m0 @ X0[mask]) / S0, ga / S - ga0 / S0),
        "count": ((S - S0) / n, (m @ X[mask] - m0 @ X0[mask]) / n, (ga - ga0) / n),
        "link": (float(contrast[mask].mean()), (X[mask] - X0[mask]).mean(0), np.zeros(n_g)),
    }
    return out, float(S0)


def delta_se(grad_b, grad_a, psi, resid_scaled, xbar, groups, clusters, factor) -> float:
    """Cluster-robust standard error of a smooth function of the fit (delta method)."""
    v = grad_b - grad_a @ xbar
    per_obs = grad_a[groups] * resid_scaled
    infl = psi @ v + np.bincount(clusters, weights=per_obs, minlength=psi.shape[0])
    return float(math.sqrt(factor * np.sum(infl ** 2)))


def randomization_table(est: dict[str, float], draws: pd.DataFrame, alpha: float
                         ) -> pd.DataFrame:
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for term, e in est.items():
        d = draws[term].dropna().to_numpy(float) if term in draws else np.array([])
        J = len(d)
        n_ge = int(np.sum(np.abs(d) >= abs(e) * (1 - 1e-12)))
        se = float(np.std(d)) if J > 1 else math.nan
        rows.append({"term": term, "std_error": se, "p_value": (1 + n_ge) / (J + 1) if J else
                     math.nan, "ci_low": e - z * se, "ci_high": e + z * se, "n_as_large": n_ge,
                     "n_placebos": J})
    return pd.DataFrame(rows).set_index("term")




def _time_value(t: float) -> Any:
    return int(t) if float(t).is_integer() else t


def coefficient_table(des, fit, y, alpha: float) -> tuple[pd.DataFrame, float, tuple]:
    """All coefficients with cluster-robust standard errors (R fixest's small-sample factor
    ``G/(G-1) (n-1)/(n-K)``, ``K`` counting absorbed effects not nested in the clusters)."""
    psi, rs, xbar = core.influence(fit, y, des.X, des.groups, des.clusters)
    n, K = des.X.shape
    factor = core.small_sample_factor(n, K + des.n_absorbed, psi.shape[0])
    V = factor * psi.T @ psi
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = fit.beta / se
    tab = pd.DataFrame({"term": des.names, "estimate": fit.beta, "std_error": se,
                        "statistic": stat, "p_value": 2 * stats.norm.sf(np.abs(stat)),
                        "ci_low": fit.beta - z * se, "ci_high": fit.beta + z * se})
    return tab, factor, (psi, rs, xbar)


def build_result(df: pd.DataFrame, des, fit, *, inference: str, draws, exact: bool,
                 alpha: float, spec: dict, exposure: str | None, outcome: str, n_treated: int,
                 event_study: bool) -> PPMLResult:
    y = df["y"].to_numpy(float)
    coefs, factor, (psi, rs, xbar) = coefficient_table(des, fit, y, alpha)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    est = {}
    for name, mask in terms(df, des.cells).items():
        if not mask.any():
            continue
        vals, expected0 = stat_gradients(fit, des.X, des.X0, des.groups, mask)
        row = {"term": name}
        for scale, (v, gb, ga) in vals.items():
            row[scale] = v
            row[f"{scale}_se"] = delta_se(gb, ga, psi, rs, xbar, des.groups, des.clusters,
                                           factor)
        row["event_time"] = (math.nan if name == "overall" else int(name.split("= ")[1]))
        row["n_obs"] = int(mask.sum())
        row["observed"] = float(y[mask].sum())
        rows.append(row)
        est[name] = vals["log"][0]
    t = pd.DataFrame(rows).set_index("term")
    if inference == "randomization":
        ri = randomization_table(est, draws, alpha)
        se, p = ri["std_error"].reindex(t.index), ri["p_value"].reindex(t.index)
        lo, hi = ri["ci_low"].reindex(t.index), ri["ci_high"].reindex(t.index)
        n_pl = ri["n_placebos"].reindex(t.index)
        n_ge = ri["n_as_large"].reindex(t.index)
    else:
        se = t["log_se"]
        p = pd.Series(2 * stats.norm.sf(np.abs(t["log"] / se)), index=t.index)
        lo, hi = t["log"] - z * se, t["log"] + z * se
        n_pl = n_ge = pd.Series(np.nan, index=t.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = t["log"] / se
    table = pd.DataFrame({
        "term": t.index, "estimate": t["log"].to_numpy(), "std_error": se.to_numpy(),
        "statistic": stat.to_numpy(), "p_value": p.to_numpy(), "ci_low": lo.to_numpy(),
        "ci_high": hi.to_numpy(), "event_time": t["event_time"].to_numpy(),
        "percent_change": np.expm1(t["log"].to_numpy()),
        "percent_ci_low": np.expm1(lo.to_numpy()), "percent_ci_high": np.expm1(hi.to_numpy()),
        "att_count": t["count"].to_numpy(), "att_count_std_error": t["count_se"].to_numpy(),
        "link_average": t["link"].to_numpy(), "link_average_std_error": t["link_se"].to_numpy(),
        "n_obs": t["n_obs"].to_numpy(int), "observed": t["observed"].to_numpy(),
        "n_as_large": n_ge.to_numpy(), "n_placebos": n_pl.to_numpy()})
    head = table[table["term"] == "overall"].iloc[0]
    effects = table[table["term"] != "overall"].reset_index(drop=True)
    effects["event_time"] = effects["event_time"].astype(int)
    cells = coefs[coefs["term"].str.match(r"^treat::[^:]+:[^:]+$")].copy()
    if len(cells):
        parts = cells["term"].str.split(":", expand=True)
        cells["cohort"] = [_time_value(float(x)) for x in parts[2]]
        cells["time"] = [_time_value(float(x)) for x in parts[3]]
        cells["percent_change"] = np.expm1(cells["estimate"])
    if inference == "randomization":
        J = int(head["n_placebos"])
        how = (f"placebo-in-space: each of the {J} comparison units in turn given the scheme "
               f"(exact permutation p-value, smallest possible {1 / (J + 1):.3f}; placebo "
               "standard error)") if exact else (
               f"randomization inference: first-treated periods reassigned across units {J} "
               "times (Monte Carlo permutation p-value; standard error from the permutation "
               "spread)")
    else:
        how = (f"cluster-robust standard errors ({psi.shape[0]} clusters, small-sample "
               "factor as R fixest), delta method for percentage changes")
    diag = {"n_clusters": int(psi.shape[0]), "converged": bool(fit.converged),
            "iterations": int(fit.iterations), "loglik": fit.loglik,
            "dropped_columns": list(des.dropped), "small_sample_factor": factor,
            "outcome_is_count": bool(np.all(y == np.round(y))),
            "n_comparison_units": int(pd.unique(df.loc[~np.isfinite(df["g"]), "u"]).size)}
    if inference == "randomization":
        diag["min_p_value"] = 1 / (int(head["n_placebos"]) + 1)
    what = "rate" if exposure else "count"
    return PPMLResult(
        method="Poisson difference-in-differences (Wooldridge 2023)", spec=spec,
        diagnostics=diag, warnings=(), estimate=float(head["estimate"]),
        se=float(head["std_error"]), ci_low=float(head["ci_low"]),
        ci_high=float(head["ci_high"]), p_value=float(head["p_value"]), alpha=alpha,
        inference=how,
        estimand=f"log ratio of the treated units' expected {what} to the {what} without the "
                 "scheme, from the start on",
        effects=effects, n_obs=int(len(df)), n_units=int(df["u"].nunique()),
        n_treated=n_treated, coefficients=coefs, cells=cells.reset_index(drop=True),
        percent_change=float(head["percent_change"]),
        percent_ci_low=float(head["percent_ci_low"]),
        percent_ci_high=float(head["percent_ci_high"]), att_count=float(head["att_count"]),
        att_count_std_error=float(head["att_count_std_error"]), observed=float(head["observed"]),
        exposure=exposure, outcome=outcome, event_study=event_study,
        replications=None if draws is None else draws.get("overall", pd.Series(dtype=float)
                                                           ).to_numpy(float))
