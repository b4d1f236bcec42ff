"""Rossi et al. (1980) as make_reference.R prepares it: shared by the Cox and cox.zph
known-answer tests (tests/reference/survival_core/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).resolve().parents[1] / "reference" / "survival_core"
COV = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
COV_S = ["fin", "age", "race", "mar", "paro", "prio"]


def rossi_derived(reference_dir: Path) -> pd.DataFrame:
    """rossi.csv plus the artificial columns built in make_reference.R."""
    d = pd.read_csv(reference_dir / "rossi.csv")
    d["clus"] = (d["id"] - 1) // 4
    d["w"] = 0.5 + (d["id"] % 5) / 4
    d["wi"] = 1 + d["id"] % 3
    d["entry"] = np.minimum(d["week"] - 1, d["id"] % 7)
    return d


def rossi_split(d: pd.DataFrame, cuts=(10, 20, 30, 40)) -> pd.DataFrame:
    """R survSplit(Surv(week, arrest) ~ ., cut = cuts) plus prio_late = prio * (tstart >= 20)."""
    bounds = np.asarray(cuts, float)
    starts, stops = [], []
    for wk in d["week"].to_numpy(float):
        b = np.concatenate([[0.0], bounds[bounds < wk], [wk]])
        starts.append(b[:-1])
        stops.append(b[1:])
    n = np.array([len(s) for s in starts])
    out = d.loc[d.index.repeat(n)].reset_index(drop=True)
    out["tstart"] = np.concatenate(starts)
    out["tstop"] = np.concatenate(stops)
    last = np.concatenate([np.arange(k) == k - 1 for k in n])
    out["arrest"] = out["arrest"].where(last, 0)
    out["prio_late"] = out["prio"] * (out["tstart"] >= 20)
    return out
