"""Benchmark: proven_reoffending on 1M people and 10M offence rows (time and peak memory).

Run from the repository root (heavy: wrap in the shared lock):
    flock /work/bench.lock env PYTHONPATH=src /work/venv/bin/python \
        benchmarks/survival/bench_cohort.py [--people 1000000] [--offences 10000000]

Each contender runs in its own subprocess; peak resident memory is that process's
``ru_maxrss``. Contenders:
  stream    wsa_eval, offences generated and consumed chunk by chunk (1M rows per chunk)
  frame     wsa_eval, all offences in one DataFrame (datetime64 columns) passed at once
  generate  only producing the offence chunks (this time is inside 'stream')
  pandas    the usual analyst approach: merge all offences onto the index events, filter,
            groupby (same definitions); used to check the answers agree
Dates are datetime64 columns (converted to day numbers inside).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

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


def run(mode: str, n_people: int, n_off: int) -> dict:
    idx = index_events(n_people)
    end = "2021-12-31"
    t = time.perf_counter()
    if mode == "generate":  # cost of producing the data alone (included in 'stream')
        total = sum(len(c) for c in offence_chunks(n_people, n_off, idx))
        rate = float("nan")
    elif mode in ("stream", "frame"):
        from wsa_eval.survival.cohort import proven_reoffending

        if mode == "stream":
            src = offence_chunks(n_people, n_off, idx)
            t = time.perf_counter()
        else:
            src = pd.concat(list(offence_chunks(n_people, n_off, idx)), ignore_index=True)
            t = time.perf_counter()
        res = proven_reoffending(idx, src, data_end=end)
        per = res.persons
        rate = res.measure("proven_reoffending_rate")
        total = int(per["n_reoffences"].sum())
    else:
        off = pd.concat(list(offence_chunks(n_people, n_off, idx)), ignore_index=True)
        t = time.perf_counter()
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
    secs = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "seconds": secs, "peak_rss_mb": rss_mb, "rate": rate,
            "total_reoffences": total}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--offences", type=int, default=10_000_000)
    ap.add_argument("--mode", default=None)
    ap.add_argument("--modes", default="stream,frame,pandas,generate")
    a = ap.parse_args()
    if a.mode:
        print(json.dumps(run(a.mode, a.people, a.offences)))
        return
    out = []
    for mode in a.modes.split(","):
        r = subprocess.run([sys.executable, __file__, "--mode", mode, "--people",
                            str(a.people), "--offences", str(a.offences)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{mode}: failed\n{r.stderr[-2000:]}")
            continue
        res = json.loads(r.stdout.strip().splitlines()[-1])
        out.append(res)
        print(f"{mode:7s} time {res['seconds']:7.1f} s   peak RSS {res['peak_rss_mb']:8.0f} MB"
              f"   rate {res['rate']:.6f}   reoffences {res['total_reoffences']}")
    if len(out) > 1:
        ref = out[0]
        for r in out[1:]:
            if r["mode"] == "generate":
                continue
            agree = (abs(r["rate"] - ref["rate"]) < 1e-12
                     and r["total_reoffences"] == ref["total_reoffences"])
            print(f"{r['mode']} vs {ref['mode']}: answers agree: {agree}; time ratio "
                  f"{r['seconds'] / ref['seconds']:.2f}; memory ratio "
                  f"{r['peak_rss_mb'] / ref['peak_rss_mb']:.2f}")


if __name__ == "__main__":
    main()
