"""Record the SHA-256 of every CSV of the project's data folder, the source of the copies
shipped in ``wsa_eval/datasets/data``.

Run from the repository root, naming the project's data folder (the one holding
``reference/`` and ``women_custody_pfa/``; its README gives each file's source and licence)::

    python tests/reference/datasets/make_checksums.py PATH/TO/data

Writes ``SHA256SUMS`` beside this script (``sha256sum`` format, ``folder/file`` names).
``tests/test_reference_data.py`` checks the packaged copies against it, so the tests never
need the project's data folder itself.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FOLDERS = ("reference", "women_custody_pfa")


def main(data: Path) -> None:
    lines = []
    for sub in FOLDERS:
        files = sorted((data / sub).glob("*.csv"))
        if not files:
            raise SystemExit(f"no CSV files in {data / sub}")
        for f in files:
            lines.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {sub}/{f.name}")
    (HERE / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} files")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
