"""The report as a reader sees it: rendered in headless Chromium at 1280 px, the page must
not scroll sideways and every image must load (issue 10 section 7).

Needs Debian's ``chromium`` (``apt-get install chromium``; the README's test instructions
install it); without it the test is skipped with that message.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import wsa_eval as we

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium): the report "
           "rendering test needs it")

PROBE = """<script>window.addEventListener('load', function () {
  var imgs = [].slice.call(document.images);
  var wide = [].slice.call(document.querySelectorAll('table,pre,figure,p'))
    .filter(function (e) { return e.getBoundingClientRect().right > window.innerWidth; });
  // header cells with a word split across lines (a break after a hyphen is fine)
  var split = [].slice.call(document.querySelectorAll('th')).filter(function (th) {
    var cs = getComputedStyle(th);
    var room = th.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    return th.textContent.split(/\\s+|(?<=-)/).some(function (w) {
      var s = document.createElement('span');
      s.style.whiteSpace = 'nowrap'; s.textContent = w; th.appendChild(s);
      var too = s.getBoundingClientRect().width > room + 0.5; th.removeChild(s);
      return too;
    });
  }).map(function (th) { return th.textContent; });
  document.body.setAttribute('data-check', JSON.stringify({
    split: split,
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    images: imgs.length,
    broken: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length,
    wide: wide.length}));
});</script>"""


def render(report_html: Path, tmp: Path, width: int = 1280) -> dict:
    page = tmp / "probe.html"
    page.write_text(report_html.read_text().replace("</body>", PROBE + "</body>"))
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp / 'profile'}",
           f"--window-size={width},900", "--virtual-time-budget=5000", "--dump-dom",
           page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'data-check="([^"]*)"', dom)
    assert m, "the page's load handler did not run"
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture(scope="module")
def claim_report(tmp_path_factory):
    df = pd.read_csv(ROOT / "examples" / "data" / "riverton_panel.csv")
    claim = we.check_claim(df, outcome="women_custody", unit="area", time="year",
                           treated="Riverton", start=2016, end=2020, claimed_change=-0.6,
                           progress=False)
    out = tmp_path_factory.mktemp("browser") / "report"
    return we.report(claim, out, scheme="the Riverton scheme").html


def test_claim_report_fits_1280px_and_every_image_loads(claim_report, tmp_path):
    check = render(claim_report, tmp_path)
    assert check["images"] == 4 and check["broken"] == 0
    assert check["scroll"] <= check["inner"], check
    assert check["wide"] == 0, check
    assert check["split"] == [], check


def test_survival_report_fits_1280px(tmp_path):
    from wsa_eval.datasets import load_rossi
    from wsa_eval.survival import cox, kaplan_meier

    r = load_rossi()
    km = kaplan_meier(r, duration="week", event="arrest", group="fin")
    cx = cox(r, duration="week", event="arrest", covariates=["fin", "age", "prio"])
    files = we.report([cx, km], tmp_path / "surv", scheme="financial aid")
    check = render(files.html, tmp_path)
    assert check["broken"] == 0 and check["scroll"] <= check["inner"], check
    assert check["split"] == [], check
