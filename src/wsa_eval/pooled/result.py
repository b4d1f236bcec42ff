"""What :func:`wsa_eval.pooled_evaluation` returns, and what its report shows."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._format import fmt_p, fmt_pct
from ..content import Check, Context, Figure, Section, Table, Value, text
from ..results import EffectResult, result_dataclass

__all__ = ["PooledResult", "ASSUMPTIONS"]

ASSUMPTIONS = (
    "No scheme changed any area's outcome in any year (the null hypothesis the test checks).",
    "Every area was as likely as any other to receive each start year (within strata, when "
    "given): areas that chose to run schemes may differ, and the size check's non-random "
    "design shows what that can do.",
    "One area's scheme did not change another area's numbers (no spill-overs).",
    "For the interval: the scheme changed the outcome by the same proportion in every treated "
    "area and year.",
)


@result_dataclass
class PooledResult(EffectResult):
    """The roll-out as one design (see :func:`pooled_evaluation`).

    The attributes below are those beyond :class:`~wsa_eval.results.EffectResult`'s.

    Attributes
    ----------
    estimate, ci_low, ci_high, p_value : Callaway-Sant'Anna's average effect on the log
        outcome over treated area-years, with randomization inference (the primary).
    percent_change, percent_ci_low, percent_ci_high : the same as a percentage change.
    effects : by years since the start (event study): estimate, randomization standard
        error, p-value and interval, as log points and percentages.
    methods : one row per method (randomization inference for Callaway-Sant'Anna and
        synthetic DiD; Callaway-Sant'Anna's analytic standard error for comparison).
    leave_one_out : the pooled effect with each treated area left out.
    start_years : per area with a scheme: plausible first treated years, the primary
        choice, the graded events behind them, and the range of the pooled effect and
        p-value when only that area's start year changes.
    combinations : every start-date combination evaluated, with its effect and p-value.
    bounds : the range over those combinations (``percent_min``/``percent_max``,
        ``p_value_min``/``p_value_max``, ``share_significant``, counts).
    sdid_event : synthetic DiD's effects by years since the start (point estimates).
    """

    methods: pd.DataFrame = field(default_factory=pd.DataFrame)
    leave_one_out: pd.DataFrame = field(default_factory=pd.DataFrame)
    start_years: pd.DataFrame = field(default_factory=pd.DataFrame)
    combinations: pd.DataFrame = field(default_factory=pd.DataFrame)
    bounds: Mapping[str, Any] = field(default_factory=dict)
    sdid_event: pd.DataFrame = field(default_factory=pd.DataFrame)
    treated_areas: tuple = ()
    comparison_areas: tuple = ()
    dropped_areas: tuple = ()
    percent_change: float = math.nan
    percent_ci_low: float = math.nan
    percent_ci_high: float = math.nan
    outcome: str = ""

    _plot_kinds: ClassVar[dict[str, str]] = {
        "event_study": "wsa_eval.plotting.pooled:event_plot",
        "leave_one_out": "wsa_eval.plotting.pooled:loo_plot",
        "start_dates": "wsa_eval.plotting.pooled:start_dates_plot",
    }
    _default_plot: ClassVar[str | None] = "event_study"

    def _repr_parts(self) -> list[str]:
        return [f"{len(self.treated_areas)} areas", f"change {fmt_pct(self.percent_change)}",
                f"p={self.p_value:.3g}",
                f"dates: {fmt_pct(self.bounds.get('percent_min', math.nan))} to "
                f"{fmt_pct(self.bounds.get('percent_max', math.nan))}"]

    def _summary_header(self) -> list[tuple[str, Any]]:
        b = self.bounds
        return [("Areas with a scheme", len(self.treated_areas)),
                ("Comparison areas", len(self.comparison_areas)),
                ("Average change", fmt_pct(self.percent_change)),
                (f"{100 * (1 - self.alpha):.0f}% CI", f"{fmt_pct(self.percent_ci_low)} to "
                                                      f"{fmt_pct(self.percent_ci_high)}"),
                ("Randomization p-value", self.p_value), ("Inference", self.inference),
                ("Over plausible start dates", f"{fmt_pct(b.get('percent_min'))} to "
                 f"{fmt_pct(b.get('percent_max'))}; p {fmt_p(b.get('p_value_min'))} to "
                 f"{fmt_p(b.get('p_value_max'))} ({b.get('n_evaluated')} combinations)")]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Methods", self.methods), ("By years since the start", self.effects),
                ("Leave one area out", self.leave_one_out),
                ("Start years (plausible, graded)", self.start_years.drop(columns="events"))]

    def _summary_footer(self) -> list[str]:
        return ["Assumptions: " + " ".join(ASSUMPTIONS)] + [f"Warning: {w}" for w in
                                                             self.warnings]

    def interpret(self) -> str:
        from ..interpret import verdict

        v = verdict(self.estimate, self.ci_low, self.ci_high, self.p_value, self.alpha)
        b = self.bounds
        return (f"{v[:1].upper()}{v[1:]}. Across the {len(self.treated_areas)} areas that "
                f"started a scheme, {self.outcome.replace('_', ' ') or 'the outcome'} was "
                f"{fmt_pct(self.percent_change)} compared with the estimate without schemes "
                f"({100 * (1 - self.alpha):.0f}% CI {fmt_pct(self.percent_ci_low)} to "
                f"{fmt_pct(self.percent_ci_high)}; randomization p = {fmt_p(self.p_value)}). "
                f"Over the plausible start dates the estimate ranges from "
                f"{fmt_pct(b.get('percent_min'))} to {fmt_pct(b.get('percent_max'))} and the "
                f"p-value from {fmt_p(b.get('p_value_min'))} to {fmt_p(b.get('p_value_max'))}.")

    # -- report ----------------------------------------------------------------------------
    def _sentences(self, context: Context) -> list:
        b, m = self.bounds, self.methods.set_index("method")
        out = [text(f"Across the {len(self.treated_areas)} areas that started "
                    f"{context.scheme}, the outcome after the start was on average {{c}} the "
                    f"estimate without it ({100 * (1 - self.alpha):.0f}% confidence interval: "
                    "{lo} to {hi}; randomization p = {p}).",
                    c=Value(self.percent_change, "pct_dir", "below|above"),
                    lo=Value(self.percent_ci_low, "pct"),
                    hi=Value(self.percent_ci_high, "pct"), p=Value(self.p_value, "p"))]
        if "sdid" in m.index:
            s = m.loc["sdid"]
            out.append(text("Synthetic difference-in-differences gives {c} (randomization "
                            "p = {p}).", c=Value(float(s["estimate_percent"]), "pct"),
                            p=Value(float(s["p_value"]), "p")))
        of = "" if b["all_enumerated"] else f" (a sample of the {b['n_combinations']})"
        out.append(text(f"Over {b['n_evaluated']} combinations of plausible start dates{of}"
                        ", the estimate ranges from {lo} to {hi} and the p-value from {plo} to "
                        "{phi}; it is below 5% in {share} of them.",
                        lo=Value(b["percent_min"], "pct"),
                        hi=Value(b["percent_max"], "pct"),
                        plo=Value(b["p_value_min"], "p"), phi=Value(b["p_value_max"], "p"),
                        share=Value(b["share_significant"], "pct_unsigned")))
        if len(self.leave_one_out):
            lo = self.leave_one_out
            k = int(np.argmax(np.abs(lo["estimate"] - self.estimate)))
            out.append(text("Leaving out one area at a time, the estimate ranges from {lo} to "
                            f"{{hi}}; it moves most without {lo['area'].iloc[k]}.",
                            lo=Value(float(lo["percent_change"].min()), "pct"),
                            hi=Value(float(lo["percent_change"].max()), "pct")))
        return out

    def _checks(self) -> list[Check]:
        from ..interpret import verdict

        out = []
        pre = self.effects[self.effects["event_time"] < 0]
        if len(pre):
            worst = float(pre["p_value"].min())
            out.append(Check("Before the start (event study leads)",
                             "green" if worst > self.alpha else "amber",
                             f"Smallest randomization p-value of the {len(pre)} years before "
                             f"the start: {fmt_p(worst)}."))
        b = self.bounds
        mine = verdict(self.estimate, self.ci_low, self.ci_high, self.p_value, self.alpha)
        sig = self.p_value <= self.alpha
        agree = b["share_significant"] in ((1.0,) if sig else (0.0,))
        out.append(Check("Uncertain start dates", "green" if agree else "amber",
                         f"Significant in {100 * b['share_significant']:.0f}% of the start-date "
                         f"combinations (the headline is '{mine}')."))
        if len(self.leave_one_out):
            flips = int(np.sum((self.leave_one_out["p_value"] <= self.alpha) != sig))
            out.append(Check("Leave one area out", "green" if flips == 0 else "amber",
                             f"The conclusion changes when {flips} of the "
                             f"{len(self.leave_one_out)} areas is left out."))
        m = self.methods.set_index("method")
        if "sdid" in m.index:
            same = np.sign(m.loc["sdid", "estimate"]) == np.sign(self.estimate)
            out.append(Check("Agreement between methods", "green" if same else "amber",
                             f"Synthetic DiD {fmt_pct(m.loc['sdid', 'estimate_percent'])}, "
                             f"Callaway-Sant'Anna {fmt_pct(self.percent_change)}."))
        return out

    def report_content(self, context: Context | None = None) -> Section:
        from ..interpret import explain_verdict
        from ..plotting import pooled as pp

        context = context or Context()
        v = explain_verdict(self.percent_change, self.percent_ci_low, self.percent_ci_high,
                            self.p_value, self.alpha,
                            min_p_value=self.diagnostics.get("min_p_value"), scale="pct",
                            what="the average change", unit_word="areas")
        pct = {c: "pct" for c in ("estimate_percent", "ci_low_percent", "ci_high_percent",
                                  "percent_change", "percent_ci_low", "percent_ci_high",
                                  "percent_min", "percent_max")}
        pk = {c: "p" for c in ("p_value", "p_value_min", "p_value_max")}
        t_m = Table("Methods", self.methods[["label", "estimate_percent", "ci_low_percent",
                                             "ci_high_percent", "p_value", "reps"]],
                    labels={"label": "Method", "estimate_percent": "Average change",
                            "ci_low_percent": "Lower limit", "ci_high_percent": "Upper limit",
                            "p_value": "p-value", "reps": "Reassignments"},
                    kinds=pct | pk | {"reps": "int"}, appendix=False, name="methods")
        ev = self.effects[["event_time", "percent_change", "percent_ci_low", "percent_ci_high",
                           "p_value"]]
        t_e = Table("By years since the start", ev, kinds=pct | pk | {"event_time": "int"},
                    labels={"event_time": "Years since the start", "percent_change": "Change",
                            "percent_ci_low": "Lower limit", "percent_ci_high": "Upper limit",
                            "p_value": "p-value"}, name="event_study")
        t_l = Table("Leave one area out", self.leave_one_out.drop(
            columns=[c for c in ("estimate", "sdid_estimate") if c in self.leave_one_out]),
            kinds=pct | pk, labels={"area": "Area left out", "start": "Its start",
                                    "percent_change": "Average change", "p_value": "p-value"},
            name="leave_one_out")
        t_s = Table("Start years: plausible choices, graded evidence, and how the estimate "
                    "moves", self.start_years, kinds=pct | pk,
                    labels={"area": "Area", "plausible_years": "Plausible first years",
                            "primary": "Used", "n_events": "Events", "events": "Evidence",
                            "percent_min": "Change (lowest)", "percent_max": "Change (highest)",
                            "p_value_min": "p (lowest)", "p_value_max": "p (highest)"},
                    name="start_years")
        figs = (Figure("Change by years since the start (event study)", Table("event", ev),
                       pp.draw_event, name="event_study"),
                Figure("Leave one area out", Table("loo", self.leave_one_out), pp.draw_loo,
                       name="leave_one_out"),
                Figure("The estimate over plausible start dates",
                       Table("combinations", self.combinations[["percent_change",
                                                                "p_value"]]),
                       pp.draw_start_dates, name="start_dates"))
        can = [text("Averaged over the areas that ran {s}, the data are consistent with changes "
                    "from {lo} to {hi} compared with no scheme.".replace("{s}", context.scheme),
                    lo=Value(self.percent_ci_low, "pct"), hi=Value(self.percent_ci_high, "pct"))]
        return Section(
            title=f"Did {context.scheme} reduce the outcome where it ran? (all areas pooled)",
            verdict=v, summary=tuple(self._sentences(context)), can_say=tuple(can),
            how_sure=(text(f"Uncertainty: {self.inference}."),) + tuple(
                text(f"Assumption: {a}") for a in ASSUMPTIONS),
            cannot_say=(text("Which areas' schemes worked: the estimate is an average over "
                             "areas."),
                        text("That areas without a known scheme had none: the start-date table "
                             "cannot list every local initiative.")),
            checks=tuple(self._checks()),
            included=(text(f"Areas with a scheme ({len(self.treated_areas)}): "
                           f"{', '.join(map(str, self.treated_areas))}."),
                      text(f"Comparison areas ({len(self.comparison_areas)}): "
                           f"{', '.join(map(str, self.comparison_areas))}."))
            + ((text(f"Left out (schemes before the data): "
                     f"{', '.join(map(str, self.dropped_areas))}."),)
               if self.dropped_areas else ()),
            tables=(t_m, t_e, t_l, t_s), figures=figs, spec=dict(self.spec),
            headline_numbers={"percent_change": Value(self.percent_change, "pct"),
                              "percent_ci_low": Value(self.percent_ci_low, "pct"),
                              "percent_ci_high": Value(self.percent_ci_high, "pct"),
                              "p_value": Value(self.p_value, "p")})
