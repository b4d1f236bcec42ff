"""The HTML/Markdown report writer: sections, embedded figures, disclosure control."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pandas as pd

from wsa_eval.report import ReportContent, suppress_small_counts, write_report


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.imgs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs)["src"])


def test_suppress_small_counts_only_in_count_columns():
    t = pd.DataFrame({"group": ["a", "b", "c"], "n": [3, 0, 12], "estimate": [1.0, 2.0, 4.0]})
    out = suppress_small_counts(t)
    assert list(out["n"]) == ["<5", 0, 12]
    assert list(out["estimate"]) == [1.0, 2.0, 4.0]
    assert list(t["n"]) == [3, 0, 12]  # input untouched


def test_report_sections_figures_and_no_small_counts(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    content = ReportContent(
        title="Test report",
        headline="inconclusive: not enough evidence either way",
        header={"Area": "Somewhere", "Seed": 1},
        can_say=["a"], cannot_say=["b"], figures=[("A line", fig)], how_sure=["c"],
        checks=pd.DataFrame({"check": ["pre-fit"], "status": ["green"], "detail": ["ok"]}),
        included=["42 areas"],
        tables=[("People", pd.DataFrame({"group": ["x", "y"], "n_people": [2, 40]}))],
        spec={"seed": 1},
    )
    html_path, md_path = write_report(content, tmp_path / "r.html")
    text = html_path.read_text()
    parser = _Collect()
    parser.feed(text)
    assert len(parser.imgs) == 1 and parser.imgs[0].startswith("data:image/png;base64,")
    for section in ("Headline", "What you can say", "What you cannot say", "How sure we are",
                    "Checks", "Who is included", "Technical appendix", "How to cite"):
        assert f">{section}<" in text
    # the count 2 is suppressed, the count 40 shown
    assert "&lt;5" in text and not re.search(r"<td>2</td>", text) and "<td>40</td>" in text
    md = md_path.read_text()
    assert "| y | 40 |" in md and "| x | <5 |" in md
    assert (tmp_path / "r_figures" / "figure_1.png").exists()
