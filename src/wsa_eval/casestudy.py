"""The Greater Manchester case study: an example built on the claim check and the report.

The Ministry of Justice's progress report on the Female Offender Concordat says Greater
Manchester, with a Whole System Approach (WSA) for women since 2014, "has seen a significant
60% reduction in number of women sent to custody". :func:`run_greater_manchester` checks that
claim, over the claim's own years (2014 to 2020), with the police-force-area panel shipped
in :mod:`wsa_eval.datasets` (edition A: MoJ December 2022 data as published by the Prison
Reform Trust; Open Government Licence v3.0), against the other police force areas of
England and Wales, leaving out the areas that had schemes of their own before 2021 (a
robustness row puts them back), and writes the report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .claims import ClaimResult, check_claim
from .datasets import load_pfa_custody, load_wsa_start_dates, treated_areas
from .reporting import report

__all__ = ["run_greater_manchester", "GM_CANNOT_SAY", "GM_DATA_SOURCE"]

GM_DATA_SOURCE = (
    "MoJ Criminal Justice System statistics quarterly (Dec 2022 edition), women sentenced to "
    "immediate custody by police force area, as published by the Prison Reform Trust; Open "
    "Government Licence v3.0")

GM_CANNOT_SAY = [
    "Anything about where the women live: these counts are by the police force area of the "
    "sentencing court, not of residence.",
    "Anything about reoffending: the claimed 5-point fall in women's reoffending cannot be "
    "checked, because no public proven-reoffending rates by police force area and sex exist.",
    "That the comparison areas had no schemes: areas with known schemes before 2021 are left "
    "out, but smaller local initiatives may be missing from the start-date table.",
]


def run_greater_manchester(out: str | Path = "gm_report", *, reps: int | None = None,
                           random_state: int | np.random.Generator | None = 2014,
                           alpha: float = 0.05, progress: bool | None = None,
                           end: int = 2020) -> ClaimResult:
    """Check the "60% reduction" claim for Greater Manchester and write the report to ``out``.

    Edition A of the panel (MoJ December 2022 data), log counts of women sentenced to
    immediate custody, 2010-``end``; the claim's years 2014 (baseline) to ``end``; WSA from
    2014; comparison areas: the other police force areas without schemes of their own
    before 2021 (``treated_areas(before=2021)``). Robustness: all areas as comparisons;
    edition B (MoJ December 2024 data, without its suspect 2017); WSA start 2015 (the WSA
    began in September 2014). ``reps`` and ``random_state`` are passed on for compatibility;
    the check itself is exact (all placebo areas) and draws no random numbers.
    """
    a = load_pfa_custody("A")
    b = load_pfa_custody("B")
    b = b[b["year"] != 2017]
    schemes = treated_areas(load_wsa_start_dates(), min_strength="medium", before=end + 1)
    exclude = [p for p in schemes if p != "Greater Manchester"]
    claim = check_claim(
        a, outcome="immediate_custody", unit="pfa", time="year", treated="Greater Manchester",
        start=2014, end=end, baseline=2014, claimed_change=-0.60, exclude=exclude,
        outcome_is_count=True, outcome_label="women sentenced to immediate custody",
        alternative_data={"edition B (Dec 2024 data, 2017 left out)": b},
        other_starts=[2015], reps=reps, alpha=alpha, random_state=random_state,
        progress=progress,
    )
    report(claim, out, scheme="the Whole System Approach", data_source=GM_DATA_SOURCE,
           cannot_say=GM_CANNOT_SAY)
    return claim
