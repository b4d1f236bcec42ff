"""Run every benchmark script under benchmarks/ in turn (``make bench``).

Each script prints its own table (wall time, peak memory, ratio against the peer packages)
and skips a peer that is not installed. Pass ``--quick`` to forward it to scripts that
accept it (smaller data).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    scripts = sorted(here.glob("*/bench_*.py"))
    failed = []
    for s in scripts:
        print(f"\n=== {s.relative_to(here)} ===", flush=True)
        r = subprocess.run([sys.executable, str(s), *sys.argv[1:]])
        if r.returncode:
            failed.append(s.name)
    if failed:
        print("\nFailed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
