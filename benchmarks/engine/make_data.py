"""Write the synthetic linked data the engine benchmarks read (not committed: large).

    python benchmarks/engine/make_data.py --people 10000000 --out /tmp/wsa_bench/p10m

10M people with 10 offence rows each on average gives about 100M offence rows (about
2 GB of Parquet); 1M people about 10M rows. The seed is fixed so every run reads the
same data.
"""

from __future__ import annotations

import argparse
import time

from wsa_eval.engine import simulate_linked_data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, required=True)
    ap.add_argument("--per-person", type=float, default=10.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args()
    t0 = time.perf_counter()
    d = simulate_linked_data(a.people, out=a.out, offences_per_person=a.per_person,
                             random_state=a.seed)
    print(f"{d.n_people:,} people, {d.n_offences:,} offence rows in "
          f"{time.perf_counter() - t0:.0f} s -> {a.out}")


if __name__ == "__main__":
    main()
