"""Reference numbers for tests/did/test_reg_*.py (regression DiD estimators).

Run from the repository root with the peer-package environment (pyfixest, statsmodels):

    python -m venv peer-env && peer-env/bin/pip install "pyfixest==0.60.0" statsmodels
    peer-env/bin/python tests/reference/did_reg/make_reference.py

It writes ``reference_values.json`` beside this file. Nothing here imports wsa_eval: every
number comes from pyfixest (fixest's Python port), statsmodels, or a deliberately naive
dense-matrix implementation of the Borusyak-Jaravel-Spiess variance written from the paper
(Theorem 3, Section 4.3) with explicit loops.

Data: castle.csv (Cheng & Hoekstra 2013, as used by Goodman-Bacon 2021 and R bacondecomp)
and mpdta.csv (Callaway & Sant'Anna 2021), the copies in src/wsa_eval/datasets/data.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf
import statsmodels.formula.api as smf

warnings.simplefilter("ignore")
HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "src" / "wsa_eval" / "datasets" / "data"


def castle() -> pd.DataFrame:
    d = pd.read_csv(DATA / "castle.csv")
    # first treated year from `post` (Alaska and Arizona have post = 0 in their
    # treatment_date year, 2005; bacondecomp derives timing from post too)
    first = d.loc[d.post == 1].groupby("state")["year"].min()
    d["g"] = d["state"].map(first).fillna(0).astype(int)
    return d


def mpdta() -> pd.DataFrame:
    d = pd.read_csv(DATA / "mpdta.csv")
    return d.rename(columns={"first.treat": "first_treat"})


def se_of(m) -> list[float]:
    return [float(x) for x in m.se().to_numpy()]


def coef_of(m) -> list[float]:
    return [float(x) for x in m.coef().to_numpy()]


def twfe_refs(out: dict) -> None:
    d = castle()
    m = pf.feols("l_homicide ~ post | sid + year", d, vcov={"CRV1": "sid"})
    out["castle_twfe"] = {"coef": coef_of(m)[0], "se_crv1": se_of(m)[0]}
    m = pf.feols("l_homicide ~ post | sid + year", d, vcov={"CRV1": "sid"}, weights="popwt")
    out["castle_twfe_popwt"] = {"coef": coef_of(m)[0], "se_crv1": se_of(m)[0]}
    # a covariate and clustering on a coarser variable than the unit (census-like blocks)
    d["block"] = d["sid"] % 7
    d["x"] = np.sin(d["sid"] * 1.3 + d["year"] * 0.7)
    m = pf.feols("l_homicide ~ post + x | sid + year", d, vcov={"CRV1": "block"})
    out["castle_twfe_cov_block"] = {"coef": coef_of(m), "se_crv1": se_of(m)}
    # binned event study: leads 4, lags 4, reference -1
    rel = np.where(d.g > 0, d.year - d.g, np.nan)
    e = np.clip(rel, -4, 4)
    names = []
    for k in range(-4, 5):
        if k == -1:
            continue
        nm = f"e_m{-k}" if k < 0 else f"e_p{k}"
        d[nm] = (e == k).astype(float)
        names.append(nm)
    m = pf.feols("l_homicide ~ " + " + ".join(names) + " | sid + year", d,
                 vcov={"CRV1": "sid"})
    V = m._vcov
    out["castle_event_study_b4"] = {"event_time": [k for k in range(-4, 5) if k != -1],
                                    "coef": coef_of(m), "se_crv1": se_of(m),
                                    "vcov": np.asarray(V).tolist()}
    # canonical 2x2: 2006 cohort vs never treated, all years, statsmodels OLS CR1
    s = d.loc[d.g.isin([0, 2006])].copy()
    s["tr"] = (s.g == 2006).astype(float)
    s["po"] = (s.year >= 2006).astype(float)
    fit = smf.ols("l_homicide ~ tr * po", s).fit(cov_type="cluster",
                                                  cov_kwds={"groups": s["sid"]})
    out["castle_2x2_2006"] = {"coef": float(fit.params["tr:po"]),
                              "se": float(fit.bse["tr:po"])}


def unbalanced(d: pd.DataFrame) -> pd.DataFrame:
    """castle with 1 row in 13 removed by a fixed rule (the tests apply the same rule)."""
    return d.loc[(d["sid"] * 7 + d["year"]) % 13 != 0].reset_index(drop=True)


def unbalanced_refs(out: dict) -> None:
    d = unbalanced(castle())
    # WLS with explicit state and year dummies (statsmodels), CR1 by state with fixest's
    # small-sample factor G/(G-1) * (n-1)/(n-K), K = 1 + number of years (state effects are
    # nested in the state clusters). pyfixest 0.60 gives 0.02808 here, off from the exact
    # dummy-variable computation in the 4th decimal, so it is not used for this case.
    f = smf.wls("l_homicide ~ post + C(sid) + C(year)", d, weights=d["popwt"]).fit()
    X = np.asarray(f.model.wexog)
    e = np.asarray(f.wresid)
    B = np.linalg.pinv(X.T @ X)
    S = pd.DataFrame(X * e[:, None]).groupby(d["sid"].to_numpy()).sum().to_numpy()
    V = B @ S.T @ S @ B
    j = list(f.params.index).index("post")
    n, G, K = len(d), d["sid"].nunique(), 1 + d["year"].nunique()
    out["castle_unbalanced_twfe_popwt"] = {
        "n": n, "coef": float(f.params["post"]),
        "se_crv1": float(np.sqrt(V[j, j] * G / (G - 1) * (n - 1) / (n - K)))}
    out["castle_unbalanced_bjs_naive"] = naive_bjs(d, "l_homicide", "sid", "year", "g",
                                                   leave_out=True)


def sunab_refs(out: dict) -> None:
    for name, d, y, i, t, g in (("castle", castle(), "l_homicide", "sid", "year", "g"),
                                ("mpdta", mpdta(), "lemp", "countyreal", "year",
                                 "first_treat")):
        m = pf.event_study(d, yname=y, idname=i, tname=t, gname=g, estimator="saturated",
                           cluster=i)
        agg = m.aggregate()
        out[f"{name}_sunab"] = {"event_time": [int(x) for x in agg.index],
                                "coef": [float(x) for x in agg["Estimate"]],
                                "se": [float(x) for x in agg["Std. Error"]]}


def did2s_refs(out: dict) -> None:
    # pyfixest 0.60's did2s fails on mpdta (a shape mismatch in its variance code), so the
    # did2s point estimates are for castle only; the naive BJS numbers cover both data sets
    md = mpdta()
    out["mpdta_bjs_naive"] = {
        "leave_out_false": naive_bjs(md, "lemp", "countyreal", "year", "first_treat", False),
        "leave_out_true": naive_bjs(md, "lemp", "countyreal", "year", "first_treat", True)}
    for name, d, y, i, t, g in (("castle", castle(), "l_homicide", "sid", "year", "g"),):
        d = d.copy()
        d["rel"] = np.where(d[g] > 0, d[t] - d[g], -1000)
        d["D"] = (d["rel"] >= 0).astype(int)
        m = pf.did2s(d, yname=y, first_stage=f"~0|{i}+{t}",
                     second_stage="~i(rel,ref=-1000)", treatment="D", cluster=i)
        tid = m.tidy()
        post = [(int(c.split("::")[1]), float(v)) for c, v in tid["Estimate"].items()
                if int(c.split("::")[1]) >= 0]
        m2 = pf.did2s(d, yname=y, first_stage=f"~0|{i}+{t}", second_stage="~D",
                      treatment="D", cluster=i)
        out[f"{name}_imputation_points"] = {
            "event_time": [k for k, _ in post], "coef": [v for _, v in post],
            "att": float(m2.coef().iloc[0])}
        out[f"{name}_bjs_naive"] = {
            "leave_out_false": naive_bjs(d, y, i, t, g, leave_out=False),
            "leave_out_true": naive_bjs(d, y, i, t, g, leave_out=True)}


def naive_bjs(d: pd.DataFrame, y: str, i: str, t: str, g: str, leave_out: bool) -> dict:
    """BJS imputation estimates and SEs with dense matrices and loops (unweighted)."""
    d = d.sort_values([i, t]).reset_index(drop=True)
    units = sorted(d[i].unique())
    times = sorted(d[t].unique())
    Z = np.zeros((len(d), len(units) + len(times) - 1))
    for r, (u, tt) in enumerate(zip(d[i], d[t])):
        Z[r, units.index(u)] = 1.0
        k = times.index(tt)
        if k > 0:
            Z[r, len(units) + k - 1] = 1.0
    treated = ((d[g] > 0) & (d[t] >= d[g])).to_numpy()
    Z0, Z1 = Z[~treated], Z[treated]
    yv = d[y].to_numpy(float)
    b = np.linalg.lstsq(Z0, yv[~treated], rcond=None)[0]
    tau = yv - Z @ b
    rel = (d[t] - d[g]).to_numpy()
    hs = sorted(set(rel[treated]))
    res = {"event_time": [int(h) for h in hs], "coef": [], "se": []}
    estimands = [("h", h) for h in hs] + [("att", None)]
    A_inv = np.linalg.pinv(Z0.T @ Z0)
    for kind, h in estimands:
        w1 = np.where(treated & ((rel == h) if kind == "h" else True), 1.0, 0.0)
        w1 = w1 / w1.sum()
        est = float(w1 @ tau)
        v = w1.copy()
        v[~treated] = -(Z0 @ A_inv @ Z1.T @ w1[treated])
        eps = np.where(treated, 0.0, tau)
        for r in np.flatnonzero(treated):
            num = den = 0.0
            for q in np.flatnonzero(treated):
                if d.at[q, g] != d.at[r, g] or rel[q] != rel[r]:
                    continue
                if leave_out and d.at[q, i] == d.at[r, i]:
                    continue
                num += v[q] ** 2 * tau[q]
                den += v[q] ** 2
            if den == 0:  # singleton group: fall back to the full-group average
                for q in np.flatnonzero(treated):
                    if d.at[q, g] == d.at[r, g] and rel[q] == rel[r]:
                        num += v[q] ** 2 * tau[q]
                        den += v[q] ** 2
            eps[r] = tau[r] - (num / den if den > 0 else 0.0)
        var = 0.0
        for u in units:
            m = (d[i] == u).to_numpy()
            var += float(v[m] @ eps[m]) ** 2
        if kind == "h":
            res["coef"].append(est)
            res["se"].append(var ** 0.5)
        else:
            res["att"], res["att_se"] = est, var ** 0.5
    return res


def main() -> None:
    out: dict = {"generated_by": "tests/reference/did_reg/make_reference.py",
                 "pyfixest_version": pf.__version__}
    twfe_refs(out)
    unbalanced_refs(out)
    sunab_refs(out)
    did2s_refs(out)
    (HERE / "reference_values.json").write_text(json.dumps(out, indent=1))
    print("wrote", HERE / "reference_values.json")


if __name__ == "__main__":
    main()
