"""The guided evaluation report: one function, :func:`report`, for any wsa_eval results.

Results describe their own content (:meth:`wsa_eval.results.Result.report_content`); this
package assembles it (:mod:`.document`), applies disclosure control once
(:mod:`.safe`, rules in :mod:`wsa_eval.disclosure`) and writes the files (:mod:`.render`,
:func:`report`): a self-contained HTML page, its Markdown twin, the figures as PNG, the
tables as CSV and ``results.json``, all from the same disclosure-controlled content. It knows
no estimator and no case study.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from ..content import Context
from ..disclosure import DEFAULT_THRESHOLD, Policy
from .document import CITATION, Document, assemble
from .render import table_records, to_html, to_markdown
from .safe import SafeDocument, make_safe

__all__ = ["report", "write", "ReportFiles", "build", "CITATION", "Document", "SafeDocument"]


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written."""

    html: Path
    markdown: Path
    json: Path
    figures: tuple[Path, ...]
    tables: tuple[Path, ...]

    def __iter__(self):  # ``html, md = report(...)`` keeps working
        return iter((self.html, self.markdown))

    def __repr__(self) -> str:
        return f"<ReportFiles: {self.html}>"


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")[:40] or "item"


def _layout(out: str | Path) -> dict[str, Path]:
    out = Path(out)
    if out.suffix.lower() in (".html", ".htm"):
        base = out.parent
        return {"html": out, "md": out.with_suffix(".md"), "json": out.with_suffix(".json"),
                "figures": base / f"{out.stem}_figures", "tables": base / f"{out.stem}_tables"}
    return {"html": out / "report.html", "md": out / "report.md", "json": out / "results.json",
            "figures": out / "figures", "tables": out / "tables"}


def _json_safe(o: Any) -> Any:
    if isinstance(o, Mapping):
        return {str(k): _json_safe(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_json_safe(v) for v in o]
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if hasattr(o, "item") and not isinstance(o, (str, bytes)):
        try:
            return _json_safe(o.item())
        except (ValueError, AttributeError):
            return str(o)
    if isinstance(o, (str, int, float, bool)) or o is None:
        return o
    return str(o)


def build(results: Any, *, scheme: str = "the scheme", outcome_label: str | None = None,
          outcome_is_count: bool | None = None, threshold: int = DEFAULT_THRESHOLD,
          title: str | None = None, header: Mapping[str, Any] | None = None,
          included: Sequence[str] = (), cannot_say: Sequence[str] = (),
          data_source: str | None = None) -> SafeDocument:
    """The disclosure-controlled content of a report, without writing files."""
    res = list(results) if isinstance(results, (list, tuple)) else [results]
    context = Context(scheme=scheme, outcome_label=outcome_label,
                      outcome_is_count=outcome_is_count)
    seeds = [r.spec.get("seed") for r in res if getattr(r, "spec", None)]
    doc = assemble(res, context, title=title, header=header, included=included,
                   cannot_say=cannot_say, data_source=data_source,
                   seed=next((s for s in seeds if s is not None and not isinstance(s, Mapping)),
                             None))
    return make_safe(doc, Policy(threshold))


def report(results: Any, out: str | Path, *, scheme: str = "the scheme",
           outcome_label: str | None = None, outcome_is_count: bool | None = None,
           threshold: int = DEFAULT_THRESHOLD, title: str | None = None,
           header: Mapping[str, Any] | None = None, included: Sequence[str] = (),
           cannot_say: Sequence[str] = (), data_source: str | None = None) -> ReportFiles:
    """Write the guided evaluation report for one result or a list of results.

    Parameters
    ----------
    results : result or list of results
        Any wsa_eval results (``check_claim``, the estimators, the survival and reoffending
        results). The first with a verdict leads the report.
    out : path
        A folder (``report.html``, ``report.md``, ``results.json``, ``figures/*.png``,
        ``tables/*.csv`` are written into it) or a file name ending in ``.html`` (the other
        files are written beside it).
    scheme : str
        The scheme's name in words ("the Whole System Approach").
    outcome_label : str, optional
        The outcome in words (default: from the column name).
    outcome_is_count : bool, optional
        Whether the outcome counts people; default: as each result recorded it, else
        inferred from whole numbers. Counts of people are disclosure-controlled.
    threshold : int
        Disclosure threshold: counts of people from 1 to ``threshold - 1``, and every
        number that would reveal one, are withheld from every output (default 5).
    title, header, included, cannot_say, data_source
        Extra report text (free text is scrubbed of small counts as a safety net).

    Returns
    -------
    ReportFiles
        The paths written (``html``, ``markdown``, ``json``, ``figures``, ``tables``).

    Raises
    ------
    SpecificationError
        No result given, or an object that is not a wsa_eval result (it has no
        ``report_content()``).

    See Also
    --------
    wsa_eval.check_claim : the claim check, whose report leads with its verdict.

    Notes
    -----
    Each result describes its own content (a verdict with its reason, tables, figures,
    checks); this function assembles it, applies disclosure control once
    (:mod:`wsa_eval.disclosure`) and writes every file from the same controlled content,
    so the HTML page, the Markdown, the figures, the CSV tables and ``results.json``
    cannot disagree. Figures are drawn from the suppressed tables, never from the raw
    result. The estimators' assumptions are stated in the report in plain words; they are
    those of each result's method (see its function).

    Examples
    --------
    A report of the castle-doctrine TWFE estimate, written into a temporary folder:

    >>> import json, shutil, tempfile
    >>> from wsa_eval import report
    >>> from wsa_eval.datasets import load_castle
    >>> from wsa_eval.did import twfe
    >>> r = twfe(load_castle(), outcome="l_homicide", unit="state", time="year",
    ...          treatment="post")
    >>> out = tempfile.mkdtemp()
    >>> files = report(r, out, scheme="castle-doctrine laws",
    ...                outcome_label="log homicide rate")
    >>> sorted(p.name for p in files.html.parent.iterdir())
    ['figures', 'report.html', 'report.md', 'results.json', 'tables']
    >>> [p.name for p in files.figures], [p.name for p in files.tables]
    (['figure_01_effects.png'], ['table_01_effects.csv'])
    >>> json.loads(files.json.read_text())["verdict"]["label"]
    'inconclusive: not enough evidence either way'
    >>> shutil.rmtree(out)
    """
    safe = build(results, scheme=scheme, outcome_label=outcome_label,
                 outcome_is_count=outcome_is_count, threshold=threshold, title=title,
                 header=header, included=included, cannot_say=cannot_say,
                 data_source=data_source)
    return write(safe, out)


def write(safe: SafeDocument, out: str | Path,
          extra: Mapping[str, Any] | None = None) -> ReportFiles:
    """Write a disclosure-controlled document in the standard layout (``extra``: more
    entries for ``results.json``, e.g. the command line's configuration)."""
    lay = _layout(out)
    lay["html"].parent.mkdir(parents=True, exist_ok=True)
    figs, tabs = [], []
    if safe.figures:
        lay["figures"].mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(safe.figures, 1):
        p = lay["figures"] / f"figure_{i:02d}_{_slug(f.name)}.png"
        p.write_bytes(f.png)
        figs.append(p)
    marker = f"<{safe.threshold}"
    if safe.tables:
        lay["tables"].mkdir(parents=True, exist_ok=True)
    import pandas as pd

    for i, t in enumerate(safe.tables, 1):
        p = lay["tables"] / f"table_{i:02d}_{_slug(t.source.name or t.source.title)}.csv"
        pd.DataFrame(table_records(t, marker)).to_csv(p, index=False)
        tabs.append(p)
    lay["html"].write_text(to_html(safe), encoding="utf-8")
    rel = [p.relative_to(lay["md"].parent).as_posix() for p in figs]
    lay["md"].write_text(to_markdown(safe, rel), encoding="utf-8")
    payload = {
        "wsa_eval_version": __version__, "title": safe.title, "header": safe.header,
        "verdict": {"label": safe.verdict, "reason": safe.reason, "advice": safe.advice},
        "headline_numbers": safe.headline_numbers, "results": list(safe.results),
        "summary": safe.summary,
        "disclosure": {"threshold": safe.threshold, "statement": safe.disclosure},
        "tables": [{"title": t.source.title, "rows": table_records(t, marker)}
                   for t in safe.tables],
        "figures": [{"caption": f.caption, "file": p.name} for f, p in zip(safe.figures, figs)],
        "specification": safe.specs,
    }
    payload.update(dict(extra or {}))
    lay["json"].write_text(json.dumps(_json_safe(payload), indent=2), encoding="utf-8")
    return ReportFiles(lay["html"], lay["md"], lay["json"], tuple(figs), tuple(tabs))
