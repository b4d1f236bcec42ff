"""Rambachan-Roth sensitivity: wsa_eval vs the PyPI port ``honestdid``.

Same inputs for both: the Medicaid event study of the HonestDiD README (5 pre, 2 post
coefficients; tests/reference/did_inf/medicaid_betahat_sigma.json). Relative magnitudes
(Mbar = 0.5, 1, 1.5, 2; C-LF) and smoothness (M = 0, 0.01, ..., 0.05; FLCI). honestdid has
no speed option (no parallel mode; its ``gridPoints=1000`` is R's default and sets its
precision, so it is left alone); it runs unmodified in its own environment (numpy < 2, where
its ``float()`` of 1x1 arrays still works, and the CPU build of torch it imports). In that
environment it reproduces tests/reference/did_inf/honest_reference.json (made with a patched
copy under numpy 2) to all digits.

    benchmarks/.envs/wsa/bin/python benchmarks/did_inf/bench_honest.py
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

DATA = H.ROOT / "tests" / "reference" / "did_inf" / "medicaid_betahat_sigma.json"
#: the quick mode also thins honestdid's grid (20 points instead of its default 1000: one
#: Mbar takes 80-500 s at 1000 points on 2 cores), so its endpoints are coarse there
GRID = {"full": dict(mbar=[0.5, 1, 1.5, 2], m=[0, .01, .02, .03, .04, .05], grid=None,
                     timeout=2400.0),
        "quick": dict(mbar=[1.0], m=[0, .02], grid=20, timeout=600.0)}


def ours(clock, b, S, mbar, m, grid) -> dict:
    from wsa_eval.did.honest import honest_did

    honest_did((b, S, 5, 2), M=[1.0])  # imports, warm-up
    with clock:
        rm = honest_did((b, S, 5, 2), M=mbar).to_frame()
    t_rm = clock.wall_s
    with clock:
        sd = honest_did((b, S, 5, 2), method="smoothness", M=m).to_frame()
    return {"rm": [rm.ci_low.tolist(), rm.ci_high.tolist()],
            "sd": [sd.ci_low.tolist(), sd.ci_high.tolist()],
            "t_rm": t_rm, "t_sd": clock.wall_s - t_rm}


def peer(clock, b, S, mbar, m, grid) -> dict:
    import honestdid as h

    kw = {} if grid is None else {"gridPoints": grid}
    with clock:
        rm = h.createSensitivityResults_relativeMagnitudes(
            betahat=b, sigma=S, numPrePeriods=5, numPostPeriods=2, Mbarvec=mbar, **kw)
    t_rm = clock.wall_s
    with clock:
        sd = h.createSensitivityResults(betahat=b, sigma=S, numPrePeriods=5,
                                        numPostPeriods=2, Mvec=m)
    return {"rm": [rm.lb.tolist(), rm.ub.tolist()], "sd": [sd.lb.tolist(), sd.ub.tolist()],
            "t_rm": t_rm, "t_sd": clock.wall_s - t_rm}


def child(name: str, grid: str) -> None:
    d = json.loads(DATA.read_text())
    g = json.loads(grid)
    H.child_main(ours if name == "wsa_eval" else peer, np.array(d["betahat"]),
                 np.array(d["sigma"]), g["mbar"], g["m"], g["grid"])


def main() -> None:
    cfg = GRID[H.mode()]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=cfg["timeout"])
    ap.add_argument("--child", nargs=2)
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    res = H.Results("did_inf_honest", "HonestDiD sensitivity: wsa_eval vs honestdid")
    grid = json.dumps({"mbar": cfg["mbar"], "m": cfg["m"], "grid": cfg["grid"]})
    rows = {n: H.run_contender(n, env, [__file__, "--child", n, grid], timeout=a.timeout,
                               setting=s)
            for n, env, s in (("wsa_eval", "wsa", "honest_did (defaults)"),
                              ("honestdid", "honestdid", "createSensitivityResults[_"
                               "relativeMagnitudes], gridPoints="
                               f"{cfg['grid'] or '1000 (default)'}"))}
    ours_r, peer_r = rows["wsa_eval"], rows["honestdid"]
    for key, label in (("rm", f"relative magnitudes, Mbar = {cfg['mbar']}"),
                       ("sd", f"smoothness, M = {cfg['m']}")):
        case = res.case(key, f"Medicaid example, {label}")
        for r in rows.values():
            row = {k: v for k, v in r.items() if k not in ("rm", "sd", "t_rm", "t_sd")}
            if r["status"] == "ok":
                row["wall_s"] = r[f"t_{key}"]
                if r is peer_r and ours_r["status"] == "ok":
                    d = float(np.max(np.abs(np.subtract(r[key], ours_r[key]))))
                    row["agreement"] = {"what": "max |CI endpoint difference| vs wsa_eval",
                                        "value": d}
                    row["note"] = f"max |d endpoint| {d:.1e}"
            res.add(case, row)
        if ours_r["status"] == "ok" and peer_r["status"] == "ok":
            print(f"  honestdid / wsa_eval: {peer_r[f't_{key}'] / ours_r[f't_{key}']:.1f}x")
    res.write()


if __name__ == "__main__":
    main()
