"""The command line on an analyst's own table (issue 10 sections 5 and 6), run as the analyst
runs it: `wsa-eval check` and `wsa-eval run` agree (one validation), advice is phrased as a
flag or a configuration line, output fits the terminal, output folders are never
overwritten without --force, and progress bars appear only on a terminal.

All subprocesses of one group are started together (start-up time dominates)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")
NAMES = ["Riverton"] + [f"Area {chr(65 + i)}" for i in range(19)]
SMALL = (9, 8, 7, 8, 5, 4, 3, 2, 3)  # the treated area's counts, 2012-2020


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg", **extra)
    return env


def analyst_csv(folder: Path, small=SMALL, name: str = "panel.csv", edit=None,
                **to_csv) -> Path:
    """20 areas x 2012-2020, whole-number counts; Riverton treated from 2016."""
    rng = np.random.default_rng(1)
    rows = []
    for i, n in enumerate(NAMES):
        base = rng.integers(40, 300)
        for j, t in enumerate(range(2012, 2021)):
            y = small[j] if i == 0 else int(base * np.exp(-0.03 * j + rng.normal(0, 0.05)))
            rows.append({"area": n, "year": t, "custody": y})
    df = pd.DataFrame(rows)
    if edit is not None:
        df = edit(df)
    df.to_csv(folder / name, index=False, **to_csv)
    return folder / name


def config(folder: Path, data: str = "panel.csv", claim: str = "", data_extra: str = "",
           name: str = "study.toml") -> Path:
    p = folder / name
    p.write_text('[study]\nseed = 3\nreps = 5\n\n'
                 f'[data]\npath = "{data}"\nunit = "area"\ntime = "year"\n'
                 f'outcome = "custody"\n{data_extra}\n'
                 '[claim]\ntreated = "Riverton"\nstart = 2016\nend = 2020\n'
                 f'claimed_change = -60\nmethods = ["sdid"]\n{claim}')
    return p


def _set(col: str, row: int, value) -> object:
    def edit(df):
        df = df.copy()
        df[col] = df[col].astype(object)
        df.loc[row, col] = value
        return df
    return edit


FLAGS = ["--unit", "area", "--time", "year", "--outcome", "custody", "--treated-unit",
         "Riverton", "--start", "2016"]


def _fy(df):
    return df.assign(year=df["year"].map(lambda y: f"{y}/{(y + 1) % 100:02d}"))


def _quarters(df):
    return df.assign(year=[f"{2015 + (t - 2012) // 4} Q{(t - 2012) % 4 + 1}" for t in df.year])


def _months(df):
    return df.assign(year=[f"2019-{t - 2011:02d}" for t in df.year])


def _names(df):
    df = df.copy()
    df.loc[df.area == "Riverton", "area"] = "riverton"
    df.loc[(df.area == "riverton") & (df.year == 2014), "area"] = "Riverton "
    return df


def _start_2016_17(args):
    return [a if a != "2016" else "2016/17" for a in args]


def _quarter_start(args):
    return [a if a != "2016" else "2016 Q3" for a in args]


def _month_start(args):
    return [a if a != "2016" else "2019-05" for a in args]


# name -> (csv maker, extra args / args editor, extra env)
CHECKS = {
    "ok": (lambda f: analyst_csv(f), [], {}),
    "negative": (lambda f: analyst_csv(f, edit=_set("custody", 3, -8)), [], {}),
    "negative_not_count": (lambda f: analyst_csv(f, edit=_set("custody", 3, -8)),
                           ["--outcome-is-not-count", "--scale", "level"], {}),
    "zero": (lambda f: analyst_csv(f, small=(9, 8, 7, 8, 5, 0, 3, 2, 0)), [], {}),
    "zero_log": (lambda f: analyst_csv(f, small=(9, 8, 7, 8, 5, 0, 3, 2, 0)),
                 ["--scale", "log"], {}),
    "zero_level": (lambda f: analyst_csv(f, small=(9, 8, 7, 8, 5, 0, 3, 2, 0)),
                   ["--scale", "level"], {}),
    "fy": (lambda f: analyst_csv(f, edit=_fy), _start_2016_17, {}),
    "quarters": (lambda f: analyst_csv(f, edit=_quarters), _quarter_start, {}),
    "months": (lambda f: analyst_csv(f, edit=_months), _month_start, {}),
    "text_time": (lambda f: analyst_csv(f, edit=lambda d: d.assign(year="Year " +
                                                                    d.year.astype(str))),
                  [], {}),
    "names": (lambda f: analyst_csv(f, edit=_names), [], {}),
    "names_unbalanced": (lambda f: analyst_csv(f, edit=_names), ["--allow-unbalanced"], {}),
    "thousands": (lambda f: analyst_csv(f, edit=_set("custody", 20, "1,234")), [], {}),
    "markers": (lambda f: analyst_csv(f, edit=lambda d: _set("custody", 22, "[c]")(
        _set("custody", 21, "*")(d))), [], {}),
    "markers_excluded": (lambda f: analyst_csv(f, edit=lambda d: _set("custody", 22, "[c]")(
        _set("custody", 21, "*")(d))), ["--exclude", "Area B"], {}),
    "semicolon": (lambda f: analyst_csv(f, sep=";"), [], {}),
    "treated_typo": (lambda f: analyst_csv(f), ["--treated-unit", "riverton"], {}),
    "narrow": (lambda f: analyst_csv(f, edit=_set("custody", 3, -8)), [], {"COLUMNS": "60"}),
}


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    procs = {}
    for name, (make, extra, env) in CHECKS.items():
        folder = tmp_path_factory.mktemp(name)
        csv = make(folder)
        args = extra(list(FLAGS)) if callable(extra) else [*FLAGS, *extra]
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "wsa_eval.cli", "check", str(csv), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(**env))
    out = {}
    for name, p in procs.items():
        so, se = p.communicate(timeout=300)
        out[name] = (p.returncode, so, se)
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def _result(checks, name, code):
    rc, so, se = checks[name]
    assert rc == code, (name, so, se)
    assert "Traceback" not in se
    return _flat(so), _flat(se)


def test_check_negative_count_refused_with_the_flag_to_use(checks):
    so, _ = _result(checks, "negative", 2)
    assert "negative at (unit, period) ('Riverton', 2015) (values -8)" in so
    assert "If 'custody' is not a count of people, add --outcome-is-not-count to the " \
           "command." in so
    assert "outcome_is_count=False" not in so  # not Python syntax on the command line
    so, _ = _result(checks, "negative_not_count", 0)
    assert "read as a measurement, not a count of people (as declared" in so


def test_check_zeros_warn_about_the_log_scale_of_run(checks):
    so, _ = _result(checks, "zero", 1)
    assert "is zero at (unit, period) ('Riverton', 2017), ('Riverton', 2020)" in so
    assert 'put the line scale = "level" under [claim] in the configuration file' in so
    assert "scale='level'" not in so
    so, _ = _result(checks, "zero_log", 2)
    assert "cannot be analysed on the log scale" in so
    _result(checks, "zero_level", 0)


def test_check_reads_financial_years_quarters_and_months(checks):
    so, _ = _result(checks, "fy", 0)
    assert "'2012/13' is 2012 (April 2012 to March 2013)" in so
    assert "Periods: 9 (2012/13 to 2020/21)" in so and "Treatment cohorts: 2016/17 (1)" in so
    so, _ = _result(checks, "quarters", 0)
    assert "quarters, numbered year + (quarter - 1)/4" in so and "2016 Q3 (1)" in so
    so, _ = _result(checks, "months", 0)
    assert "months, numbered year + (month - 1)/12" in so and "2019-05 (1)" in so


def test_check_text_periods_get_advice_that_fits(checks):
    so, _ = _result(checks, "text_time", 2)
    assert "It has 'Year 2012', 'Year 2013'" in so
    assert "If 'Year 2012' means the year 2012, write just 2012 in that column" in so
    assert "not str" not in so


def test_check_names_spelt_two_ways_are_refused_with_did_you_mean(checks):
    for name in ("names", "names_unbalanced"):  # never silently an extra comparison area
        so, _ = _result(checks, name, 2)
        assert "'Riverton ' (did you mean 'riverton'?)" in so


def test_check_thousands_separators_and_suppression_markers(checks):
    so, _ = _result(checks, "thousands", 0)
    assert "('1,234' as 1234)" in so
    so, _ = _result(checks, "markers", 2)
    assert "'*' (suppressed) in 1 cell, '[c]' (confidential: suppressed to protect " \
           "individuals) in 1 cell, at (unit, period) ('Area B', 2015), ('Area B', 2016)" in so
    assert "ask the data's owner for the figures" in so
    assert 'To leave these units out, add --exclude "Area B" to the command.' in so
    _result(checks, "markers_excluded", 0)  # the advice works


def test_check_semicolon_file(checks):
    so, _ = _result(checks, "semicolon", 0)
    assert "panel.csv is semicolon-separated." in so and "Units: 20" in so


def test_check_never_prints_balanced_no_beside_balanced_panel_ok(checks):
    rc, so, _ = checks["treated_typo"]
    assert rc == 2
    assert "Balanced: yes" in _flat(so) and "ok balanced panel" in _flat(so)
    assert "'riverton' do not appear in the 'area' column. Did you mean 'Riverton'?" in _flat(so)
    for name, (_, so, _) in checks.items():
        if "Balanced: no" in _flat(so):
            assert "ok balanced panel" not in _flat(so), name


def test_check_output_fits_the_terminal(checks):
    for name, (_, so, se) in checks.items():
        width = 60 if name == "narrow" else 80  # $COLUMNS, else 80 (not a terminal)
        long = [ln for ln in (so + se).splitlines() if len(ln) > width]
        assert not long, (name, long)
    assert "negative at" in checks["narrow"][1]


# ------------------------------------------------------------------------------------------
# check CONFIG and run CONFIG make the same checks; advice as configuration lines
# ------------------------------------------------------------------------------------------
def _zeros(f):
    return analyst_csv(f, small=(9, 8, 7, 8, 5, 0, 3, 2, 0))


def _negative(f):
    return analyst_csv(f, edit=_set("custody", 3, -8))


CONFIGS = {
    "zero_log": (_zeros, {}),
    "negative_level": (_negative, {"claim": 'scale = "level"\n'}),
    "names": (lambda f: analyst_csv(f, edit=_names), {"claim": ""}),
    "markers": (lambda f: analyst_csv(f, edit=_set("custody", 21, "[x]")), {}),
    "markers_excluded": (lambda f: analyst_csv(f, edit=_set("custody", 21, "[x]")),
                         {"claim": 'exclude = ["Area B"]\n'}),
}


@pytest.fixture(scope="module")
def config_runs(tmp_path_factory):
    procs = {}
    for name, (make, kw) in CONFIGS.items():
        folder = tmp_path_factory.mktemp("cfg_" + name)
        make(folder)
        cfg = config(folder, **kw)
        for cmd in ("check", "run"):
            extra = ["--out", str(folder / "out"), "--no-progress"] if cmd == "run" else []
            procs[name, cmd] = subprocess.Popen(
                [sys.executable, "-m", "wsa_eval.cli", cmd, str(cfg), *extra],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    out = {}
    for k, p in procs.items():
        so, se = p.communicate(timeout=600)
        out[k] = (p.returncode, so, se)
    return out


def _both(config_runs, name):
    (rc_c, so_c, se_c) = config_runs[name, "check"]
    (rc_r, so_r, se_r) = config_runs[name, "run"]
    return (rc_c, _flat(so_c + se_c)), (rc_r, _flat(so_r + se_r))


def test_config_zeros_on_the_log_scale_check_and_run_agree(config_runs):
    (rc_c, check), (rc_r, run) = _both(config_runs, "zero_log")
    assert rc_c == 2 and rc_r == 2, (check, run)
    line = 'put the line scale = "level" under [claim] in the configuration file'
    assert line in check and line in run
    assert "scale='level'" not in check + run


def test_config_negative_counts_refused_on_the_level_scale_too(config_runs):
    (rc_c, check), (rc_r, run) = _both(config_runs, "negative_level")
    assert rc_c == 2 and rc_r == 2, (check, run)
    line = "put the line outcome_is_count = false under [data] in the configuration file"
    assert line in check and line in run
    assert "panel.csv (checked for [claim]): The outcome 'custody' is read as a count" in run


def test_config_names_and_markers(config_runs):
    (rc_c, check), (rc_r, run) = _both(config_runs, "names")
    assert rc_c == 2 and rc_r == 2
    for text in (check, run):
        assert "The data spell it 2 ways: 'riverton', 'Riverton '" in text
    (rc_c, check), (rc_r, run) = _both(config_runs, "markers")
    assert rc_c == 2 and rc_r == 2
    line = 'put the line exclude = ["Area B"] under [claim] in the configuration file'
    assert line in check and line in run and "'[x]' (not available)" in run
    (rc_c, check), (rc_r, run) = _both(config_runs, "markers_excluded")
    assert rc_c == 0, check  # the advice works, in check and in run
    assert rc_r in (0, 1), run


# ------------------------------------------------------------------------------------------
# run end to end on text periods; output folders; progress bars
# ------------------------------------------------------------------------------------------
def test_run_with_financial_years_end_to_end(tmp_path):
    import json

    analyst_csv(tmp_path, edit=_fy)
    cfg = config(tmp_path)
    cfg.write_text(cfg.read_text().replace("start = 2016", 'start = "2016/17"').replace(
        "end = 2020", 'end = "2020/21"'))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "wsa_eval.cli", "run", str(cfg), "--out",
                        str(out)], capture_output=True, text=True, timeout=600, env=_env())
    assert r.returncode in (0, 1), r.stderr
    assert "\r" not in r.stderr  # no progress bar when stderr is not a terminal
    res = json.loads((out / "results.json").read_text())
    spec = next(iter(res["specification"].values()))
    assert spec["arguments"]["start"] == 2016
    md = (out / "report.md").read_text()
    assert "financial years" in md and "'2012/13' is 2012" in md


def test_run_level_scale_on_small_counts_with_zeros_does_not_crash(tmp_path):
    """Issue 10 s5: this crashed in the methods figure ("'xerr' must not contain negative
    values")."""
    analyst_csv(tmp_path, small=(9, 8, 7, 8, 5, 0, 3, 2, 0))
    cfg = config(tmp_path, claim='scale = "level"\n')
    r = subprocess.run([sys.executable, "-m", "wsa_eval.cli", "run", str(cfg), "--out",
                        str(tmp_path / "out"), "--no-progress"], capture_output=True,
                       text=True, timeout=600, env=_env())
    assert r.returncode in (0, 1), r.stderr
    assert "unexpected" not in r.stderr and (tmp_path / "out" / "report.html").exists()


def test_example_and_run_refuse_a_non_empty_output_folder(tmp_path):
    out = tmp_path / "gm"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    analyst_csv(tmp_path)
    cfg = config(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "wsa_eval.cli", *args, "--out", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env())
             for args in (["example", "gm"], ["run", str(cfg)])]
    for p in procs:
        so, se = p.communicate(timeout=300)
        assert p.returncode == 2, (so, se)
        assert "already exists and is not empty" in _flat(se) and "--force" in se
    assert sorted(x.name for x in out.iterdir()) == ["mine.txt"]
    (out / "mine.txt").unlink()
    (tmp_path / "file.txt").write_text("x")
    from wsa_eval.cli import main

    assert main(["example", "gm", "--out", str(tmp_path / "file.txt")]) == 2


def _in_terminal(args: list[str], columns: int) -> tuple[int, str]:
    """Run the command line under a pseudo-terminal ``columns`` wide; its output."""
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    p = subprocess.Popen([sys.executable, "-m", "wsa_eval.cli", *args], stdin=slave,
                         stdout=slave, stderr=slave, env=_env(), close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return p.wait(timeout=300), b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_check_in_a_real_terminal_wraps_to_its_width(tmp_path):
    csv = analyst_csv(tmp_path, edit=_set("custody", 22, "[c]"))
    args = ["check", str(csv), *FLAGS]
    for columns, limit in ((70, 70), (200, 100)):  # at most 100 columns however wide
        rc, text = _in_terminal(args, columns)
        assert rc == 2, text
        lines = text.splitlines()
        assert max(len(ln) for ln in lines) <= limit, text
        assert any(len(ln) > limit - 15 for ln in lines), text  # the width is used
        assert "'[c]' (confidential" in _flat(text)


# ------------------------------------------------------------------------------------------
# reading files (in process)
# ------------------------------------------------------------------------------------------
def test_read_table_sniffs_delimiters_and_encodings(tmp_path):
    from wsa_eval.errors import DataFormatError
    from wsa_eval.io import read_table, sniff_delimiter

    rows = "area{d}year{d}custody\nRiverton{d}2012{d}9\nAshford{d}2012{d}\"1,234\"\n"
    for d, word in ((",", None), (";", "semicolon"), ("\t", "tab"), ("|", "vertical bar")):
        p = tmp_path / "t.csv"
        p.write_text(rows.format(d=d))
        t = read_table(p)
        assert list(t.data.columns) == ["area", "year", "custody"], d
        assert t.data["custody"].tolist() == ["9", "1,234"]  # left for validate_panel
        assert t.delimiter == d and (word is None or f"{word}-separated" in t.notes[0])
    # Excel's "CSV" on Windows: Windows-1252 with a pound sign; UTF-8 with a BOM
    p = tmp_path / "w.csv"
    p.write_bytes("area,cost\nRiverton,\u00a35\n".encode("cp1252"))
    t = read_table(p)
    assert t.data["cost"].tolist() == ["\u00a35"] and t.encoding == "cp1252"
    p.write_bytes("\ufeffarea,year\nA,2012\n".encode())
    assert list(read_table(p).data.columns) == ["area", "year"]
    # trailing delimiters make empty unnamed columns: dropped, said so
    p.write_text("area,year,\nA,2012,\n")
    t = read_table(p)
    assert list(t.data.columns) == ["area", "year"] and "empty column" in t.notes[0]
    assert sniff_delimiter("a title line\narea;year\nA;1\nB;2\nC;3\nD;4\nE;5\nF;6\nG;7\nH;8"
                           "\nI;9\nJ;10") == ";"
    for bad, match in ((tmp_path / "none.csv", "File not found"), (tmp_path, "is a folder")):
        with pytest.raises(DataFormatError, match=match):
            read_table(bad)
    (tmp_path / "empty.csv").write_text("\n")
    with pytest.raises(DataFormatError, match="is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "head.csv").write_text("area,year\n")
    with pytest.raises(DataFormatError, match="no data rows"):
        read_table(tmp_path / "head.csv")


def test_read_table_excel_without_its_reader_says_what_to_install(tmp_path, monkeypatch):
    from wsa_eval.errors import DataFormatError
    from wsa_eval.io import read_table

    def no_reader(*a, **k):
        raise ImportError("Missing optional dependency 'openpyxl'.", name="openpyxl")

    monkeypatch.setattr(pd, "read_excel", no_reader)
    p = tmp_path / "book.xlsx"
    p.write_bytes(b"PK")
    with pytest.raises(DataFormatError, match="pip install openpyxl, or save the sheet as CSV"):
        read_table(p)
