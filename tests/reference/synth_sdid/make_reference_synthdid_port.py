"""Reference numbers for wsa_eval.synth.sdid from the PyPI ``synthdid`` port (v0.10.0).

The port (D2CML team) re-implements R ``synthdid`` / Stata ``sdid`` in Python. Run it from
the repository root in an environment of its own (the ``synthdid-py`` distribution ships a
module of the same name, so the two ports cannot share one):

    python -m venv port-env
    port-env/bin/pip install "synthdid==0.10.0" "pandas<2.2"
    port-env/bin/python tests/reference/synth_sdid/make_reference_synthdid_port.py [CSV]

The data default to the copy shipped in ``src/wsa_eval/datasets/data``.

Writes ``prop99_synthdid_port.json`` beside this script: the SDID and DiD point
estimates for California's Proposition 99 and, for each estimator, the 38 placebo estimates
obtained by treating each comparison state in turn (from 1989, California removed). With
one treated unit the placebo standard error (Arkhangelsky et al. 2021, Algorithm 4) is a
Monte Carlo estimate of the population standard deviation of exactly these 38 numbers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from synthdid.synthdid import Synthdid

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parents[2] / "src" / "wsa_eval" / "datasets" / "data"
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR / "prop99_california_synthdid.csv"


def main() -> None:
    df = pd.read_csv(DATA, sep=";")
    out: dict = {"source": "PyPI synthdid 0.10.0 (synthdid.sdid.sdid), "
                           "data: prop99_california_synthdid.csv", "estimates": {},
                 "placebo_estimates": {}}
    # The port's synth=True mode is not R's sc_estimate (it keeps the intercept and uses
    # uniform time weights), so only SDID and DiD are taken from it; the port rounds its
    # estimate to 5 decimals.
    flags = {"sdid": {}, "did": {"did": True}}
    for name, kw in flags.items():
        m = Synthdid(df, unit="State", time="Year", treatment="treated",
                     outcome="PacksPerCapita").fit(**kw)
        out["estimates"][name] = float(m.att)
        co = df[df.State != "California"].copy()
        est = {}
        for s in sorted(co.State.unique()):
            d = co.assign(treated=((co.State == s) & (co.Year >= 1989)).astype(int))
            mm = Synthdid(d, unit="State", time="Year", treatment="treated",
                          outcome="PacksPerCapita").fit(**kw)
            est[s] = float(mm.att)
        out["placebo_estimates"][name] = est
        print(name, out["estimates"][name], "placebo sd", np.std(list(est.values())))
    (HERE / "prop99_synthdid_port.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
