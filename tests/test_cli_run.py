"""`wsa-eval init` and `wsa-eval run` as an analyst runs them (subprocess), end to end.

Checks: exit codes 0/1/2, one clear message for each kind of bad input and no partial report,
the HTML parses and embeds its figures, and no count of individuals below 5 is shown.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")
COUNT_COLS = {"n", "count", "n_people", "n_women", "n_treated", "n_comparison", "n_at_risk",
              "n_events", "n_reoffenders", "n_reoffences", "n_censored"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "wsa_eval.cli", *args], capture_output=True,
                          text=True, timeout=300, env=env, cwd=cwd)


class _Report(HTMLParser):
    """Collects images and every table (header + cells) of the report."""

    def __init__(self):
        super().__init__()
        self.imgs: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs)["src"])
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None


def small_counts_in_html(text: str) -> list[tuple[str, str]]:
    p = _Report()
    p.feed(text)
    p.close()
    bad = []
    for t in p.tables:
        if not t:
            continue
        head = t[0]
        for row in t[1:]:
            for h, v in zip(head, row):
                if h in COUNT_COLS and re.fullmatch(r"[1-4](\.0)?", v):
                    bad.append((h, v))
    return bad


def small_counts_in_md(text: str) -> list[tuple[str, str]]:
    bad, head = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            head = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if head is None:
            head = cells
        elif not line.startswith("|---"):
            bad += [(h, v) for h, v in zip(head, cells)
                    if h in COUNT_COLS and re.fullmatch(r"[1-4](\.0)?", v)]
    return bad


# ------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------
@pytest.fixture()
def study(tmp_path):
    """A panel of 12 areas, 2010-2018 (Area 0 falls 30% from 2014), and a start-date table."""
    return _make_panel(tmp_path)


def _make_panel(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(12):
        base, trend = rng.uniform(60, 200), rng.normal(-0.02, 0.01)
        for t in range(2010, 2019):
            y = base * np.exp(trend * (t - 2010) + rng.normal(0, 0.03))
            y *= 0.7 if (i == 0 and t >= 2014) else 1.0
            g = 2014 if i in (0, 1, 2) else (2016 if i in (3, 4) else 0)
            rows.append({"pfa": f"Area {i}", "year": t, "custody": round(y, 1),
                         "first_treated": g})
    pd.DataFrame(rows).to_csv(tmp_path / "panel.csv", index=False)
    pd.DataFrame({"pfa": ["Area 3", "Area 4"], "start_year": [2016, 2020]}).to_csv(
        tmp_path / "starts.csv", index=False)
    return tmp_path


def write_config(folder: Path, body: str, name: str = "study.toml") -> Path:
    head = ('[study]\ntitle = "Test study"\nseed = 11\nreps = 10\n\n'
            '[data]\npath = "panel.csv"\nunit = "pfa"\ntime = "year"\noutcome = "custody"\n\n')
    p = folder / name
    p.write_text(head + body)
    return p


CLAIM = ('[claim]\ntreated = "Area 0"\nstart = 2014\nend = 2018\nclaimed_change = -40\n'
         'methods = ["sdid"]\n')


def check_html(out: Path) -> str:
    text = (out / "report.html").read_text()
    p = _Report()
    p.feed(text)
    p.close()
    pngs = sorted((out / "figures").glob("*.png"))
    assert len(pngs) >= 1 and len(p.imgs) == len(pngs)
    assert all(s.startswith("data:image/png;base64,") for s in p.imgs)
    for section in ("Headline", "What you can say", "What you cannot say", "How sure we are",
                    "Checks", "Who is included", "Technical appendix", "How to cite"):
        assert f"<h2>{section}</h2>" in text or f"<h3>{section}</h3>" in text
    return text


# ------------------------------------------------------------------------------------------
# init
# ------------------------------------------------------------------------------------------
def test_init_writes_template_never_overwrites(tmp_path, capsys):
    from wsa_eval.cli import main

    path = tmp_path / "my.toml"
    r = run("init", str(path))  # as a user runs it
    assert r.returncode == 0, r.stderr
    assert "wsa-eval run" in r.stdout
    text = path.read_text()
    assert "[claim]" in text and "# [reoffending]" in text
    path.write_text("# my edits\n")
    assert main(["init", str(path)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert path.read_text() == "# my edits\n"
    assert main(["init", str(path), "--force"]) == 0 and path.read_text() == text
    assert main(["init", str(tmp_path)]) == 0 and (tmp_path / "wsa-eval.toml").exists()


def test_help_texts(capsys):
    from wsa_eval.cli import main

    for cmd in ("run", "init", "check", "example"):
        with pytest.raises(SystemExit) as e:
            main([cmd, "--help"])
        assert e.value.code == 0
        assert "usage: wsa-eval" in capsys.readouterr().out
    r = run("run", "--help")
    assert r.returncode == 0
    assert "--seed" in r.stdout and "--no-progress" in r.stdout and "Exit codes" in r.stdout


# ------------------------------------------------------------------------------------------
# run: designs end to end
# ------------------------------------------------------------------------------------------
def test_run_claim_writes_full_report(study):
    cfg = write_config(study, CLAIM + '\n[start_dates]\npath = "starts.csv"\nunit = "pfa"\n'
                                      'start = "start_year"\n')
    out = study / "results"
    r = run("run", str(cfg), "--out", str(out), "--no-progress", "--seed", "3")
    assert r.returncode in (0, 1), r.stderr
    assert "Verdict:" in r.stdout and "[claim] Area 0" in r.stdout
    text = check_html(out)
    md = (out / "report.md").read_text()
    assert "](figures/figure_01_paths.png)" in md
    assert list((out / "tables").glob("*.csv"))
    res = json.loads((out / "results.json").read_text())
    assert res["results"][0]["design"] == "claim"
    assert res["results"][0]["verdict"] in text.lower()
    assert res["verdict"]["label"] == res["results"][0]["verdict"] and res["verdict"]["reason"]
    assert res["versions"]["wsa_eval"] and res["config"]["study"]["seed"] == 3  # --seed wins
    assert res["config"]["study"]["reps"] == 10
    # the start-date table's areas that started by 2018 are left out of the comparison
    spec = next(iter(res["specification"].values()))
    assert "Area 3" in spec["arguments"]["exclude"]
    assert "Area 4" not in spec["arguments"]["exclude"]  # started 2020
    assert not [p for p in study.iterdir() if p.name.startswith(".results.tmp")]


def test_run_sdid_and_staggered(study):
    cfg = write_config(study, '[sdid]\ntreated = "Area 0"\nstart = 2014\n'
                              'exclude = ["Area 1", "Area 2", "Area 3", "Area 4"]\n\n'
                              '[staggered]\nfirst_treated = "first_treated"\n')
    out = study / "res"
    r = run("run", str(cfg), "--out", str(out), "--no-progress", "--alpha", "0.1")
    assert r.returncode in (0, 1), r.stderr
    assert "[sdid]" in r.stdout and "[staggered]" in r.stdout
    text = check_html(out)
    assert "pre-trend test" in text and "90% confidence interval" in text
    res = json.loads((out / "results.json").read_text())
    assert [x["design"] for x in res["results"]] == ["sdid", "staggered"]
    assert all(x["alpha"] == 0.1 for x in res["results"])


@pytest.fixture()
def small_cohort(tmp_path):
    """80 people, only 4 of them supported: every treated count is below 5."""
    rng = np.random.default_rng(2)
    n = 80
    z = np.zeros(n, dtype=int)
    z[:4] = 1
    age = rng.normal(30, 6, n).round(1)
    reo = (rng.uniform(size=n) < 0.4).astype(int)
    reo[:4] = [1, 0, 0, 1]
    t = np.where(reo == 1, rng.integers(10, 360, n), 365)
    pd.DataFrame({"supported": z, "age": age, "reoffended": reo,
                  "n_reoffences": reo * (1 + rng.poisson(1, n)), "days": t,
                  "event": reo}).to_csv(tmp_path / "cohort.csv", index=False)
    (tmp_path / "reo.toml").write_text(
        '[study]\nseed = 1\nthreshold = 5\n\n[reoffending]\npath = "cohort.csv"\n'
        'treatment = "supported"\ncovariates = ["age"]\ntime = "days"\n'
        'population = "women"\ncaliper = 1.0\n')
    return tmp_path


def test_reoffending_small_cohort_suppresses_every_count(small_cohort):
    out = small_cohort / "out"
    r = run("run", str(small_cohort / "reo.toml"), "--out", str(out), "--no-progress")
    assert r.returncode == 1, r.stderr  # warnings: small cohort
    text = check_html(out)
    assert small_counts_in_html(text) == []
    md = (out / "report.md").read_text()
    assert small_counts_in_md(md) == []
    assert "&lt;5" in text and "<5" in md  # the suppressed cells are there, shown as <5
    # 80 read, 76 in the comparison pool would reveal the 4 supported people: the split is
    # withheld as a whole, not written "fewer than 5 ... and 76"
    assert "numbers are withheld: one of the groups is small" in text
    assert "76 people" not in text and "76 people" not in md
    assert "people received support and" not in text
    for csv in (out / "tables").glob("*.csv"):
        t = pd.read_csv(csv, dtype=str)
        for c in set(t.columns) & COUNT_COLS:
            assert not t[c].str.fullmatch(r"[1-4](\.0)?").any(), (csv.name, c)
    res = json.loads((out / "results.json").read_text())
    assert res["results"][0]["n_treated"] == "<5"
    # no raw small count in prose either (e.g. "Only 4 treated women ...")
    for body in (text, md, r.stdout):
        assert not re.search(r"\b[1-4] (?:of \d+ )?(?:treated |supported )?"
                             r"(?:women|people|persons?)\b", body)


# ------------------------------------------------------------------------------------------
# run: bad input -> one clear message, exit 2, no partial report.
# All cases are prepared first and run as concurrent subprocesses (start-up dominates).
# ------------------------------------------------------------------------------------------
def _panel(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "panel.csv")


def _case_misspelt(f: Path) -> list[str]:
    _panel(f).rename(columns={"custody": "custdy"}).to_csv(f / "panel.csv", index=False)
    return [str(write_config(f, CLAIM))]


def _case_text(f: Path) -> list[str]:
    df = _panel(f)
    df["custody"] = df["custody"].astype(object)
    df.loc[3, "custody"] = "12 (provisional)"
    df.to_csv(f / "panel.csv", index=False)
    _with_sentinel(f / "out")
    return [str(write_config(f, CLAIM))]


def _case_duplicate(f: Path) -> list[str]:
    df = _panel(f)
    pd.concat([df, df.iloc[[10]]]).to_csv(f / "panel.csv", index=False)
    return [str(write_config(f, CLAIM))]


def _case_missing_year(f: Path) -> list[str]:
    df = _panel(f)
    df[~((df.pfa == "Area 5") & (df.year == 2012))].to_csv(f / "panel.csv", index=False)
    return [str(write_config(f, CLAIM))]


def _case_start_table(f: Path) -> list[str]:
    pd.DataFrame({"pfa": ["Area 3", "Aera 4"], "start_year": [2016, 2017]}).to_csv(
        f / "starts.csv", index=False)
    _with_sentinel(f / "out")
    return [str(write_config(f, CLAIM + '\n[start_dates]\npath = "starts.csv"\nunit = "pfa"\n'
                                        'start = "start_year"\n'))]


def _case_treated(f: Path) -> list[str]:
    return [str(write_config(f, CLAIM.replace('"Area 0"', '"area 0"')))]


def _case_config_key(f: Path) -> list[str]:
    return [str(write_config(f, CLAIM + "seeed = 3\n"))]


def _case_existing_out(f: Path) -> list[str]:
    _with_sentinel(f / "out")
    return [str(write_config(f, CLAIM)), "--no-force"]


CASES = {"misspelt": _case_misspelt, "text": _case_text, "duplicate": _case_duplicate,
         "missing_year": _case_missing_year, "start_table": _case_start_table,
         "treated": _case_treated, "config_key": _case_config_key,
         "existing_out": _case_existing_out}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    procs = {}
    for name, make in CASES.items():
        folder = tmp_path_factory.mktemp(name)
        _make_panel(folder)
        cfg, *flags = make(folder)
        force = [] if flags == ["--no-force"] else ["--force"]
        procs[name] = (folder, subprocess.Popen(
            [sys.executable, "-m", "wsa_eval.cli", "run", cfg, "--out", str(folder / "out"),
             "--no-progress", *force], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env))
    out = {}
    for name, (folder, p) in procs.items():
        so, se = p.communicate(timeout=300)
        out[name] = (folder, p.returncode, so, se)
    return out


def _bad(bad_runs, name: str) -> tuple[Path, str]:
    """One error paragraph on stderr: 'Error: ...' wrapped to 80 columns (not a terminal),
    continuation lines indented; returned as one line."""
    folder, code, so, se = bad_runs[name]
    assert code == 2, (so, se)
    assert "Traceback" not in se
    lines = [ln for ln in se.splitlines() if ln.strip()]
    assert lines[0].startswith("Error: "), se
    assert all(ln.startswith("  ") for ln in lines[1:]), se
    assert max(len(ln) for ln in lines) <= 80, se
    assert not [p for p in folder.iterdir() if ".tmp-" in p.name]  # no temporary left over
    return folder / "out", " ".join(ln.strip() for ln in lines)


def _with_sentinel(out: Path) -> None:
    out.mkdir()
    (out / "earlier.txt").write_text("keep me")


def _unchanged(out: Path) -> bool:
    return sorted(p.name for p in out.iterdir()) == ["earlier.txt"]


def test_bad_misspelt_column_in_csv(bad_runs):
    out, msg = _bad(bad_runs, "misspelt")
    assert "Column 'custody' (key 'outcome' in [data]) is not in panel.csv" in msg
    assert "Did you mean 'custdy'?" in msg
    assert not out.exists()


def test_bad_text_in_outcome(bad_runs):
    out, msg = _bad(bad_runs, "text")
    assert ("panel.csv (checked for [claim]): The outcome column 'custody' has text that is "
            "not a number ('12 (provisional)') at (unit, period) ('Area 0', 2013)") in msg
    assert "If '12 (provisional)' means 12, keep only the number in the cell" in msg
    assert _unchanged(out)


def test_bad_duplicated_row(bad_runs):
    out, msg = _bad(bad_runs, "duplicate")
    assert ("2 rows share a unit and period with another row, at (unit, period) "
            "('Area 1', 2011)") in msg
    assert "Keep one row per unit and period" in msg
    assert not out.exists()


def test_bad_missing_year(bad_runs):
    out, msg = _bad(bad_runs, "missing_year")
    assert "panel.csv (checked for [claim])" in msg
    assert "1 unit(s) are not observed in every period: 'Area 5' (missing 2012)" in msg
    assert not out.exists()


def test_bad_area_name_in_start_date_table(bad_runs):
    out, msg = _bad(bad_runs, "start_table")
    assert "Area 'Aera 4' in starts.csv (row 3) does not match any area" in msg
    assert "Did you mean 'Area 4'?" in msg
    assert _unchanged(out)


def test_bad_treated_area_and_config_key(bad_runs):
    out, msg = _bad(bad_runs, "treated")
    assert "The area 'area 0' (key 'treated' in [claim]) is not in the 'pfa' column" in msg
    assert "Did you mean 'Area 0'? (names must match exactly, including capitals" in msg
    out, msg = _bad(bad_runs, "config_key")
    assert "Unknown key 'seeed' in section [claim]" in msg and "'seed'" not in msg
    assert not out.exists()


def test_existing_output_needs_force(bad_runs):
    out, msg = _bad(bad_runs, "existing_out")
    assert "already exists and is not empty" in msg and "--force" in msg
    assert _unchanged(out)


# ------------------------------------------------------------------------------------------
# in process (fast): replacing an output folder, seeded reproducibility
# ------------------------------------------------------------------------------------------
SDID = '[sdid]\ntreated = "Area 0"\nstart = 2014\nexclude = ["Area 1", "Area 2"]\n'


def test_force_replaces_output_and_seed_reproduces(study, capsys):
    from wsa_eval.cli import main

    cfg = write_config(study, SDID)
    out = study / "out"
    _with_sentinel(out)
    assert main(["run", str(cfg), "--out", str(out), "--no-progress", "--force",
                 "--seed", "5"]) in (0, 1)
    assert not (out / "earlier.txt").exists() and (out / "report.html").exists()
    assert sorted(p.name for p in study.iterdir() if p.name.startswith(".out")) == []
    first = json.loads((out / "results.json").read_text())["results"][0]
    assert main(["run", str(cfg), "--out", str(study / "again"), "--no-progress",
                 "--seed", "5"]) in (0, 1)
    again = json.loads((study / "again" / "results.json").read_text())["results"][0]
    assert (first["estimate"], first["std_error"]) == (again["estimate"], again["std_error"])
    assert main(["run", str(cfg), "--out", str(study / "other"), "--no-progress",
                 "--seed", "6"]) in (0, 1)
    other = json.loads((study / "other" / "results.json").read_text())["results"][0]
    assert other["estimate"] == first["estimate"]
    assert other["std_error"] != first["std_error"]
    assert "[sdid]" in capsys.readouterr().out


def test_python310_without_tomli_says_what_to_install(monkeypatch):
    import wsa_eval.config as config_module
    from wsa_eval.errors import SpecificationError

    monkeypatch.setattr(config_module.sys, "version_info", (3, 10, 0))
    monkeypatch.setitem(sys.modules, "tomli", None)
    with pytest.raises(SpecificationError, match="pip install tomli"):
        config_module._toml_loads("[data]\n")
