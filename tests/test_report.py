"""The guided report: disclosure control in every output, numbers that agree, true reasons.

The analyst's panel of issue 10 (examples/data/riverton_panel.csv, made up): 20 areas x
2012-2020, the small area "Riverton" treated from 2016 with counts 9, 8, 7, 8, 5, 4, 3, 2, 3.
Every output file (HTML, Markdown, CSV, JSON, the figures' plotted data) is checked for the
four small counts of 2017-2020 and for every number that would reveal them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wsa_eval as we
from wsa_eval.reporting import build

ROOT = Path(__file__).resolve().parents[1]
SMALL_YEARS = [2017, 2018, 2019, 2020]


@pytest.fixture(scope="module")
def riverton():
    df = pd.read_csv(ROOT / "examples" / "data" / "riverton_panel.csv")
    before = df.copy()
    claim = we.check_claim(df, outcome="women_custody", unit="area", time="year",
                           treated="Riverton", start=2016, end=2020, claimed_change=-0.6,
                           progress=False)
    pd.testing.assert_frame_equal(df, before)
    return df, claim


@pytest.fixture(scope="module")
def written(riverton, tmp_path_factory):
    _, claim = riverton
    out = tmp_path_factory.mktemp("riverton") / "report"
    files = we.report(claim, out, scheme="the Riverton scheme")
    return claim, out, files


def _texts(out: Path) -> dict[str, str]:
    html = (out / "report.html").read_text()
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    texts = {"report.html": html, "report.md": (out / "report.md").read_text(),
             "results.json": (out / "results.json").read_text()}
    for p in sorted((out / "tables").glob("*.csv")):
        texts[p.name] = p.read_text()
    return texts


def _forms(x: float) -> set[str]:
    """The ways a revealing number could be printed (3 significant figures, %, 2 decimals)."""
    out = {f"{x:.3g}", f"{x:.2f}", f"{x:.4f}", repr(float(x))}
    return {s for s in out if len(s.strip("-0.")) >= 2}


def test_claim_uses_its_own_years_and_the_default_baseline_is_stated(written):
    claim, out, _ = written
    assert claim.baseline == 2015 and claim.baseline_source == "default"
    md = (out / "report.md").read_text()
    assert "measured from 2015, the last year before the scheme started in 2016" in md


def test_no_small_count_in_any_table_or_plotted_value(written):
    claim, _, _ = written
    safe = build(claim, scheme="the Riverton scheme")
    paths = next(t for t in safe.tables if t.source.name == "paths")
    rows = paths.values["time"].isin(SMALL_YEARS).to_numpy()
    for col in ("actual", "counterfactual", "gap_percent"):
        assert paths.mask.loc[rows, col].all(), col
        assert not paths.mask.loc[~rows, col].any(), col  # 9, 8, 7, 8, 5 are shown
    for fig in safe.figures:
        v = fig.data.values
        if "time" not in v.columns:
            continue
        sel = v["time"].isin(SMALL_YEARS).to_numpy()
        for col in ("actual", "counterfactual", "gap_percent", "treated_gap", "gap"):
            if col in v.columns:
                assert v.loc[sel, col].isna().all(), (fig.name, col)
        assert fig.note and "not shown" in fig.note
    # the figures are drawn from those values: redraw one and read back the line data
    import matplotlib.pyplot as plt

    fig = next(f for f in safe.figures if f.name == "paths")
    paths_fig = next(f for f in claim.report_content().figures if f.name == "paths")
    _, ax = plt.subplots()
    paths_fig.draw(ax, fig.data.values)
    for line in ax.get_lines():
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if len(x) == len(SMALL_YEARS) + 5:
            assert np.isnan(y[np.isin(x, SMALL_YEARS)]).all()


def test_no_revealing_number_in_any_output_file(written, riverton):
    claim, out, files = written
    df, _ = riverton
    riv = df[df.area == "Riverton"].set_index("year")["women_custody"]
    bad: set[str] = set()
    for y in SMALL_YEARS:
        bad |= _forms(math.log(riv[y]))  # logs: 1.386, 1.099, 0.693
    a = riv[2020] / riv[2015] - 1  # -62.5%: with 8 in 2015 it reveals 3 in 2020
    c = float(claim.primary_row["counterfactual_change"])
    bad |= {f"{abs(100 * a):.0f}%", f"{abs(100 * a):.1f}%", f"{1 + a:.3g}",
            f"{abs(100 * c):.0f}%", f"{1 + c:.3g}"}
    row_re = re.compile(r"(?:\| |^)(2017|2018|2019|2020)\D[^\n]*", re.M)
    for name, text in _texts(out).items():
        for token in bad:
            assert token not in text, (name, token)
        for m in row_re.finditer(text):  # Markdown/CSV rows of the suppressed years
            cells = re.split(r"\s*[|,]\s*", m.group(0).strip("| "))
            assert not any(re.fullmatch(r"[1-4](\.0+)?", c) for c in cells[1:]), (name, m[0])
    data = json.loads((out / "results.json").read_text())
    assert data["headline_numbers"]["actual_change"] is None
    assert data["headline_numbers"]["attributable_change"] is not None
    assert "Disclosure control:" in data["disclosure"]["statement"]
    assert len(files.figures) == 4 and all(p.stat().st_size > 1000 for p in files.figures)


def test_the_report_says_what_was_suppressed_in_one_line(written):
    _, out, _ = written
    html = (out / "report.html").read_text()
    lines = [ln for ln in html.splitlines() if "Disclosure control:" in ln]
    assert lines and "fewer than 5 people" in lines[0]


def test_headline_numbers_agree_with_each_other(written):
    """The sentences' three changes multiply exactly (GM-sized numbers, no suppression)."""
    claim, _, _ = written
    r = claim.primary_row
    assert 1 + claim.raw_change == pytest.approx(
        (1 + r["counterfactual_change"]) * (1 + r["change"]), rel=1e-12)
    text = claim.interpret()  # the analyst's own view shows every number
    assert "0.375 (actual)" in text and "x" in text


def test_verdict_reason_is_in_the_report(written):
    claim, out, _ = written
    md = (out / "report.md").read_text()
    assert f"Why: {claim.assessment.reason}" in md


def test_threshold_is_configurable(riverton, tmp_path):
    _, claim = riverton
    safe = build(claim, threshold=10)
    paths = next(t for t in safe.tables if t.source.name == "paths")
    assert paths.mask["actual"].sum() == 9  # 9, 8, ..., 3: all below 10
