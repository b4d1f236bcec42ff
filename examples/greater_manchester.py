"""Greater Manchester case study: how much of the fall in women sent to custody since the
Whole System Approach began in 2014 exceeds what comparable areas saw?

    python examples/greater_manchester.py --out gm_report

Prints the verdict and writes gm_report/report.html (figures embedded), report.md and CSVs.
"""

from __future__ import annotations

import argparse
import time

from wsa_eval.casestudy import run_greater_manchester


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="gm_report")
    p.add_argument("--reps", type=int, default=200, help="placebo replications for SEs")
    p.add_argument("--seed", type=int, default=2014)
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args()
    t0 = time.perf_counter()
    claim = run_greater_manchester(args.out, reps=args.reps, random_state=args.seed,
                                   progress=False if args.no_progress else None)
    print(claim.summary())
    print()
    print(claim.interpret())
    print()
    print(f"Report: {args.out}/report.html (and report.md); {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
