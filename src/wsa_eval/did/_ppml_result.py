"""What :func:`wsa_eval.did.ppml` returns."""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._format import fmt_p, fmt_pct
from ..content import Check, Context, Figure, Section, Table, Value, text
from ..results import EffectResult, result_dataclass

__all__ = ["PPMLResult"]


@result_dataclass
class PPMLResult(EffectResult):
    """A Poisson difference-in-differences fit (Wooldridge 2023).

    The attributes below are those beyond :class:`~wsa_eval.results.EffectResult`'s.

    Attributes
    ----------
    estimate, se, ci_low, ci_high, p_value : the log of the ratio of the treated units'
        fitted counts (or rates) to the fitted counts without the scheme, over every treated
        unit-period from the start on, with its inference.
    percent_change, percent_ci_low, percent_ci_high : the same as a percentage change
        (``exp(estimate) - 1``), e.g. ``-0.25`` for a 25% reduction.
    att_count, att_count_std_error : the average effect in counts per treated unit-period
        (fitted minus no-scheme count; cluster-robust delta-method standard error).
    observed : the treated units' total count over those unit-periods (for disclosure
        control: a count of people).
    effects : by event time ``e = t - start``: the tidy columns (log ratio), ``event_time``,
        ``percent_change`` and its interval, ``att_count``, ``link_average`` (the average
        of the treatment terms on the log scale, as R etwfe's ``predict = "link"``),
        ``n_obs``, ``observed``, and for randomization inference ``n_as_large`` and
        ``n_placebos``.
    coefficients : every coefficient with cluster-robust standard errors (R fixest's
        ``coeftable``); ``cells`` the treatment cells (cohort x period) among them.
    replications : the placebo or permutation estimates behind randomization inference.
    """

    coefficients: pd.DataFrame = field(default_factory=pd.DataFrame)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    percent_change: float = math.nan
    percent_ci_low: float = math.nan
    percent_ci_high: float = math.nan
    att_count: float = math.nan
    att_count_std_error: float = math.nan
    observed: float = math.nan
    exposure: str | None = None
    outcome: str = ""
    event_study: bool = False
    replications: np.ndarray | None = None

    _plot_kinds: ClassVar[dict[str, str]] = {
        "percent": "wsa_eval.plotting.counts:percent_plot",
        "event_study": "wsa_eval.plotting:event_study_plot",
    }
    _default_plot: ClassVar[str | None] = "percent"

    def _repr_parts(self) -> list[str]:
        return [f"change {fmt_pct(self.percent_change)}",
                f"{100 * (1 - self.alpha):.0f}% CI {fmt_pct(self.percent_ci_low)} to "
                f"{fmt_pct(self.percent_ci_high)}", f"p={self.p_value:.3g}"]

    def _summary_header(self) -> list[tuple[str, Any]]:
        h = super()._summary_header()
        h.insert(1, ("Percentage change", fmt_pct(self.percent_change)))
        h.insert(2, (f"{100 * (1 - self.alpha):.0f}% CI (percent)",
                     f"{fmt_pct(self.percent_ci_low)} to {fmt_pct(self.percent_ci_high)}"))
        h.append(("Average effect in counts", self.att_count))
        h.append(("Exposure (offset)", self.exposure or "none"))
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        cols = ["term", "percent_change", "percent_ci_low", "percent_ci_high", "p_value",
                "att_count", "n_obs"]
        return [("Effects by event time (percentage changes)", self.effects[cols]),
                ("Coefficients (cluster-robust standard errors)", self.coefficients)]

    def interpret(self) -> str:
        """The effect as a percentage change, in plain English."""
        from ..interpret import verdict

        v = verdict(self.estimate, self.ci_low, self.ci_high, self.p_value, self.alpha)
        what = "rate" if self.exposure else "number"
        out = (f"{v[:1].upper()}{v[1:]}. After the start, the {what} of "
               f"{self.outcome.replace('_', ' ') or 'events'} in the treated units was "
               f"{fmt_pct(self.percent_change)} compared with the estimate without the scheme "
               f"({100 * (1 - self.alpha):.0f}% CI {fmt_pct(self.percent_ci_low)} to "
               f"{fmt_pct(self.percent_ci_high)}; p = {fmt_p(self.p_value)}).")
        return out + f" Uncertainty: {self.inference}."

    def report_content(self, context: Context | None = None) -> Section:
        """Verdict in percentage terms, the effects by event time and their figure."""
        from ..interpret import explain_verdict
        from ..plotting.counts import draw_percent

        context = context or Context()
        diag = dict(self.diagnostics or {})
        n_co = int(diag.get("n_comparison_units", 0)) or None
        v = explain_verdict(self.percent_change, self.percent_ci_low, self.percent_ci_high,
                            self.p_value, self.alpha, n_comparison=n_co,
                            min_p_value=diag.get("min_p_value"), scale="pct",
                            what="the percentage change")
        frame = self.effects[["term", "event_time", "percent_change", "percent_ci_low",
                              "percent_ci_high", "p_value", "att_count", "observed"]].rename(
            columns={"percent_change": "estimate", "percent_ci_low": "ci_low",
                     "percent_ci_high": "ci_high"})
        count = bool(diag.get("outcome_is_count", True)) if context.outcome_is_count is None \
            else bool(context.outcome_is_count)
        decl = dict(counts={"observed": context.outcome_label or "people"} if count else {},
                    reveals={"att_count": "observed"} if count else {})
        table = Table(f"{self.method}: percentage change by year since the start", frame,
                      labels={"term": "Event time", "estimate": "Change", "ci_low":
                              "Lower limit", "ci_high": "Upper limit", "p_value": "p-value",
                              "att_count": "Average effect (count)",
                              "observed": "Observed (treated units' total)"},
                      kinds={"estimate": "pct", "ci_low": "pct", "ci_high": "pct",
                             "p_value": "p", "event_time": "int"}, name="effects", **decl)
        fig = Figure("Percentage change by year since the start, with "
                     f"{100 * (1 - self.alpha):.0f}% confidence intervals",
                     Table("effects", frame, **decl), draw_percent, name="percent")
        what = "rate" if self.exposure else "number"
        summary = [text(f"After the start the {what} was {{c}} the estimate without "
                        f"{context.scheme} ({100 * (1 - self.alpha):.0f}% confidence interval: "
                        "from {lo} to {hi}).",
                        c=Value(self.percent_change, "pct_dir", "below|above"),
                        lo=Value(self.percent_ci_low, "pct_dir", "below|above"),
                        hi=Value(self.percent_ci_high, "pct_dir", "below|above"))]
        checks = []
        pre = self.effects[self.effects["event_time"] < 0]
        if len(pre):
            worst = float(pre["p_value"].min())
            checks.append(Check("Before the start (leads)", "green" if worst > self.alpha
                                else "amber",
                                f"{len(pre)} years before the start; smallest p-value "
                                f"{fmt_p(worst)} (values near zero support parallel trends "
                                "in the ratio of counts)."))
        return Section(
            title=self.method, verdict=v, summary=tuple(summary),
            how_sure=(f"Uncertainty was measured by {self.inference}.",),
            checks=tuple(checks), tables=(table,), figures=(fig,), spec=dict(self.spec),
            headline_numbers={"percent_change": Value(self.percent_change, "pct"),
                              "percent_ci_low": Value(self.percent_ci_low, "pct"),
                              "percent_ci_high": Value(self.percent_ci_high, "pct"),
                              "p_value": Value(self.p_value, "p")})
