"""Reference values for the wild cluster bootstrap from the PyPI package ``wildboottest``.

Run from the repository root in an environment with wildboottest 0.3.2:

    python -m venv peer-env && peer-env/bin/pip install "wildboottest==0.3.2"
    peer-env/bin/python tests/reference/did_inf/wild_reference.py

Writes ``wild_panel.csv`` (a simulated 8-unit x 6-period panel, seed 20240611) and
``wild_reference.json``: wildboottest's t-statistic, its bootstrap t-statistics (all 2^8
Rademacher sign vectors, deterministic) and its two-tailed p-value, for WCR and WCU, for the
TWFE regression y ~ d + unit dummies + period dummies clustered by unit ("11" bootstrap,
default small-sample corrections). wildboottest counts |t*| > |t| strictly.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from wildboottest.wildboottest import WildboottestCL

HERE = Path(__file__).resolve().parent
rng = np.random.default_rng(20240611)
N, T = 8, 6
units = np.repeat(np.arange(N), T)
times = np.tile(np.arange(2010, 2010 + T), N)
d = ((units < 2) & (times >= 2013)).astype(float)
alpha_i = rng.normal(size=N)[units]
gamma_t = rng.normal(size=T)[times - 2010]
e = rng.normal(size=N * T) * (1 + 0.5 * units / N)
y = 0.4 * d + alpha_i + gamma_t + e
df = pd.DataFrame({"unit": units, "year": times, "d": d, "y": y.round(6)})
df.to_csv(HERE / "wild_panel.csv", index=False)

X = pd.get_dummies(df[["unit", "year"]].astype(str), drop_first=True).astype(float)
X.insert(0, "const", 1.0)
X.insert(0, "d", df["d"])
R = np.zeros(X.shape[1])
R[0] = 1.0
out = {"source": "wildboottest 0.3.2 (PyPI), WildboottestCL, bootstrap_type '11'"}
for impose in (True, False):
    wb = WildboottestCL(X=X.to_numpy(), Y=df["y"].to_numpy(), cluster=df["unit"].to_numpy(),
                        R=R, B=9999, seed=1)
    wb.get_scores(bootstrap_type="11", impose_null=impose)
    _, B, enum = wb.get_weights(weights_type="rademacher")
    wb.get_numer()
    wb.get_denom()
    wb.get_tboot()
    wb.get_vcov()
    wb.get_tstat()
    wb.get_pvalue(pval_type="two-tailed")
    key = "WCR" if impose else "WCU"
    out[key] = {
        "t_stat": float(np.ravel(wb.t_stat)[0]),
        "p_value_strict": float(wb.pvalue),
        "t_boot": [float(x) for x in np.ravel(wb.t_boot)],
        "B": int(B),
        "full_enumeration": bool(enum),
        "beta_hat": float(wb.beta_hat[0]),
    }
    print(key, out[key]["t_stat"], out[key]["p_value_strict"], B)
(HERE / "wild_reference.json").write_text(json.dumps(out, indent=1))
