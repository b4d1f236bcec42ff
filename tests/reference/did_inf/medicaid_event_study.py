"""Event-study coefficients for the HonestDiD README example (Medicaid expansion).

Data: ``ehec_wide.csv`` here, a wide copy of ``Exercises/Data/ehec_data.csv`` from the public
Mixtape Sessions "Advanced-DID" repository (share of low-income childless adults with
health insurance by US state, 2008-2019, derived from the ACS; used in the HonestDiD R
package README). As in the README: keep 2008-2015, drop states first treated in 2015, D = 1
for states expanding in 2014, and fit ``dins ~ i(year, D, ref = 2013) | stfips + year``
clustered by state. The covariance uses fixest's default small-sample factor
G/(G-1) * (n-1)/(n-K) with K = 7 event-study coefficients + 7 year effects (state effects
are nested in the clusters and not counted).

Writes ``medicaid_betahat_sigma.json`` (betahat, sigma; 5 pre and 2 post coefficients).
Runs with the project's own environment (numpy and pandas only).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def load_long() -> pd.DataFrame:
    wide = pd.read_csv(HERE / "ehec_wide.csv")
    long = wide.melt(id_vars=["stfips", "yexp2", "W"], var_name="year", value_name="dins")
    long["year"] = long["year"].str[1:].astype(int)
    return long


def event_study() -> tuple[np.ndarray, np.ndarray]:
    df = load_long()
    df = df[(df.year < 2016) & (df.yexp2.isna() | (df.yexp2 != 2015))].copy()
    df["D"] = (df.yexp2 == 2014).astype(float)
    years = [y for y in range(2008, 2016) if y != 2013]
    X = np.column_stack([(df.year == y) * df.D for y in years]).astype(float)
    st = pd.factorize(df.stfips)[0]
    yr = pd.factorize(df.year, sort=True)[0]
    ydum = np.eye(yr.max() + 1)[yr][:, 1:]
    sdum = np.eye(st.max() + 1)[st]
    Z = np.column_stack([X, ydum, sdum])
    y = df.dins.to_numpy()
    ZtZi = np.linalg.pinv(Z.T @ Z)
    coef = ZtZi @ Z.T @ y
    u = y - Z @ coef
    G = st.max() + 1
    meat = np.zeros((Z.shape[1], Z.shape[1]))
    for g in range(G):
        sc = Z[st == g].T @ u[st == g]
        meat += np.outer(sc, sc)
    n, K = len(y), X.shape[1] + ydum.shape[1]
    V = ZtZi @ meat @ ZtZi * G / (G - 1) * (n - 1) / (n - K)
    k = X.shape[1]
    return coef[:k], V[:k, :k]


if __name__ == "__main__":
    b, V = event_study()
    (HERE / "medicaid_betahat_sigma.json").write_text(json.dumps(
        {"betahat": b.tolist(), "sigma": V.tolist(), "num_pre": 5, "num_post": 2,
         "event_years": [2008, 2009, 2010, 2011, 2012, 2014, 2015]}, indent=1))
    print(np.round(b, 5))
    print(np.round(np.sqrt(np.diag(V)), 5))
