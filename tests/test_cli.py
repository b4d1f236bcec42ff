"""The command line as a user runs it (subprocess): exit codes and messages."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsa_eval.cli", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture()
def panel_csv(tmp_path):
    rng = np.random.default_rng(0)
    rows = [{"pfa": f"Area {i}", "year": t, "custody": float(rng.integers(50, 200))}
            for i in range(5) for t in range(2010, 2016)]
    path = tmp_path / "panel.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_check_ok_exit_0(panel_csv):
    r = run("check", str(panel_csv), "--unit", "pfa", "--time", "year", "--outcome", "custody",
            "--treated-unit", "Area 0", "--start", "2013")
    assert r.returncode == 0, r.stderr
    assert "pass every check" in r.stdout


def test_check_duplicate_row_exit_2(panel_csv, tmp_path):
    df = pd.read_csv(panel_csv)
    bad = tmp_path / "bad.csv"
    pd.concat([df, df.iloc[[0]]]).to_csv(bad, index=False)
    r = run("check", str(bad), "--unit", "pfa", "--time", "year", "--outcome", "custody")
    assert r.returncode == 2
    assert "('Area 0', 2010)" in r.stdout


def test_check_misspelt_column_exit_2(panel_csv):
    r = run("check", str(panel_csv), "--unit", "pfa", "--time", "year", "--outcome", "custdy")
    assert r.returncode == 2
    assert "Column 'custdy' (--outcome) is not in panel.csv" in r.stderr
    assert "Did you mean 'custody'?" in r.stderr and "Traceback" not in r.stderr


def test_check_missing_year_warns_exit_1(panel_csv, tmp_path):
    df = pd.read_csv(panel_csv)
    path = tmp_path / "gap.csv"
    df[df.year != 2012].to_csv(path, index=False)
    r = run("check", str(path), "--unit", "pfa", "--time", "year", "--outcome", "custody")
    assert r.returncode == 1
    assert "2012" in r.stdout


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "Exit codes" in r.stdout
    r = run("--version")
    assert r.returncode == 0 and "wsa_eval" in r.stdout
