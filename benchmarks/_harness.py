"""Shared machinery of the benchmark scripts (standard library only).

Every contender runs in a fresh interpreter of its own virtual environment
(``benchmarks/.envs/<env>``, built by ``benchmarks/envs/build.py``). The parent
(:func:`run_contender`) starts the child in its own process group, samples the resident
memory of that whole group (so worker processes count), stops it at a time cap, and turns
the outcome into one result row. A contender that cannot run -- its environment failed to
build, it crashed, or it hit the cap -- becomes a row with that status and the reason,
printed loudly; nothing is skipped silently.

The child side is :func:`child_main`: it calls the contender's function, which times only
the estimation call with :class:`Clock`, and prints one ``@@RESULT@@`` JSON line.

Results go to ``benchmarks/results/<mode>/<benchmark>.json`` (:class:`Results`), which
``benchmarks/make_table.py`` turns into the README table.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
ENVS_DIR = Path(os.environ.get("BENCH_ENVS_DIR", HERE / ".envs"))
RESULTS_DIR = HERE / "results"
MARK = "@@RESULT@@"


# -- environment -----------------------------------------------------------------------------
def mode() -> str:
    """'quick' (small sizes: does every contender install and run?) or 'full'."""
    m = os.environ.get("BENCH_MODE", "full").strip().lower()
    if m not in ("quick", "full"):
        raise SystemExit(f"BENCH_MODE must be 'quick' or 'full', not {m!r}")
    return m


def blas_threads() -> str:
    """BLAS/OpenMP threads per contender: the machine's 2 cores unless ``BENCH_THREADS`` says.

    On a busy machine multi-threaded OpenBLAS can stall badly (small products 10-50x slower
    at load 20 with 2 threads than with 1), which is one more reason to run the full mode on
    a quiet machine; ``BENCH_THREADS=1`` is the alternative, and is recorded.
    """
    return os.environ.get("BENCH_THREADS", os.environ.get("OMP_NUM_THREADS", "2"))


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


#: how to get a system program a contender needs (Debian packages)
SYSTEM_HINTS = {"Rscript": "apt-get install -y r-base-core r-cran-survival"}


def env_status(env: str) -> dict:
    """The build record of environment ``env`` (see envs/build.py), or why it is missing.

    ``env`` may also be ``"system:<program>"`` for a program on the PATH (R's Rscript).
    """
    if env.startswith("system:"):
        import shutil

        prog = env.split(":", 1)[1]
        where = shutil.which(prog)
        if where is None:
            return {"ok": False, "error": f"{prog} not found on PATH (install it: "
                                          f"{SYSTEM_HINTS.get(prog, prog)})"}
        return {"ok": True, "program": where, "versions": _system_versions(prog)}
    path = ENVS_DIR / env / "bench-status.json"
    if not path.exists():
        return {"ok": False, "error": f"environment '{env}' was never built ({path} missing); "
                                      "run `make bench-envs`"}
    return json.loads(path.read_text())


@functools.cache
def _system_versions(prog: str) -> dict:
    if prog != "Rscript":
        return {}
    code = ('cat(R.version$major, ".", R.version$minor, " ", '
            'tryCatch(as.character(packageVersion("survival")), error = function(e) "none"), '
            'sep = "")')
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True,
                             timeout=60).stdout.split()
        return {"R": out[0], "survival": out[1]}
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return {}


def env_python(env: str) -> Path:
    return ENVS_DIR / env / "bin" / "python"


def env_versions(env: str) -> dict:
    return env_status(env).get("versions", {})


# -- parent side -----------------------------------------------------------------------------
def _group_rss_mb(pgid: int) -> float:
    """Sum of VmRSS over the processes of process group ``pgid`` (MB)."""
    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            # field 5 (after the parenthesised command name) is the process group
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            with open(f"/proc/{d}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024


class _Sampler(threading.Thread):
    def __init__(self, pgid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pgid, self.every, self.peak = pgid, every, 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, _group_rss_mb(self.pgid))
            self._halt.wait(self.every)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak


def shout(msg: str) -> None:
    """A contender that did not produce a result: impossible to miss in a long log."""
    bar = "!" * 78
    print(f"\n{bar}\n!! {msg}\n{bar}\n", flush=True)


def run_contender(name: str, env: str, args: list[str], *, timeout: float,
                  setting: str = "", extra_env: dict | None = None) -> dict:
    """Run ``<env python> args...`` in its own process group; return one result row.

    ``env`` is a benchmark environment (its Python runs ``args``) or ``"system:<program>"``
    (that program runs ``args``). The child must print a line ``@@RESULT@@{json}`` (see
    :func:`child_main`). The row has
    ``status`` "ok", "failed", "timeout" or "unavailable" and, when ok, the child's fields
    (``wall_s`` at least) plus ``peak_tree_mb`` (sampled resident memory of the child and
    its workers).
    """
    row = {"contender": name, "env": env, "setting": setting, "loadavg_before": loadavg()}
    st = env_status(env)
    if not st.get("ok"):
        row.update(status="unavailable", message=st.get("error", "environment not built"))
        shout(f"{name}: NOT RUN -- environment '{env}' unavailable: {row['message']}")
        return row
    argv = ([st["program"], *args] if env.startswith("system:")
            else [str(env_python(env)), *args])
    env_vars = dict(os.environ)
    env_vars.pop("PYTHONPATH", None)
    if env == "wsa":  # wsa_eval is taken from this checkout, never from a peer environment
        env_vars["PYTHONPATH"] = str(SRC)
    env_vars["OMP_NUM_THREADS"] = blas_threads()
    env_vars["PYTHONWARNINGS"] = "ignore"
    env_vars["MPLBACKEND"] = "Agg"
    env_vars.update(extra_env or {})
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env_vars, cwd=ROOT, start_new_session=True)
    sampler = _Sampler(proc.pid)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        sampler.stop()
        row.update(status="timeout", cap_s=timeout, total_s=time.perf_counter() - t0,
                   message=f"stopped at the {timeout:.0f} s cap (did not finish)")
        print(f"  {name}: stopped at the {timeout:.0f} s cap", flush=True)
        return row
    peak_tree = sampler.stop()
    try:  # workers left behind by a pool (loky, process pools) die with the group
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    row["total_s"] = time.perf_counter() - t0
    lines = [ln for ln in out.splitlines() if ln.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        tail = (err.strip() or out.strip() or "no output").splitlines()[-12:]
        row.update(status="failed", message=" | ".join(tail)[-1500:],
                   returncode=proc.returncode)
        shout(f"{name} ({env}): FAILED, exit code {proc.returncode}:\n" + "\n".join(tail))
        return row
    row.update(json.loads(lines[-1][len(MARK):]))
    row["status"] = "ok"
    row["peak_tree_mb"] = peak_tree
    return row


# -- child side ------------------------------------------------------------------------------
class Clock:
    """Times the estimation call only: ``with clock: ...``; records the load average too."""

    def __init__(self):
        self.wall_s = 0.0
        self.loadavg = ""

    def __enter__(self):
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall_s += time.perf_counter() - self._t0
        self.loadavg = loadavg()
        return False


def current_rss_mb() -> float:
    """This process's resident memory now (VmRSS), e.g. after loading the data."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _own_peak_mb() -> float:
    """This process's peak resident memory (VmHWM).

    Not ``ru_maxrss``: on Linux that also counts the parent's memory at fork time when the
    child was started by fork + exec, so a large parent would inflate it.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(fn, *args) -> None:
    """Call ``fn(clock, *args)`` (which returns a JSON-able dict) and print the result line."""
    import warnings

    warnings.simplefilter("ignore")
    clock = Clock()
    out = fn(clock, *args) or {}
    out.setdefault("wall_s", clock.wall_s)
    out.setdefault("loadavg", clock.loadavg)
    out.setdefault("peak_mb", _own_peak_mb())
    print(MARK + json.dumps(out, default=float), flush=True)


# -- results ---------------------------------------------------------------------------------
def _machine() -> dict:
    mem = "n/a"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 ** 2:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "n/a"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory": mem, "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform()}


class Results:
    """Collects the rows of one benchmark script and writes its results file."""

    def __init__(self, benchmark: str, title: str):
        self.benchmark, self.title = benchmark, title
        self.mode = mode()
        self.cases: list[dict] = []
        self.started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.load_start = loadavg()
        print(f"== {title} ({self.mode} mode) -- {self.started}, load average "
              f"{self.load_start}", flush=True)

    def case(self, key: str, description: str, **info) -> dict:
        c = {"case": key, "description": description, "rows": [], **info}
        self.cases.append(c)
        print(f"\n-- {description} (load average {loadavg()})", flush=True)
        return c

    def add(self, case: dict, row: dict) -> dict:
        case["rows"].append(row)
        if row.get("status") == "ok":
            mem = max(row.get("peak_mb", 0), row.get("peak_tree_mb", 0))
            print(f"  {row['contender']:36s} {row['wall_s']:9.3f} s  peak {mem:7.0f} MB  "
                  f"load {row.get('loadavg', '')}  {row.get('note', '')}", flush=True)
        return row

    def write(self) -> Path:
        envs = sorted({r["env"] for c in self.cases for r in c["rows"]})
        doc = {
            "benchmark": self.benchmark, "title": self.title, "mode": self.mode,
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "started": self.started,
            "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "loadavg_start": self.load_start, "loadavg_end": loadavg(),
            "machine": _machine(), "blas_threads": blas_threads(),
            "envs": {e: {"versions": env_versions(e),
                         "python": env_status(e).get("python")} for e in envs},
            "cases": self.cases,
        }
        out = RESULTS_DIR / self.mode / f"{self.benchmark}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=1, default=float) + "\n")
        bad = [(c["case"], r["contender"], r["status"], r.get("message", ""))
               for c in self.cases for r in c["rows"] if r.get("status") != "ok"]
        for case, who, status, msg in bad:
            print(f"  NOT OK: [{case}] {who}: {status}: {msg[:200]}")
        print(f"results written to {out.relative_to(ROOT)}", flush=True)
        return out


def ratio_note(peer: dict, ours: dict) -> str:
    if peer.get("status") == "ok" and ours.get("status") == "ok" and ours["wall_s"] > 0:
        return f"{peer['wall_s'] / ours['wall_s']:.1f}x"
    if peer.get("status") == "timeout" and ours.get("status") == "ok":
        return f"> {peer['cap_s'] / ours['wall_s']:.1f}x (peer capped)"
    return "n/a"
