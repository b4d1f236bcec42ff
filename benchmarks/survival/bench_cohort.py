"""Benchmark: proven_reoffending on 1M people and 10M offence rows (time and peak memory).

    benchmarks/.envs/wsa/bin/python benchmarks/survival/bench_cohort.py \
        [--people 1000000] [--offences 10000000]

Each contender runs in a fresh interpreter (wsa_eval's environment); peak resident memory
is that process's. The quick mode uses 10,000 people and 100,000 offence rows. Contenders:
  stream    wsa_eval, offences generated and consumed chunk by chunk (1M rows per chunk)
  frame     wsa_eval, all offences in one DataFrame (datetime64 columns) passed at once
  generate  only producing the offence chunks (this time is inside 'stream')
  pandas    the usual analyst approach: merge all offences onto the index events, filter,
            groupby (same definitions); used to check the answers agree
Dates are datetime64 columns (converted to day numbers inside).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _harness as H  # noqa: E402

EPOCH = np.datetime64("2018-01-01", "D")


def index_events(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    days = rng.integers(0, 730, n)
    return pd.DataFrame({"person_id": rng.permutation(np.arange(n, dtype=np.int64) * 2 + 1),
                         "index_date": (EPOCH + days).astype("datetime64[ns]"),
                         "treated": rng.integers(0, 2, n)})


def offence_chunks(n_people: int, n_off: int, idx: pd.DataFrame, chunk: int = 1_000_000):
    ids = idx["person_id"].to_numpy()
    t0 = idx["index_date"].to_numpy().astype("datetime64[D]")
    for k, start in enumerate(range(0, n_off, chunk)):
        m = min(chunk, n_off - start)
        rng = np.random.default_rng(100 + k)
        who = rng.integers(0, max(1, int(0.4 * n_people)), m)  # 40% of people offend
        od = t0[who] + rng.integers(-200, 800, m)
        pv = od + rng.integers(0, 400, m)
        yield pd.DataFrame({"person_id": ids[who], "offence_date": od.astype("datetime64[ns]"),
                            "proven_date": pv.astype("datetime64[ns]")})


def run(clock, mode: str, n_people: int, n_off: int) -> dict:
    idx = index_events(n_people)
    end = "2021-12-31"
    if mode == "generate":  # cost of producing the data alone (included in 'stream')
        with clock:
            total = sum(len(c) for c in offence_chunks(n_people, n_off, idx))
        rate = float("nan")
    elif mode in ("stream", "frame"):
        from wsa_eval.survival.cohort import proven_reoffending

        if mode == "stream":
            src = offence_chunks(n_people, n_off, idx)
        else:
            src = pd.concat(list(offence_chunks(n_people, n_off, idx)), ignore_index=True)
        with clock:
            res = proven_reoffending(idx, src, data_end=end)
        per = res.persons
        rate = res.measure("proven_reoffending_rate")
        total = int(per["n_reoffences"].sum())
    else:
        off = pd.concat(list(offence_chunks(n_people, n_off, idx)), ignore_index=True)
        with clock:
            m = off.merge(idx[["person_id", "index_date"]], on="person_id")
            d = (m["offence_date"] - m["index_date"]).dt.days
            p = (m["proven_date"] - m["index_date"]).dt.days
            m = m[(d >= 1) & (d <= 365) & (p <= 548)]
            g = m.groupby("person_id").size()
            complete = idx["index_date"] + pd.Timedelta(days=548) <= pd.Timestamp(end)
            ok = idx.loc[complete, "person_id"]
            cnt = g.reindex(ok, fill_value=0)
            rate = float((cnt > 0).mean())
            total = int(cnt.sum())
    return {"rate": rate, "total_reoffences": total}


SETTINGS = {"stream": "wsa_eval proven_reoffending, offences streamed in 1M-row chunks "
                      "(time includes generating them)",
            "frame": "wsa_eval proven_reoffending, all offences in one DataFrame",
            "pandas": "pandas merge + filter + groupby by hand",
            "generate": "producing the offence chunks only"}
SIZES = {"full": (1_000_000, 10_000_000), "quick": (10_000, 100_000)}


def main() -> None:
    people, offences = SIZES[H.mode()]
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=people)
    ap.add_argument("--offences", type=int, default=offences)
    ap.add_argument("--child", default=None)
    ap.add_argument("--modes", default="stream,frame,pandas,generate")
    ap.add_argument("--timeout", type=float, default=900.0)
    a = ap.parse_args()
    if a.child:
        H.child_main(run, a.child, a.people, a.offences)
        return
    res = H.Results("survival_cohort", "Proven-reoffending cohort builder: wsa_eval vs pandas")
    case = res.case("cohort", f"{a.people:,} people x {a.offences:,} offence rows",
                    people=a.people, offences=a.offences)
    rows = [H.run_contender(m, "wsa", [__file__, "--child", m, "--people", str(a.people),
                                       "--offences", str(a.offences)],
                            timeout=a.timeout, setting=SETTINGS[m])
            for m in a.modes.split(",")]
    ref = rows[0]
    for r in rows:
        if r["status"] == "ok" and r["contender"] != "generate":
            r["note"] = f"rate {r['rate']:.6f}, {r['total_reoffences']:,} reoffences"
            if r is not ref and ref["status"] == "ok":
                same = (abs(r["rate"] - ref["rate"]) < 1e-12
                        and r["total_reoffences"] == ref["total_reoffences"])
                r["agreement"] = {"what": f"same answer as {ref['contender']}",
                                  "value": 0.0 if same else 1.0, "identical": same}
                r["note"] += "; identical" if same else "; DIFFERENT ANSWER"
        res.add(case, r)
    res.write()


if __name__ == "__main__":
    main()
