"""Run every benchmark script, then write the README table (``make bench``).

    python3 benchmarks/run_all.py [--quick] [--only did/bench_cs.py,...]

Each script runs with wsa_eval's benchmark environment (benchmarks/.envs/wsa, built by
``make bench-envs``) and starts every contender in a fresh interpreter of that contender's
environment. ``--quick`` (or ``BENCH_MODE=quick``) runs small sizes: it checks that every
contender installs and runs, in a few minutes, and writes to benchmarks/results/quick/
(never to the README). The full run writes benchmarks/results/full/ and the README table.

The exit status is 1 when a script failed or a contender could not run (unavailable
environment, crash); every such contender is listed at the end. A peer stopped at its time
cap is a result (reported as "stopped at N s"), not a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import _harness as H  # noqa: E402

#: in run order; a new bench_*.py is run only once it is listed here (it must follow the
#: harness: BENCH_MODE, results file)
SCRIPTS = ["did/bench_cs.py", "did/bench_reg.py", "did_inf/bench_wild.py",
           "did_inf/bench_honest.py", "synth/bench_adh.py", "synth/bench_adh_hard.py",
           "synth/bench_sdid.py",
           "survival/bench_cox_km.py", "survival/bench_cohort.py",
           "data/bench_moj_reader.py"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default=None, help="comma-separated scripts (as in SCRIPTS)")
    a = ap.parse_args()
    mode = "quick" if a.quick else H.mode()
    os.environ["BENCH_MODE"] = mode
    scripts = a.only.split(",") if a.only else SCRIPTS
    unlisted = sorted(str(p.relative_to(HERE)) for p in HERE.glob("*/bench_*.py")
                      if str(p.relative_to(HERE)) not in SCRIPTS)
    for s in unlisted:
        H.shout(f"{s} is not run by `make bench` (not listed in benchmarks/run_all.py "
                "SCRIPTS)")
    py = H.env_python("wsa")
    if not H.env_status("wsa").get("ok"):
        H.shout("wsa_eval's benchmark environment is not built: run `make bench-envs`")
        return 1
    out_dir = H.RESULTS_DIR / mode
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(H.SRC), "MPLBACKEND": "Agg"}
    t_all = time.perf_counter()
    log = {"mode": mode, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
           "loadavg_start": H.loadavg(), "scripts": []}
    for s in scripts:
        print(f"\n{'=' * 78}\n=== {s} ({mode})\n{'=' * 78}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run([str(py), str(HERE / s)], env=env, cwd=ROOT).returncode
        log["scripts"].append({"script": s, "seconds": round(time.perf_counter() - t0, 1),
                               "returncode": rc, "loadavg_after": H.loadavg()})
        print(f"=== {s}: {time.perf_counter() - t0:.0f} s, exit code {rc}", flush=True)
    log["seconds"] = round(time.perf_counter() - t_all, 1)
    log["loadavg_end"] = H.loadavg()
    (out_dir / "run.json").write_text(json.dumps(log, indent=1) + "\n")
    table = subprocess.run([sys.executable, str(HERE / "make_table.py"), "--mode", mode],
                           cwd=ROOT).returncode
    bad = [f"{s['script']}: exit code {s['returncode']}" for s in log["scripts"]
           if s["returncode"]]
    for f in sorted(out_dir.glob("*.json")):
        d = json.loads(f.read_text())
        for c in d.get("cases", []):
            for r in c["rows"]:
                if r["status"] in ("failed", "unavailable"):
                    bad.append(f"{d['benchmark']} [{c['case']}] {r['contender']}: "
                               f"{r['status']}: {r.get('message', '')[:300]}")
    print(f"\nall benchmarks ({mode}): {log['seconds'] / 60:.1f} min; per script: " +
          ", ".join(f"{Path(s['script']).stem} {s['seconds']:.0f} s" for s in log["scripts"]))
    if bad or table:
        H.shout("NOT EVERYTHING RAN:\n" + "\n".join(bad or ["make_table.py failed"]))
        return 1
    print("every contender ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
