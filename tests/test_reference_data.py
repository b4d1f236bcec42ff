"""The reference data the tests need ship inside the repository, unchanged.

``tests/reference/datasets/SHA256SUMS`` records the SHA-256 of every CSV of the project's data
folder, the source of the copies in ``wsa_eval/datasets/data`` (made by
``make_checksums.py`` beside it); the packaged copies must match it byte for byte. The
reference-making scripts must run from a clone: no machine paths in them.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from refdata import REFERENCE_FILES, packaged_data_dir

ROOT = Path(__file__).resolve().parents[1]
SUMS = ROOT / "tests" / "reference" / "datasets" / "SHA256SUMS"


def _sums() -> dict[str, str]:
    out = {}
    for line in SUMS.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        out[name] = digest
    return out


def test_manifest_covers_every_reference_file():
    sums = _sums()
    assert len(sums) == 16
    assert {f"reference/{f}" for f in REFERENCE_FILES} == {
        n for n in sums if n.startswith("reference/")}


@pytest.mark.parametrize("name", sorted(_sums()))
def test_packaged_copy_is_the_source_file(name):
    path = packaged_data_dir() / Path(name).name
    assert path.is_file(), f"{path} missing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == _sums()[name], name


def test_every_packaged_csv_is_accounted_for():
    shipped = {p.name for p in packaged_data_dir().glob("*.csv")}
    assert shipped == {Path(n).name for n in _sums()}


def test_reference_dir_fixture_is_the_packaged_folder(reference_dir):
    assert reference_dir == packaged_data_dir()
    for f in REFERENCE_FILES:
        assert (reference_dir / f).stat().st_size > 1000


MACHINE_PATH = re.compile(r"/work/|/root/|/home/|venv-bench|\.\./shared|/tmp/")


def test_reference_scripts_have_no_machine_paths():
    scripts = [p for p in (ROOT / "tests" / "reference").rglob("*")
               if p.suffix in {".py", ".R", ".md", ".txt"}]
    assert len(scripts) >= 15
    bad = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}"
           for p in scripts for i, line in enumerate(p.read_text().splitlines(), 1)
           if MACHINE_PATH.search(line)]
    assert not bad, "machine paths:\n" + "\n".join(bad)
