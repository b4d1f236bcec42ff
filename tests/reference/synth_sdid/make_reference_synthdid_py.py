"""Full-precision reference numbers from the PyPI ``synthdid-py`` 0.1.0 port of R synthdid.

synthdid-py ships a module named ``synthdid`` (like the other port), so it is installed in
its own folder:

    pip install --no-deps --target /work/venv-bench/peers/synthdid_py synthdid-py
    PYTHONPATH=/work/venv-bench/peers/synthdid_py /work/venv-bench/bin/python \
        tests/reference/synth_sdid/make_reference_synthdid_py.py

Writes ``prop99_synthdid_py.json``: synthdid_estimate / sc_estimate / did_estimate for
California's Proposition 99 (R's defaults) and the SDID unit and time weights, unrounded.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from synthdid import did_estimate, panel_matrices, sc_estimate, synthdid_estimate

HERE = Path(__file__).resolve().parent
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(
    "/work/shared/data/reference/prop99_california_synthdid.csv")


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
    }
    (HERE / "prop99_synthdid_py.json").write_text(json.dumps(out, indent=1))
    print(out["estimates"])


if __name__ == "__main__":
    main()
