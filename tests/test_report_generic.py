"""The generic report for any list of results, and disclosure control of text and figures."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from wsa_eval.errors import SpecificationError  # noqa: E402
from wsa_eval.interpret import INCONCLUSIVE, REDUCTION  # noqa: E402
from wsa_eval.report import (  # noqa: E402
    ReportContent,
    build_content,
    report,
    report_results,
    result_verdict,
    scrub_counts,
    write_report,
)
from wsa_eval.results import EffectResult, tidy_frame  # noqa: E402


class _Imgs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs)["src"])


@pytest.mark.parametrize("text, expected", [
    ("Only 4 treated women have complete follow-up", "Only fewer than 5 treated women have "
                                                     "complete follow-up"),
    ("2 of 40 people were left out", "fewer than 5 of 40 people were left out"),
    ("11 of 3 treated people", "11 of fewer than 5 treated people"),
    ("supported (n = 3)", "supported (n = <5)"),
    ("supported (n = 30)", "supported (n = 30)"),
    ("12 people and 0 men", "12 people and 0 men"),
    ("In 2014 custody fell by 3% in 4 areas", "In 2014 custody fell by 3% in 4 areas"),
])
def test_scrub_counts(text, expected):
    assert scrub_counts(text) == expected


def test_scrub_counts_threshold():
    assert scrub_counts("7 women", threshold=10) == "fewer than 10 women"
    assert scrub_counts("7 women", threshold=5) == "7 women"


def test_figure_labels_and_text_are_disclosure_controlled(tmp_path):
    fig, ax = plt.subplots()
    ax.bar([0, 1], [3, 40])
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["supported (n = 3)", "comparison (n = 40)"])
    ax.set_title("2 of 42 women reoffended")
    content = ReportContent(title="t", headline="h", figures=[("3 women", fig)],
                            included=["Only 4 treated women"],
                            tables=[("People", pd.DataFrame({"group": ["a"], "n": [2]}))])
    html_path, md_path = write_report(content, tmp_path / "r.html")
    labels = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert "supported (n = <5)" in labels and "comparison (n = 40)" in labels
    assert "fewer than 5 of 42 women reoffended" in labels
    text = html_path.read_text() + md_path.read_text()
    assert "Only 4 treated" not in text and "fewer than 5 treated women" in text
    assert "fewer than 5 women" in text  # the caption
    plt.close(fig)


def _panel_result(estimate=-5.0, lo=-8.0, hi=-2.0, p=0.01, **kw):
    eff = tidy_frame([2014, 2015], [estimate - 1, estimate + 1], [1.0, 1.0],
                     extra={"time": [2014, 2015]})
    return EffectResult(method="Toy estimator", estimate=estimate, se=1.5, ci_low=lo,
                        ci_high=hi, p_value=p, effects=eff, spec={"seed": 4}, **kw)


def test_result_verdict_and_generic_report(tmp_path):
    r1 = _panel_result()
    r2 = _panel_result(estimate=1.0, lo=-2.0, hi=4.0, p=0.5, warnings=("a data warning",))
    assert result_verdict(r1) == REDUCTION and result_verdict(r2) == INCONCLUSIVE
    html_path, md_path = report([r1, r2], tmp_path / "out" / "rep.html", scheme="the WSA",
                                outcome="women sentenced to custody",
                                figure_dir=tmp_path / "out" / "figures",
                                tables_dir=tmp_path / "out" / "tables")
    text = html_path.read_text()
    p = _Imgs()
    p.feed(text)
    assert len(p.imgs) == 2 and all(s.startswith("data:image/png;base64,") for s in p.imgs)
    assert "Evidence of a reduction" in text
    assert "There is evidence of a reduction in women sentenced to custody." in text
    assert "a data warning" in text and "Toy estimator: inconclusive" in text
    assert len(list((tmp_path / "out" / "tables").glob("*.csv"))) == 2
    assert "](figures/figure_1.png)" in md_path.read_text()
    assert report_results is report


def test_build_content_sdid_checks():
    from wsa_eval.synth.sdid import sdid

    rng = np.random.default_rng(0)
    rows = [{"u": f"U{i}", "t": t, "y": 50 + 2 * i + t - 2000 + rng.normal(0, 0.5)
             - (5 if i == 0 and t >= 2006 else 0)} for i in range(8) for t in range(2000, 2010)]
    df = pd.DataFrame(rows)
    res = sdid(df, outcome="y", unit="u", time="t", treated="U0", start=2006, reps=10,
               random_state=1, progress=False)
    c = build_content([res], scheme="the scheme")
    checks = c.checks.set_index("check")
    fit = checks.loc[f"{res.method}: pre-period fit"]
    assert fit["status"] == "green"
    donors = checks.loc[f"{res.method}: number of comparison areas"]
    assert donors["status"] == "red" and "Too few comparison areas: with 7" in donors["detail"]
    assert any("smallest p-value a placebo test can give is 0.125" in s for s in c.how_sure)
    assert len(c.figures) == 1
    for _, f in c.figures:
        plt.close(f)


def test_report_needs_a_result(tmp_path):
    with pytest.raises(SpecificationError):
        report([], tmp_path / "r.html")


def test_reoffending_report_small_cohort(tmp_path):
    from wsa_eval.survival.jdl import reoffending_effects

    rng = np.random.default_rng(3)
    n = 70
    z = np.r_[np.ones(3, int), np.zeros(n - 3, int)]
    reo = (rng.uniform(size=n) < 0.4).astype(int)
    reo[:3] = [1, 0, 1]
    cohort = pd.DataFrame({"z": z, "reoffended": reo, "n_reoffences": reo * 2,
                           "time": np.where(reo == 1, 100.0, 365.0), "event": reo})
    with pytest.warns(Warning):
        res = reoffending_effects(cohort, treatment="z", population="women")
    html_path, md_path = report(res, tmp_path / "r.html")
    text = html_path.read_text()
    md = md_path.read_text()
    assert "Small cohort: fewer than 5 people received support" in text
    assert not re.search(r"<td>[1-4]</td>", text)
    assert "| <5 |" in md or "| <5" in md
    assert not re.search(r"\b3 (?:treated )?women\b", text + md)


def test_result_report_method(tmp_path):
    html_path, md_path = _panel_result().report(tmp_path / "one.html", scheme="the WSA")
    assert html_path.exists() and md_path.exists()
    assert "Evidence of a reduction" in html_path.read_text()
