"""The Greater Manchester case study, and the guided report for any claim check.

The Ministry of Justice's progress report on the Female Offender Concordat says Greater
Manchester, with a Whole System Approach (WSA) for women since 2014, "has seen a significant
60% reduction in number of women sent to custody". :func:`run_greater_manchester` checks that
claim with the police-force-area panel shipped in :mod:`wsa_eval.datasets` (edition A: MoJ
December 2022 data as published by the Prison Reform Trust; Open Government Licence v3.0),
against the other police force areas of England and Wales, leaving out the areas that had
schemes of their own before 2021 (a robustness row puts them back), and writes the report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .report import ReportContent, write_report

__all__ = ["run_greater_manchester", "claim_report", "claim_checks"]


def _status(ok: bool, warn: bool) -> str:
    return "green" if ok else ("amber" if warn else "red")


def claim_checks(claim: Any) -> pd.DataFrame:
    """The traffic-light table of checks for a claim (pure: reads only the result)."""
    r = claim.primary_row
    rows = []
    pre = float(r["pre_rmspe"])
    rows.append(("Pre-scheme fit of the comparison",
                 _status(pre < 0.05, pre < 0.10),
                 f"before {claim.start}, the estimated path missed the actual one by "
                 f"{100 * pre:.1f}% on average (root mean square, log scale)"))
    n = len(claim.donors)
    rows.append(("Number of comparison areas", _status(n >= 19, n >= 9),
                 f"{n} areas: the smallest possible permutation p-value is {1 / (n + 1):.3f}"))
    neff = float(r.get("n_effective_donors", math.nan))
    if not math.isnan(neff):
        rows.append(("Effective number of comparison areas", _status(neff >= 5, neff >= 2),
                     f"{neff:.1f} (weights spread over this many areas)"))
    agree = claim.attributable.assign(
        v=[np.sign(x) if p < claim.alpha else 0 for x, p in
           zip(claim.attributable["estimate"], claim.attributable["p_value"])])
    same = agree["v"].nunique() == 1
    rows.append(("Agreement between methods", _status(same, True),
                 "all methods point the same way" if same else
                 "methods differ: " + "; ".join(f"{lab} {100 * c:+.0f}% (p = {p:.2f})" for lab, c, p
                                                in zip(agree["label"], agree["change"],
                                                       agree["p_value"]))))
    if len(claim.robustness) > 1:
        rob = claim.robustness.iloc[1:]
        diff = rob[rob["verdict"] != claim.verdict]
        rows.append(("Sensitivity (other donor pools, editions, start years)",
                     _status(diff.empty, True),
                     "the verdict is the same in every variant" if diff.empty else
                     "the verdict changes in: " + ", ".join(diff["specification"])))
    rows.append(("Pre-period length", _status(len(claim.paths[~claim.paths["post"]]) >= 5, True),
                 f"{int((~claim.paths['post'].astype(bool)).sum())} years before the scheme"))
    return pd.DataFrame(rows, columns=["check", "status", "detail"])


def claim_report(claim: Any, path: str | Path, *, title: str | None = None,
                 scheme: str = "the scheme", data_source: str = "",
                 extra_cannot_say: list[str] | None = None, threshold: int = 5,
                 included_notes: list[str] | None = None) -> tuple[Path, Path]:
    """Write the guided HTML + Markdown report for a :class:`~wsa_eval.claims.ClaimResult`."""
    import matplotlib.pyplot as plt

    from .interpret import INCONCLUSIVE, claim_sentences

    r = claim.primary_row
    level = f"{100 * (1 - claim.alpha):.0f}%"
    sentences = claim_sentences(claim)
    figures = []
    for kind, cap in (("paths", f"{claim.treated}: actual and estimated without {scheme}"),
                      ("gap", "Difference from the estimate without the scheme, by year"),
                      ("placebo", "Placebo check: every comparison area given the scheme in turn"),
                      ("methods", "Claimed, raw and attributable change by method")):
        fig, ax = plt.subplots(figsize=(7, 4))
        claim.plot(kind=kind, ax=ax)
        figures.append((cap, fig))
    se = float(r["std_error"])
    mde = float(np.expm1(-2.8 * se)) if se == se else math.nan
    n = int(r["n_placebos"])
    how_sure = [
        f"{claim.treated}'s estimated change was larger than that of {n - int(r['rank']) + 1} of "
        f"the {n} comparison areas when each was given the scheme in turn (permutation "
        f"p = {r['p_value']:.3f}).",
        f"With {n} comparison areas, the smallest p-value this check can give is "
        f"{1 / (n + 1):.3f}.",
        f"Judged instead by how much worse the fit became after the scheme started than before "
        f"(the post/pre RMSPE ratio of Abadie, Diamond & Hainmueller 2010), the permutation "
        f"p-value is {r['p_value_rmspe_ratio']:.3f}.",
        f"{level} confidence interval for the change attributable to the scheme: "
        f"{100 * r['change_ci_low']:+.0f}% to {100 * r['change_ci_high']:+.0f}% "
        f"({claim.attributable.set_index('method').loc[claim.primary, 'label']}, placebo "
        "standard error).",
    ]
    if mde == mde:
        how_sure.append(
            f"Minimum detectable effect: with this much noise, only a change of about "
            f"{100 * abs(mde):.0f}% or more would be detected 80% of the time at the 5% level.")
    can = [sentences[1]]
    if claim.verdict != INCONCLUSIVE:
        can.append(f"After allowing for what comparison areas saw, there is {claim.verdict} "
                   f"attributable to {scheme}: about {100 * r['change']:+.0f}% "
                   f"({level} CI {100 * r['change_ci_low']:+.0f}% to "
                   f"{100 * r['change_ci_high']:+.0f}%).")
    else:
        can.append(f"The change attributable to {scheme} is uncertain: the data are consistent "
                   f"with changes from {100 * r['change_ci_low']:+.0f}% to "
                   f"{100 * r['change_ci_high']:+.0f}%.")
    cannot = [
        f"That the raw {100 * claim.raw_change:+.0f}% change was caused by {scheme}: part of it "
        "happened everywhere.",
    ]
    if claim.verdict == INCONCLUSIVE:
        cannot.append(f"That {scheme} had no effect: an inconclusive result means the data "
                      "cannot tell, not that nothing happened.")
    cannot += list(extra_cannot_say or [])
    included = [f"Treated area: {claim.treated} (scheme from {claim.start}).",
                f"Comparison areas ({len(claim.donors)}): {', '.join(map(str, claim.donors))}."]
    if claim.excluded:
        included.append(f"Left out of the comparison ({len(claim.excluded)}): "
                        f"{', '.join(map(str, claim.excluded))} (schemes of their own, or "
                        "excluded by the user).")
    included += list(included_notes or [])
    paths = claim.paths.copy()
    if claim.spec["arguments"].get("scale") == "log":
        paths = paths.assign(actual=np.exp(paths["treated"]),
                             without_scheme=np.exp(paths["treated"] - paths["estimate"]),
                             gap_percent=100 * np.expm1(paths["estimate"]))
        paths = paths[["time", "actual", "without_scheme", "gap_percent", "post"]]
    content = ReportContent(
        title=title or f"Did {scheme} change {claim.outcome.replace('_', ' ')} in "
                       f"{claim.treated}?",
        headline=f"{claim.verdict[0].upper()}{claim.verdict[1:]}",
        header={"Area": claim.treated, "Scheme": scheme, "Outcome": claim.outcome,
                "Data": data_source or "user data", "Claim": f"{100 * claim.claimed_change:+.0f}%"
                f" from {claim.baseline} to {claim.end}", "Scheme start": claim.start,
                "wsa_eval version": __version__, "Seed": claim.spec.get("seed")},
        summary=" ".join(sentences),
        can_say=can, cannot_say=cannot, figures=figures, how_sure=how_sure,
        checks=claim_checks(claim), included=included,
        tables=[("Change attributable to the scheme, by method", claim.attributable),
                ("Robustness", claim.robustness), ("Paths by year", paths)],
        spec=dict(claim.spec),
    )
    out = write_report(content, path, threshold=threshold)
    for _, fig in figures:
        plt.close(fig)
    return out


GM_CANNOT_SAY = [
    "Anything about where the women live: these counts are by the police force area of the "
    "sentencing court, not of residence.",
    "Anything about reoffending: the claimed 5-point fall in women's reoffending cannot be "
    "checked, because no public proven-reoffending rates by police force area and sex exist.",
    "That the comparison areas had no schemes: areas with known schemes before 2021 are left "
    "out, but smaller local initiatives may be missing from the start-date table.",
]


def run_greater_manchester(out: str | Path = "gm_report", *, reps: int = 200,
                           random_state: int | np.random.Generator | None = 2014,
                           alpha: float = 0.05, progress: bool | None = None,
                           end: int = 2020) -> Any:
    """Check the "60% reduction" claim for Greater Manchester and write the report to ``out``.

    Edition A of the panel (MoJ December 2022 data), log counts of women sentenced to
    immediate custody, 2010-``end``; WSA from 2014; comparison areas: the other police
    force areas without schemes of their own before 2021 (``treated_areas(before=2021)``).
    Robustness: all areas as comparisons; edition B (MoJ December 2024 data, without its
    suspect 2017); WSA start 2015 (the WSA began in September 2014).
    """
    from .claims import check_claim
    from .datasets import load_pfa_custody, load_wsa_start_dates, treated_areas

    a = load_pfa_custody("A")
    b = load_pfa_custody("B")
    b = b[b["year"] != 2017]
    schemes = treated_areas(load_wsa_start_dates(), min_strength="medium", before=end + 1)
    exclude = [p for p in schemes if p != "Greater Manchester"]
    claim = check_claim(
        a, outcome="immediate_custody", unit="pfa", time="year", treated="Greater Manchester",
        start=2014, end=end, claimed_change=-0.60, exclude=exclude,
        alternative_data={"edition B (Dec 2024 data, 2017 left out)": b},
        other_starts=[2015], reps=reps, alpha=alpha, random_state=random_state,
        progress=progress,
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    claim.report(out / "report.html", scheme="the Whole System Approach",
                 data_source="MoJ Criminal Justice System statistics quarterly (Dec 2022 "
                             "edition), women sentenced to immediate custody by police force "
                             "area, as published by the Prison Reform Trust; Open Government "
                             "Licence v3.0",
                 extra_cannot_say=GM_CANNOT_SAY)
    claim.attributable.to_csv(out / "attributable.csv", index=False)
    claim.robustness.to_csv(out / "robustness.csv", index=False)
    return claim
