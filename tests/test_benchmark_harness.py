"""The benchmark harness reports every contender (ok, failed, capped, unavailable) and the
README table is built from the results files only (benchmarks/_harness.py, make_table.py).

No timing is asserted here: these tests run tiny stand-in children, not benchmarks.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


H = _load("_harness")
T = _load("make_table")
PY = f"system:{Path(sys.executable).name}"


@pytest.fixture(autouse=True)
def _python_on_path(monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")


def test_ok_child_reports_its_result_and_memory():
    code = ("import json; print('noise'); print('@@RESULT@@' + json.dumps("
            "{'wall_s': 0.5, 'estimate': 1.25}))")
    row = H.run_contender("toy", PY, ["-c", code], timeout=60, setting="s")
    assert row["status"] == "ok"
    assert row["wall_s"] == 0.5 and row["estimate"] == 1.25
    assert row["setting"] == "s" and row["peak_tree_mb"] >= 0


def test_crashing_child_is_failed_with_its_error(capsys):
    row = H.run_contender("toy", PY, ["-c", "raise ValueError('peer broke')"], timeout=60)
    assert row["status"] == "failed"
    assert "peer broke" in row["message"]
    assert "FAILED" in capsys.readouterr().out


def test_child_without_result_line_is_failed():
    row = H.run_contender("toy", PY, ["-c", "print('no result')"], timeout=60)
    assert row["status"] == "failed" and row["returncode"] == 0


def test_child_over_the_cap_is_stopped():
    row = H.run_contender("toy", PY, ["-c", "import time; time.sleep(30)"], timeout=1)
    assert row["status"] == "timeout" and row["cap_s"] == 1
    assert row["total_s"] < 20


def test_missing_environment_is_unavailable(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(H, "ENVS_DIR", tmp_path)
    row = H.run_contender("peer", "nosuchenv", ["-c", "pass"], timeout=60)
    assert row["status"] == "unavailable"
    assert "never built" in row["message"]
    assert "NOT RUN" in capsys.readouterr().out
    row = H.run_contender("R", "system:no-such-program-xyz", [], timeout=60)
    assert row["status"] == "unavailable" and "not found" in row["message"]


def test_failed_environment_build_is_unavailable_with_its_error(tmp_path, monkeypatch):
    monkeypatch.setattr(H, "ENVS_DIR", tmp_path)
    (tmp_path / "peer").mkdir()
    (tmp_path / "peer" / "bench-status.json").write_text(
        json.dumps({"ok": False, "error": "pip install failed: no matching distribution"}))
    row = H.run_contender("peer", "peer", ["-c", "pass"], timeout=60)
    assert row["status"] == "unavailable" and "no matching distribution" in row["message"]


def _doc(rows, case="units_500000", **info):
    return {"benchmark": "did_cs", "cases": [{"case": case, "description": "d", "units": 500000,
                                              "periods": 10, "rows": rows, **info}]}


def _ok(name, wall, **kw):
    return {"contender": name, "status": "ok", "wall_s": wall, "peak_mb": 100.0, **kw}


def test_table_row_takes_the_fastest_peer_and_its_ratio():
    spec = T.ROWS[0]
    doc = _doc([_ok("wsa_eval", 1.0), _ok("csdid", 5.0, agreement={"value": 3e-16}),
                _ok("differences", 20.0), _ok("differences_1job", 12.0)])
    line = T.row_md(spec, doc)
    assert "csdid 5.0 s" in line and "| 5.0x |" in line and "3e-16" in line
    assert line.index("differences (n_jobs=1) 12 s") < line.index("differences (n_jobs=2) 20 s")


def test_table_row_names_capped_and_broken_peers():
    spec = T.ROWS[0]
    doc = _doc([_ok("wsa_eval", 2.0),
                {"contender": "csdid", "status": "timeout", "cap_s": 300.0},
                {"contender": "differences", "status": "unavailable", "message": "pip"}])
    line = T.row_md(spec, doc)
    assert "csdid stopped at 300 s" in line
    assert "differences (n_jobs=2) **could not run** (unavailable)" in line
    assert "differences (n_jobs=1) not run" in line
    assert "> 150x" in line


def test_table_row_when_wsa_eval_failed():
    line = T.row_md(T.ROWS[0], _doc([{"contender": "wsa_eval", "status": "failed"},
                                     _ok("csdid", 5.0)]))
    assert "wsa_eval **could not run** (failed)" in line


def test_splice_replaces_only_the_marked_table():
    text = f"intro\n{T.START}\nold table\n{T.END}\noutro\n"
    out = T.splice(text, "new table\n")
    assert out == f"intro\n{T.START}\nnew table\n{T.END}\noutro\n"
    with pytest.raises(SystemExit):
        T.splice("no markers", "x")


def test_readme_has_one_marked_benchmark_table():
    text = (ROOT / "README.md").read_text()
    assert text.count(T.START) == 1 and text.count(T.END) == 1
    assert text.index(T.START) < text.index(T.END)
