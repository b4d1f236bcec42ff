"""Reference values for the Callaway & Sant'Anna tests on mpdta, from the `csdid` port of R did.

R's `did` package cannot be installed on the project machines (no CRAN), so the numbers come
from `csdid` (PyPI, a line-by-line port of R did's att_gt/aggte and DRDID's drdid_panel),
with ANALYTIC standard errors (bstrap=False, cband=False). Run from the repository root:

    python -m venv peer-env && peer-env/bin/pip install "csdid==0.4.3"
    peer-env/bin/python tests/reference/did_cs/make_mpdta_reference.py [CSV]

(the data default to the copy in ``src/wsa_eval/datasets/data``).

It writes tests/reference/did_cs/mpdta_csdid_reference.json. Versions used are recorded in
the file. The published R did vignette values are checked separately in the tests.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
from csdid.att_gt import ATTgt  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parents[2] / "src" / "wsa_eval" / "datasets" / "data"
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR / "mpdta.csv"


def _num(x):
    x = float(x)
    return None if math.isnan(x) else x


def unbalanced(data):
    """mpdta with a deterministic ~8% of rows removed (an unbalanced panel)."""
    drop = ((data["countyreal"].astype(int) * 7 + data["year"].astype(int)) % 13) == 0
    return data.loc[~drop].reset_index(drop=True)


def run(data, control_group, xformla, est_method, base_period, balance_e=None, panel=True,
        unbalanced_panel=False, anticipation=0, weights=None):
    if not panel:  # repeated cross-sections: each row is its own observation
        data = data.assign(obs_id=np.arange(len(data)))
    att = ATTgt(yname="lemp", tname="year", idname="countyreal" if panel else "obs_id",
                gname="first.treat",
                data=data.copy(), control_group=control_group, xformla=xformla,
                panel=panel, allow_unbalanced_panel=unbalanced_panel,
                anticipation=anticipation, weights_name=weights,
                cband=False).fit(est_method=est_method, base_period=base_period,
                                 bstrap=False)
    res = att.results
    out = {
        "att_gt": {
            "cohort": [float(g) for g in res["group"]],
            "time": [float(t) for t in res["year"]],
            "estimate": [float(a) for a in res["att"]],
            "std_error": [_num(s) for s in res["se"]],
        },
        "aggregate": {},
    }
    for typec in ("simple", "group", "dynamic", "calendar"):
        with contextlib.redirect_stdout(io.StringIO()):  # csdid prints every summary
            att.aggte(typec=typec, bstrap=False, cband=False,
                      balance_e=balance_e if typec == "dynamic" else None)
        a = att.atte
        entry = {"overall_att": float(a["overall_att"]), "overall_se": float(a["overall_se"])}
        if a["egt"] is not None:
            entry["egt"] = [float(e) for e in np.asarray(a["egt"])]
            entry["att_egt"] = [float(e) for e in np.asarray(a["att_egt"])]
            entry["se_egt"] = [float(e) for e in np.asarray(a["se_egt"]).ravel()]
        out["aggregate"][typec] = entry
    return out


def main() -> None:
    data = pd.read_csv(DATA)
    cases = {}
    for cg in ("nevertreated", "notyettreated"):
        for name, xf in (("unconditional", None), ("dr_lpop", "lemp~lpop")):
            for bp in ("varying", "universal"):
                key = f"{cg}/{name}/{bp}"
                cases[key] = run(data, cg, xf, "dr", bp)
    for m in ("ipw", "reg"):
        cases[f"nevertreated/{m}_lpop/varying"] = run(data, "nevertreated", "lemp~lpop", m,
                                                      "varying")
    cases["nevertreated/unconditional/varying/balance_e=1"] = run(
        data, "nevertreated", None, "dr", "varying", balance_e=1)
    for cg in ("nevertreated", "notyettreated"):
        cases[f"anticipation1:{cg}/dr_lpop/varying"] = run(data, cg, "lemp~lpop", "dr",
                                                           "varying", anticipation=1)
    # sampling weights (population, constant within county)
    wdata = data.assign(pop=np.exp(data["lpop"]))
    for name, xf in (("unconditional", None), ("dr_lpop", "lemp~lpop")):
        cases[f"weighted:nevertreated/{name}/varying"] = run(wdata, "nevertreated", xf, "dr",
                                                             "varying", weights="pop")
    # repeated cross-sections (every row its own observation) and an unbalanced panel
    for cg in ("nevertreated", "notyettreated"):
        for m, xf in (("dr", "lemp~lpop"), ("ipw", "lemp~lpop"), ("reg", "lemp~lpop"),
                      ("dr", None)):
            name = f"{m}_lpop" if xf else "unconditional"
            cases[f"rc:{cg}/{name}/varying"] = run(data, cg, xf, m, "varying", panel=False)
        cases[f"unbalanced:{cg}/dr_lpop/varying"] = run(
            unbalanced(data), cg, "lemp~lpop", "dr", "varying", unbalanced_panel=True)
        cases[f"unbalanced:{cg}/unconditional/universal"] = run(
            unbalanced(data), cg, None, "dr", "universal", unbalanced_panel=True)
    meta = {"source": "csdid (PyPI port of R did) on mpdta, analytic standard errors",
            "csdid": version("csdid"), "drdid": version("drdid"),
            "numpy": np.__version__, "pandas": pd.__version__}
    (HERE / "mpdta_csdid_reference.json").write_text(
        json.dumps({"meta": meta, "cases": cases}, indent=1))
    print("wrote", len(cases), "cases")


if __name__ == "__main__":
    main()
