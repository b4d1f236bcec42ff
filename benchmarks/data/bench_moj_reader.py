"""Benchmark: read_moj_outcomes on a large synthetic file in the MoJ December 2024 layout.

The real December 2024 product (two CSVs) has about 8.2 million rows. This script writes a
synthetic file with the same columns and value spellings (default 2 million rows), then times
and measures peak memory (ru_maxrss of a fresh subprocess) of:

* ``wsa_eval``: ``read_moj_outcomes(path)`` (chunked, only the needed columns, categories);
* ``pandas naive``: ``pd.read_csv(path)`` of the whole file, strip prefixes with ``.str``,
  filter and ``groupby`` (what an analyst would write by hand).

Both must give the same counts. Each runs in a fresh interpreter of wsa_eval's environment.
The quick mode writes 20,000 rows. Usage::

    benchmarks/.envs/wsa/bin/python benchmarks/data/bench_moj_reader.py [--rows N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

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


def read(clock, who: str, path: str) -> dict:
    import pandas as pd

    if who == "wsa_eval":
        from wsa_eval.data import read_moj_outcomes

        with clock:
            r = read_moj_outcomes(path)
        return {"total": int(r["count"].sum()), "rows": len(r)}
    with clock:
        d = pd.read_csv(path)

        def strip(s):
            return s.str.replace(r"^\d+: ", "", regex=True)

        keep = (strip(d["Sex"]) == "Female") & strip(d["Age Group"]).isin(
            ["Young adults", "Adults"])
        keep &= strip(d["Sentence Outcome"]) == "Immediate Custody"
        keep &= d["Police Force Area"] != "Not known"
        r = d[keep].groupby(["Police Force Area", "Year"])["Sentenced"].sum().reset_index()
    return {"total": int(r["Sentenced"].sum()), "rows": len(r)}


SETTINGS = {"wsa_eval": "read_moj_outcomes(path): chunks of 1M rows, needed columns, "
                        "categories",
            "pandas naive": "read_csv whole file, strip prefixes with .str, filter, groupby"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int,
                    default={"full": 2_000_000, "quick": 20_000}[H.mode()])
    ap.add_argument("--write", nargs=2, metavar=("PATH", "ROWS"))
    ap.add_argument("--child", nargs=2, metavar=("WHO", "PATH"))
    ap.add_argument("--timeout", type=float, default=900.0)
    a = ap.parse_args()
    if a.write:
        write_file(a.write[0], int(a.write[1]))
        return
    if a.child:
        H.child_main(read, *a.child)
        return
    res = H.Results("data_moj_reader", "MoJ outcomes reader: wsa_eval vs pandas by hand")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sentence_outcomes_synthetic.csv")
        write_file(path, a.rows)
        size = os.path.getsize(path) / 1e6
        case = res.case("reader", f"synthetic {a.rows:,}-row CSV ({size:.0f} MB) in the MoJ "
                        "December 2024 layout", n_rows=a.rows)
        rows = [H.run_contender(w, "wsa", [__file__, "--child", w, path], timeout=a.timeout,
                                setting=SETTINGS[w]) for w in SETTINGS]
    ours, naive = rows
    for r in rows:
        if r["status"] == "ok":
            r["note"] = f"total {r['total']:,} women 18+ sentenced to immediate custody"
        if r is naive and r["status"] == "ok" and ours["status"] == "ok":
            same = r["total"] == ours["total"]
            r["agreement"] = {"what": "same total as wsa_eval", "identical": same,
                              "value": 0.0 if same else 1.0}
            r["note"] += "; identical" if same else "; DIFFERENT ANSWER"
        res.add(case, r)
    print(f"  pandas naive / wsa_eval: {H.ratio_note(naive, ours)}")
    res.write()


if __name__ == "__main__":
    main()
