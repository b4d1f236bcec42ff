"""What :func:`wsa_eval.check_claim` returns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

import pandas as pd

from .._format import fmt_pct
from ..content import Context, Section, Verdict
from ..results import Result, result_dataclass

__all__ = ["ClaimResult", "METHOD_LABELS"]

METHOD_LABELS = {
    "sdid": "Synthetic difference-in-differences",
    "sc": "Synthetic control",
    "did": "Difference-in-differences",
}


@result_dataclass
class ClaimResult(Result):
    """What :func:`~wsa_eval.check_claim` found.

    Attributes
    ----------
    treated, start, end, baseline : the area, the scheme's first treated period, and the
        claim's own years (its change is measured from ``baseline`` to ``end``).
    baseline_source : ``"given"`` or ``"default"`` (the last period before ``start``).
    outcome, outcome_label, outcome_is_count, scale : the outcome column, its name in words,
        whether it counts people (for disclosure control), and the analysis scale.
    claimed_change : float
        The claimed change as a fraction (-0.6 for "a 60% reduction").
    raw_change : float
        The treated area's actual change from ``baseline`` to ``end`` (fraction).
    comparison_change : float
        The change of the comparison areas' total over the same years (fraction).
    attributable : DataFrame
        One row per method. The tidy columns (``term, estimate, std_error, statistic,
        p_value, ci_low, ci_high``) describe the end-year effect (log points on the log
        scale); ``change`` / ``change_ci_low`` / ``change_ci_high`` give it as a percentage
        change (the *attributable* change); ``actual_change`` and ``counterfactual_change``
        complete the identity ``(1 + actual) = (1 + counterfactual) x (1 + attributable)``;
        ``n_as_large``, ``n_placebos``, ``min_p_value`` describe the permutation test;
        ``average_*`` the average effect over ``start..end``.
    assessment : Verdict
        The fixed-vocabulary verdict (``verdict``) with its true reason and advice.
    robustness : DataFrame
        The primary method re-run on other specifications.
    paths : DataFrame
        ``time, actual, counterfactual, gap, gap_percent, post`` for the treated area (levels
        of the outcome; ``gap`` on the analysis scale).
    placebo_gaps : DataFrame
        Gap paths (periods x comparison areas) of the placebo fits of the primary method.
    """

    treated: Any
    start: Any
    end: Any
    baseline: Any
    baseline_source: str = "given"
    outcome: str
    outcome_label: str = ""
    outcome_is_count: bool = False
    scale: str = "log"
    claimed_change: float
    baseline_level: float = math.nan
    end_level: float = math.nan
    comparison_levels: tuple = (math.nan, math.nan)
    attributable: pd.DataFrame
    assessment: Verdict
    primary: str
    alpha: float
    robustness: pd.DataFrame = field(default_factory=pd.DataFrame)
    paths: pd.DataFrame = field(default_factory=pd.DataFrame)
    placebo_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    donors: tuple = ()
    excluded: tuple = ()
    fits: Mapping[str, Any] = field(default_factory=dict)

    _plot_kinds: ClassVar[dict[str, str]] = {
        "paths": "wsa_eval.plotting.claims:paths_plot",
        "gap": "wsa_eval.plotting.claims:gap_plot",
        "placebo": "wsa_eval.plotting.claims:placebo_plot",
        "methods": "wsa_eval.plotting.claims:methods_plot",
    }
    _default_plot: ClassVar[str | None] = "paths"

    # -- the headline numbers ---------------------------------------------------------------
    @property
    def verdict(self) -> str:
        """The fixed-vocabulary verdict (``assessment.label``)."""
        return self.assessment.label

    @property
    def raw_change(self) -> float:
        """The treated area's actual change from ``baseline`` to ``end`` (fraction)."""
        return self.baseline_end_change(self.baseline_level, self.end_level)

    @property
    def comparison_change(self) -> float:
        """The comparison areas' total change from ``baseline`` to ``end`` (fraction)."""
        return self.baseline_end_change(*self.comparison_levels)

    @staticmethod
    def baseline_end_change(y0: float, y1: float) -> float:
        return float(y1 / y0 - 1) if y0 and y0 > 0 else math.nan

    @property
    def primary_row(self) -> pd.Series:
        """The primary method's row of ``attributable``."""
        return self.attributable.set_index("method").loc[self.primary]

    @property
    def counterfactual_change(self) -> float:
        return float(self.primary_row["counterfactual_change"])

    @property
    def attributable_change(self) -> float:
        return float(self.primary_row["change"])

    def to_frame(self) -> pd.DataFrame:
        """The attributable change by method (tidy columns first)."""
        return self.attributable.copy()

    def _repr_parts(self) -> list[str]:
        return [f"{self.treated} {self.baseline}-{self.end}",
                f"actual {fmt_pct(self.raw_change)}",
                f"attributable {fmt_pct(self.attributable_change)}",
                self.verdict.split(":")[0]]

    def headline_text(self) -> str:
        """One line for a terminal (no counts of people)."""
        r = self.primary_row
        return (
            f"{self.treated}, {self.outcome_label} from {self.baseline} to {self.end}: "
            f"claimed {fmt_pct(self.claimed_change)}; attributable to the scheme in {self.end} "
            f"({r['label']}) {fmt_pct(r['change'])} ({100 * (1 - self.alpha):.0f}% CI "
            f"{fmt_pct(r['change_ci_low'])} to {fmt_pct(r['change_ci_high'])}; permutation "
            f"p = {r['p_value']:.3f}, smallest possible {r['min_p_value']:.3f}). "
            f"Verdict: {self.verdict}.")

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [
            ("Treated area", self.treated),
            ("Outcome", self.outcome_label),
            ("Claim", f"{fmt_pct(self.claimed_change)} from {self.baseline} to {self.end}"),
            ("Scheme start", self.start),
            ("Actual change", fmt_pct(self.raw_change)),
            ("Without the scheme (estimate)", fmt_pct(self.counterfactual_change)),
            (f"Attributable ({self.end} effect)", fmt_pct(self.attributable_change)),
            ("Comparison areas' change", fmt_pct(self.comparison_change)),
            ("Comparison areas", len(self.donors)),
            ("Excluded (own schemes etc.)", len(self.excluded)),
            ("Verdict", self.verdict),
        ]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        cols = ["label", "actual_change", "counterfactual_change", "change", "change_ci_low",
                "change_ci_high", "p_value", "min_p_value", "average_estimate",
                "average_p_value"]
        t = [("Change from baseline to end, by method (fractions; permutation p-values)",
              self.attributable[cols])]
        if len(self.robustness):
            t.append(("Robustness (primary method)", self.robustness))
        return t

    def _summary_footer(self) -> list[str]:
        return [f"Why: {self.assessment.reason}"] + [f"Warning: {w}" for w in self.warnings]

    def interpret(self) -> str:
        """The claim in plain English (every number shown: this is the analyst's own view;
        reports apply disclosure control)."""
        from ..disclosure import Policy, render_text
        from ._content import claim_sentences

        parts = [render_text(s, Policy(1)) for s in claim_sentences(self, Context())]
        return " ".join(p for p in parts if p)

    def report_content(self, context: Context | None = None) -> Section:
        """The claim check's report content (see :mod:`wsa_eval.content`)."""
        from ._content import claim_section

        return claim_section(self, context or Context())
