"""Staggered-adoption reference for wsa_eval.synth.sdid from the PyPI ``synthdid`` port.

1. Simulates a small factor-model panel with two adoption cohorts (seeded, written to
   ``staggered_sim.csv`` beside this script; needs only numpy and pandas).
2. If the port is importable, fits it (it follows Clarke et al. 2023 / Stata ``sdid``: one
   SDID per adoption cohort against the never-treated units, averaged with weights
   proportional to treated unit-periods) and writes ``staggered_synthdid_port.json``.

    python -m venv port-env
    port-env/bin/pip install "synthdid==0.10.0" "pandas<2.2"
    port-env/bin/python tests/reference/synth_sdid/make_staggered_reference.py

from the repository root (the port needs pandas < 2.2, hence its own environment).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def simulate(seed: int = 2023) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_co, T = 30, 15
    starts = [8, 8, 8, 11, 11]
    N = n_co + len(starts)
    load = rng.normal(size=(N, 2))
    load[n_co:] += 0.5  # treated units load a little differently (selection on factors)
    fac = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    alpha = rng.normal(scale=2.0, size=N)
    beta = np.linspace(0, 3, T)
    y = alpha[:, None] + beta[None, :] + load @ fac.T + rng.normal(scale=0.5, size=(N, T))
    first = np.array([0] * n_co + starts)
    t = np.arange(1, T + 1)
    eff = np.where((first[:, None] > 0) & (t[None, :] >= first[:, None]),
                   2.0 + 0.2 * (t[None, :] - first[:, None]), 0.0)
    y = y + eff
    rows = [(f"u{i:02d}", int(tt), float(y[i, j]), int(first[i]),
             int(first[i] > 0 and tt >= first[i]))
            for i in range(N) for j, tt in enumerate(t)]
    return pd.DataFrame(rows, columns=["unit", "time", "y", "first_treated", "treated"])


def main() -> None:
    df = simulate()
    df.to_csv(HERE / "staggered_sim.csv", index=False, float_format="%.10g")
    df = pd.read_csv(HERE / "staggered_sim.csv")  # fit on exactly the stored numbers
    try:
        from synthdid.synthdid import Synthdid
    except ImportError:
        print("synthdid port not importable: wrote the data only")
        return
    m = Synthdid(df, unit="unit", time="time", treatment="treated", outcome="y").fit()
    info = m.att_info
    out = {"source": "PyPI synthdid 0.10.0, Synthdid(...).fit() (rounds att to 5 decimals)",
           "att": float(m.att),
           "cohorts": {str(int(r.time)): {"att": float(r.att_time), "weight": float(r.att_wt)}
                       for r in info.itertuples()}}
    (HERE / "staggered_synthdid_port.json").write_text(json.dumps(out, indent=1))
    print(out)


if __name__ == "__main__":
    main()
