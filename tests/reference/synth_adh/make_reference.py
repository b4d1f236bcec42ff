"""Pre-period MSPE of the published synthetic-control weights (numbers in published.json).

Run from the repository root (reads the copies in src/wsa_eval/datasets/data):
    python tests/reference/synth_adh/make_reference.py
The weights themselves are the published ones (ADH 2010 Table 2; Abadie & Gardeazabal 2003);
this script only evaluates their pre-period fit, the bar the nested-V fit must clear.
"""

from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).resolve().parents[3] / "src" / "wsa_eval" / "datasets" / "data"


def mspe(df, unit, time, y, treated, weights, periods):
    wide = df.pivot(index=time, columns=unit, values=y).loc[list(periods)]
    synth = sum(w * wide[u] for u, w in weights.items())
    return float(np.mean((wide[treated] - synth) ** 2))


if __name__ == "__main__":
    p99 = pd.read_csv(REF / "prop99_smoking.csv")
    w = {"Colorado": 0.164, "Connecticut": 0.069, "Montana": 0.199, "Nevada": 0.234, "Utah": 0.334}
    print("prop99", mspe(p99, "state", "year", "cigsale", "California", w, range(1970, 1989)))
    b = pd.read_csv(REF / "basque.csv")
    w = {"Cataluna": 0.8508, "Madrid (Comunidad De)": 0.1492}
    print("basque", mspe(b, "regionname", "year", "gdpcap", "Basque Country (Pais Vasco)", w,
                         range(1960, 1970)))
