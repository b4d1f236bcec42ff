"""Build the benchmark environments: one virtual environment per contender package.

    python3 benchmarks/envs/build.py [--only wsa,csdid] [--force]

Each ``benchmarks/envs/<name>.txt`` is a fully pinned requirements file (every package and
version, as resolved and checked when the file was written); it is installed with pip from
the package index alone (wheels only unless the environment says otherwise), into
``benchmarks/.envs/<name>`` (git-ignored). Peers get their own environment because several
cannot share one: synthdid pins numpy 1.23.5 and pandas 1.5.3, lifelines needs pandas < 3,
honestdid needs torch, and a peer's dependencies must not move wsa_eval's.

After installing, the environment's import check runs. The outcome is written to
``benchmarks/.envs/<name>/bench-status.json`` (ok, the error if any, the installed versions),
which the benchmark scripts read: a contender whose environment failed is reported as
"unavailable" with this error in the output and in the results file. An environment is
rebuilt only when its requirements file changed (or with ``--force``). The exit status is
0 even when an environment fails, so that the benchmarks still run and report it; the
failures are printed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ENVS_DIR = HERE.parent / ".envs"

#: name -> (import check run in the environment, pip options)
ENVS: dict[str, tuple[str, list[str]]] = {
    # wsa_eval's own dependencies (wsa_eval itself comes from src/ via PYTHONPATH); also the
    # statsmodels contenders and the benchmark drivers run here
    "wsa": ("import numpy, pandas, scipy, statsmodels, linearmodels, wsa_eval", []),
    "csdid": ("import csdid.att_gt", []),
    "differences": ("import differences", []),
    "pyfixest": ("import pyfixest", []),
    "wildboottest": ("import wildboottest.wildboottest", []),
    # torch comes from the CPU build of 2.13.0 where the machine keeps one (pip's find-links),
    # else from PyPI
    "honestdid": ("import honestdid", []),
    "pysyncon": ("import pysyncon", []),
    # D2CML's port pins numpy 1.23.5, pandas 1.5.3, scipy 1.10.1, statsmodels 0.13.5
    "synthdid": ("from synthdid.synthdid import Synthdid", []),
    # module name is also `synthdid`, hence its own environment
    "synthdid_py": ("from synthdid import synthdid_estimate, vcov, panel_matrices", []),
    "lifelines": ("import lifelines", []),
}


def shout(msg: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n!! {msg}\n{bar}", flush=True)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _tail(text: str, n: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def build(name: str, force: bool) -> dict:
    lock = HERE / f"{name}.txt"
    target = ENVS_DIR / name
    status_file = target / "bench-status.json"
    sha = _sha(lock)
    if status_file.exists() and not force:
        old = json.loads(status_file.read_text())
        if old.get("lock_sha") == sha and old.get("ok"):
            print(f"[{name}] up to date ({lock.name} unchanged)", flush=True)
            return old
    check, pip_opts = ENVS[name]
    status = {"env": name, "lock": lock.name, "lock_sha": sha, "ok": False,
              "python": platform.python_version()}
    print(f"[{name}] building from {lock.relative_to(ROOT)} ...", flush=True)
    if target.exists():
        shutil.rmtree(target)
    log = []
    try:
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True,
                       capture_output=True, text=True)
        py = str(target / "bin" / "python")
        cmd = [py, "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
               "--progress-bar", "off", *pip_opts, "-r", str(lock)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        log.append(p.stdout + p.stderr)
        if p.returncode != 0:
            raise RuntimeError("pip install failed:\n" + _tail(p.stderr or p.stdout))
        env = {"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore", "MPLBACKEND": "Agg"}
        if name == "wsa":
            env["PYTHONPATH"] = str(ROOT / "src")
        p = subprocess.run([py, "-c", check], capture_output=True, text=True, env=env)
        log.append(p.stdout + p.stderr)
        if p.returncode != 0:
            raise RuntimeError(f"import check `{check}` failed:\n" + _tail(p.stderr))
        p = subprocess.run([py, "-m", "pip", "list", "--format=json",
                            "--disable-pip-version-check"], capture_output=True, text=True,
                           check=True)
        status["versions"] = {d["name"].lower(): d["version"] for d in json.loads(p.stdout)}
        status["ok"] = True
        print(f"[{name}] ok", flush=True)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        msg = str(e) if not isinstance(e, subprocess.CalledProcessError) else \
            f"{e.cmd}: {_tail(e.stderr or '')}"
        status["error"] = msg
        shout(f"[{name}] environment FAILED; its contenders will be reported as "
              f"unavailable.\n{msg}")
    target.mkdir(parents=True, exist_ok=True)
    (target / "build.log").write_text("\n".join(log))
    status_file.write_text(json.dumps(status, indent=1) + "\n")
    return status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None, help="comma-separated environment names")
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    a = ap.parse_args()
    names = a.only.split(",") if a.only else list(ENVS)
    unknown = [n for n in names if n not in ENVS]
    if unknown:
        raise SystemExit(f"unknown environment(s): {', '.join(unknown)}; known: "
                         f"{', '.join(ENVS)}")
    if sys.version_info[:2] != (3, 11):
        print(f"note: the pinned files were resolved for Python 3.11; this is "
              f"{platform.python_version()}", flush=True)
    done = {n: build(n, a.force) for n in names}
    bad = [n for n, s in done.items() if not s.get("ok")]
    print(f"\nbenchmark environments: {len(done) - len(bad)} ok"
          + (f", FAILED: {', '.join(bad)}" if bad else ""), flush=True)
    if bad:
        shout("environments that failed to build: " + ", ".join(bad) + " (see "
              "benchmarks/.envs/<name>/build.log); their contenders are reported as "
              "unavailable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
