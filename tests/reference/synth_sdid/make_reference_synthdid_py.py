"""Full-precision reference numbers from the PyPI ``synthdid-py`` 0.1.0 port of R synthdid.

synthdid-py ships a module named ``synthdid`` (like the other port), so it gets an
environment of its own; run from the repository root:

    python -m venv synthdid-py-env
    synthdid-py-env/bin/pip install "synthdid-py==0.1.0"
    synthdid-py-env/bin/python tests/reference/synth_sdid/make_reference_synthdid_py.py [CSV]

Writes ``prop99_synthdid_py.json``: synthdid_estimate / sc_estimate / did_estimate for
California's Proposition 99 (R's defaults), the SDID unit and time weights, unrounded, and
the placebo standard errors for 200 replications with random_state=1 (a few minutes). The
data default to the copy in ``src/wsa_eval/datasets/data``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from synthdid import did_estimate, panel_matrices, sc_estimate, synthdid_estimate, vcov

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parents[2] / "src" / "wsa_eval" / "datasets" / "data"
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR / "prop99_california_synthdid.csv"


def main() -> None:
    df = pd.read_csv(DATA, sep=";")
    p = panel_matrices(df, unit="State", time="Year", outcome="PacksPerCapita",
                       treatment="treated")
    est = synthdid_estimate(p.Y, p.N0, p.T0)
    w = est.weights
    units = list(p.units)[: p.N0]
    years = list(p.time)[: p.T0]
    out = {
        "source": "synthdid-py 0.1.0 (port of R synthdid): synthdid_estimate, sc_estimate, "
                  "did_estimate with default options",
        "estimates": {"sdid": float(est), "sc": float(sc_estimate(p.Y, p.N0, p.T0)),
                      "did": float(did_estimate(p.Y, p.N0, p.T0))},
        "omega": [float(x) for x in np.asarray(w["omega"])],
        "lambda": [float(x) for x in np.asarray(w["lambda"])],
        "units": [str(u) for u in units],
        "years": [int(y) for y in years],
        # R-faithful placebo SE (Algorithm 4, warm-started weights), 200 replications drawn
        # with numpy.random.default_rng(1) permutations (about 90 s)
        "placebo_se_200_seed1": {
            name: float(np.sqrt(vcov(fn(p.Y, p.N0, p.T0), method="placebo",
                                     replications=200, random_state=1)[0, 0]))
            for name, fn in (("sdid", synthdid_estimate), ("sc", sc_estimate),
                             ("did", did_estimate))},
    }
    (HERE / "prop99_synthdid_py.json").write_text(json.dumps(out, indent=1))
    print(out["estimates"])


if __name__ == "__main__":
    main()
