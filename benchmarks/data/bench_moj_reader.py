"""Benchmark: read_moj_outcomes on a large synthetic file in the MoJ December 2024 layout.

The real December 2024 product (two CSVs) has about 8.2 million rows. This script writes a
synthetic file with the same columns and value spellings (default 2 million rows), then times
and measures peak memory (ru_maxrss of a fresh subprocess) of:

* ``wsa_eval``: ``read_moj_outcomes(path)`` (chunked, only the needed columns, categories);
* ``pandas naive``: ``pd.read_csv(path)`` of the whole file, strip prefixes with ``.str``,
  filter and ``groupby`` (what an analyst would write by hand).

Both must give the same counts. Usage::

    flock /work/bench.lock env PYTHONPATH=src python benchmarks/data/bench_moj_reader.py [rows]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "src")

PFAS = [
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London",
    "Cleveland", "Cumbria", "Derbyshire", "Devon and Cornwall", "Dorset", "Durham",
    "Dyfed Powys", "Essex", "Gloucestershire", "Greater Manchester", "Gwent", "Hampshire",
    "Hertfordshire", "Humberside", "Kent", "Lancashire", "Leicestershire", "Lincolnshire",
    "Merseyside", "Metropolitan", "Norfolk", "North Wales", "North Yorkshire",
    "Northamptonshire", "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire",
    "Staffordshire", "Suffolk", "Surrey", "Sussex", "Thames Valley", "Warwickshire",
    "West Mercia", "West Midlands", "West Yorkshire", "Wiltshire", "Not known",
]  # fmt: skip


def write_file(path: str, n: int, seed: int = 1) -> None:
    import pandas as pd

    rng = np.random.default_rng(seed)
    offences = [f"{i} Offence number {i}" for i in range(300)]
    groups = [f"{i:02d}: Offence group {i}" for i in range(1, 13)]
    outcomes = ["01: Immediate Custody", "02: Community Sentence", "03: Suspended Sentence",
                "04: Fine", "05: Conditional Discharge"]  # fmt: skip
    lengths = [f"{i:02d}: Custody - Over {i} months and up to and including {i + 1} months"
               for i in range(1, 20)]  # fmt: skip
    out = rng.integers(0, len(outcomes), n)
    frame = pd.DataFrame(
        {
            "Year": rng.integers(2010, 2025, n),
            "Sex": np.where(rng.random(n) < 0.2, "02: Female", "01: Male"),
            "Age Group": np.array(["01: Children", "02: Young adults", "03: Adults"])[
                rng.integers(0, 3, n)
            ],
            "Police Force Area": np.array(PFAS)[rng.integers(0, len(PFAS), n)],
            "Offence Type": np.array(["02: Triable either way", "03: Summary non-motoring"])[
                rng.integers(0, 2, n)
            ],
            "Offence Group": np.array(groups)[rng.integers(0, len(groups), n)],
            "Offence": np.array(offences)[rng.integers(0, len(offences), n)],
            "Sentence Outcome": np.array(outcomes)[out],
            "Custodial Sentence Length": np.where(
                out == 0, np.array(lengths)[rng.integers(0, len(lengths), n)], ""
            ),
            "Sentenced": rng.integers(1, 6, n),
        }
    )
    frame.to_csv(path, index=False)


WSA = """
import sys, json, time, resource, warnings
sys.path.insert(0, {src!r})
warnings.simplefilter("ignore")
from wsa_eval.data import read_moj_outcomes
t = time.perf_counter()
r = read_moj_outcomes({path!r})
dt = time.perf_counter() - t
print(json.dumps({{"t": dt, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "total": int(r["count"].sum()), "rows": len(r)}}))
"""

NAIVE = """
import json, time, resource
import pandas as pd
t = time.perf_counter()
d = pd.read_csv({path!r})
strip = lambda s: s.str.replace(r"^\\d+: ", "", regex=True)
keep = (strip(d["Sex"]) == "Female") & strip(d["Age Group"]).isin(["Young adults", "Adults"])
keep &= (strip(d["Sentence Outcome"]) == "Immediate Custody")
keep &= (d["Police Force Area"] != "Not known")
r = d[keep].groupby(["Police Force Area", "Year"])["Sentenced"].sum().reset_index()
dt = time.perf_counter() - t
print(json.dumps({{"t": dt, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "total": int(r["Sentenced"].sum()), "rows": len(r)}}))
"""


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--write":
        write_file(sys.argv[2], int(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sentence_outcomes_synthetic.csv")
        t = time.perf_counter()
        # in a subprocess: Linux keeps a process's peak RSS across fork+exec, so the parent
        # must stay small for the children's ru_maxrss to mean anything
        subprocess.run([sys.executable, __file__, "--write", path, str(n)], check=True)
        size = os.path.getsize(path) / 1e6
        print(f"wrote {n:,} rows ({size:.0f} MB) in {time.perf_counter() - t:.1f}s")
        base = run("import resource, json; import pandas; print(json.dumps({'rss': "
                   "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))")["rss"]
        res = {
            "wsa_eval read_moj_outcomes": run(WSA.format(src=SRC, path=path)),
            "pandas naive (read all, filter)": run(NAIVE.format(path=path)),
        }
    totals = {k: v["total"] for k, v in res.items()}
    assert len(set(totals.values())) == 1, f"estimates disagree: {totals}"
    print(f"women 18+ immediate custody total (both): {next(iter(totals.values())):,}")
    print(f"baseline python+pandas import peak RSS: {base / 1024:.0f} MB")
    ref = res["pandas naive (read all, filter)"]
    for k, v in res.items():
        print(
            f"{k:34s} time {v['t']:6.2f}s  peak RSS {v['rss'] / 1024:7.0f} MB  "
            f"(time ratio vs naive {v['t'] / ref['t']:.2f}, memory ratio "
            f"{v['rss'] / ref['rss']:.2f})"
        )


if __name__ == "__main__":
    main()
