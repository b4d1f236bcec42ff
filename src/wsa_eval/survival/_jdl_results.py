"""Result objects for the proven-reoffending cohort, competing risks, comparison groups and
Justice Data Lab style effects (frozen; see :mod:`wsa_eval.results`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..content import Check, Context, Count, Figure, Section, Table, Text, Value, Verdict
from ..interpret import INCONCLUSIVE, fmt_number
from ..results import EffectResult, Result, result_dataclass
from ._report_curves import cif_section, gray_section
from ._report_groups import (
    balance_section,
    match_section,
    propensity_section,
    proven_section,
    weight_section,
)
from ._report_models import fine_gray_section

__all__ = [
    "CumulativeIncidenceResult",
    "GrayTestResult",
    "FineGrayResult",
    "ProvenReoffendingResult",
    "PropensityResult",
    "MatchResult",
    "WeightResult",
    "BalanceResult",
    "ReoffendingEffectsResult",
]


# ------------------------------------------------------------------------------------------
# competing risks
# ------------------------------------------------------------------------------------------
@result_dataclass
class GrayTestResult(Result):
    """Gray's K-sample test: ``statistic`` (chi-square, ``df``) and ``p_value``; ``counts``:
    people (``n``) and events of interest (``n_events``) by ``group``."""

    statistic: float
    df: int
    p_value: float
    groups: list = field(default_factory=list)
    rho: float = 0.0
    event_of_interest: Any = 1
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"event_of_interest": [self.event_of_interest],
                             "statistic": [self.statistic], "df": [self.df],
                             "p_value": [self.p_value], "rho": [self.rho]})

    def report_content(self, context: Context | None = None) -> Section:
        """The test's reading and the people and events by group (declared counts)."""
        return gray_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method), ("Groups", ", ".join(map(str, self.groups))),
                ("Chi-square", self.statistic), ("df", self.df), ("p-value", self.p_value)]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return []

    def interpret(self) -> str:
        p = self.p_value
        if p < 0.05:
            return (f"Gray's test: the cumulative incidence of event {self.event_of_interest} "
                    f"differs between the groups (chi-square {self.statistic:.2f} on {self.df} "
                    f"df, p = {p:.3g}).")
        return (f"Gray's test: {INCONCLUSIVE} about a difference between the groups in the "
                f"cumulative incidence of event {self.event_of_interest} (chi-square "
                f"{self.statistic:.2f} on {self.df} df, p = {p:.3g}).")


@result_dataclass
class CumulativeIncidenceResult(Result):
    """Cumulative incidence curves (one per group) and, with groups, Gray's test.

    ``table``: ``group, time, estimate, std_error, ci_low, ci_high, n_at_risk, n_events``.
    """

    table: pd.DataFrame
    gray: Mapping[str, Any] | None = None
    event_of_interest: Any = 1
    alpha: float = 0.05
    group_column: str | None = None
    time_column: str = "time"

    _plot_kinds: ClassVar[dict[str, str]] = {
        "cif": "wsa_eval.plotting.competing:cif_plot"}
    _default_plot: ClassVar[str | None] = "cif"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def at(self, time: float) -> pd.DataFrame:
        """Estimates at ``time`` (the step function's value: last jump at or before it)."""
        rows = []
        for _g, d in self.table.groupby("group", sort=False):
            i = int(np.searchsorted(d["time"].to_numpy(), time, side="right")) - 1
            r = d.iloc[max(i, 0)].copy()
            r["time"] = time
            rows.append(r)
        return pd.DataFrame(rows).reset_index(drop=True)

    def report_content(self, context: Context | None = None) -> Section:
        """Cumulative incidence by group (sentences withheld with a small group's
        counts), the curve table with numbers at risk merged until enough people have left,
        and the curves drawn from it; Gray's test."""
        return cif_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        h = [("Method", self.method), ("Event of interest", self.event_of_interest),
             ("Groups", self.table["group"].nunique())]
        if self.gray is not None:
            h += [("Gray's test chi-square", self.gray["statistic"]),
                  ("Gray's test df", self.gray["df"]), ("Gray's test p-value",
                                                         self.gray["p_value"])]
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        last = self.table.groupby("group", sort=False).tail(1)
        return [("Cumulative incidence at the last event time of each group", last)]

    def interpret(self) -> str:
        last = self.table.groupby("group", sort=False).tail(1)
        level = f"{100 * (1 - self.alpha):.0f}%"
        parts = []
        for _, r in last.iterrows():
            parts.append(
                f"group {r['group']}: {100 * r['estimate']:.1f}% had event "
                f"{self.event_of_interest} by time {fmt_number(r['time'])} ({level} CI "
                f"{100 * r['ci_low']:.1f}% to {100 * r['ci_high']:.1f}%)")
        text = "Cumulative incidence, allowing for competing events: " + "; ".join(parts) + "."
        if self.gray is not None:
            p = self.gray["p_value"]
            text += (" Gray's test: " + ("evidence of a difference between groups"
                                         if p < 0.05 else INCONCLUSIVE)
                     + f" (p = {p:.3g}).")
        return text


@result_dataclass
class FineGrayResult(Result):
    """Fine-Gray model: ``effects`` (tidy; log subdistribution hazard ratios), ``params``,
    ``cov`` (robust sandwich), ``loglik``, ``information``."""

    effects: pd.DataFrame
    params: pd.Series
    cov: pd.DataFrame
    loglik: float
    n_obs: int
    n_events: int
    n_competing: int
    converged: bool
    n_iter: int
    alpha: float = 0.05
    event_of_interest: Any = 1
    information: pd.DataFrame | None = None

    _plot_kinds: ClassVar[dict[str, str]] = {"effects": "wsa_eval.plotting:effects_plot"}
    _default_plot: ClassVar[str | None] = "effects"

    def to_frame(self) -> pd.DataFrame:
        return self.effects.copy()

    @property
    def se(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    def report_content(self, context: Context | None = None) -> Section:
        """Subdistribution hazard ratios (table, figure, a verdict with one
        covariate) and the people by outcome (declared counts with their total)."""
        return fine_gray_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method), ("Event of interest", self.event_of_interest),
                ("Observations", self.n_obs), ("Events of interest", self.n_events),
                ("Competing events", self.n_competing), ("Pseudo log-likelihood", self.loglik),
                ("Converged", self.converged), ("Std. errors", "robust (Fine & Gray sandwich)")]

    def interpret(self) -> str:
        level = f"{100 * (1 - self.alpha):.0f}%"
        parts = []
        for _, r in self.effects.iterrows():
            if r["ci_low"] > 0:
                v = "evidence of a higher cumulative incidence"
            elif r["ci_high"] < 0:
                v = "evidence of a lower cumulative incidence"
            else:
                v = INCONCLUSIVE
            parts.append(f"{r['term']}: subdistribution hazard ratio {r['shr']:.3g} ({level} CI "
                         f"{r['shr_ci_low']:.3g} to {r['shr_ci_high']:.3g}), {v}")
        return "Fine-Gray model. " + "; ".join(parts) + "."


# ------------------------------------------------------------------------------------------
# proven reoffending cohort
# ------------------------------------------------------------------------------------------
@result_dataclass
class ProvenReoffendingResult(Result):
    """Per-person proven-reoffending measures and the cohort summary.

    ``persons``: one row per index event with ``person``, ``index_date``, ``reoffended``
    (0/1), ``n_reoffences``, ``days_to_first``, ``event``, ``time``, ``n_censored``
    (``1 - event``), ``follow_up_complete`` (plus any carried columns). ``measures``: the
    headline measures. ``dropped``: rows removed from the input, with a ``reason``.
    """

    persons: pd.DataFrame
    measures: pd.DataFrame
    dropped: pd.DataFrame
    follow_up_days: int = 365
    waiting_days: int = 183

    _plot_kinds: ClassVar[dict[str, str]] = {}
    _default_plot: ClassVar[str | None] = None

    def to_frame(self) -> pd.DataFrame:
        return self.persons.copy()

    def measure(self, name: str) -> float:
        m = self.measures.set_index("measure")["value"]
        return float(m[name])

    def report_content(self, context: Context | None = None) -> Section:
        """The cohort's measures with every count declared and every rate withheld
        with the counts it rests on; records dropped by reason (never person ids)."""
        return proven_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method), ("Follow-up (days)", self.follow_up_days),
                ("Waiting period (days)", self.waiting_days),
                ("Rows dropped", self.dropped.shape[0])]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        t = [("Proven reoffending measures", self.measures)]
        if self.dropped.shape[0]:
            t.append(("Rows dropped, by reason",
                      self.dropped.groupby(["table", "reason"]).size()
                      .rename("rows").reset_index()))
        return t

    def interpret(self) -> str:
        m = self.measures.set_index("measure")["value"]
        n = int(m["cohort_size_complete"])
        rate = 100 * m["proven_reoffending_rate"]
        return (
            f"Of {n} people whose one-year follow-up and waiting period were complete, "
            f"{rate:.1f}% had a proven reoffence (an offence committed within "
            f"{self.follow_up_days} days of the index date and proven by caution or conviction "
            f"within that time or a further {self.waiting_days} days). They committed "
            f"{m['reoffences_per_offender']:.2f} proven reoffences per person, and "
            f"{m['reoffences_per_reoffender']:.2f} per person who reoffended."
            + (f" {self.dropped.shape[0]} input row(s) were dropped; see .dropped."
               if self.dropped.shape[0] else "")
        )


# ------------------------------------------------------------------------------------------
# comparison groups
# ------------------------------------------------------------------------------------------
@result_dataclass
class PropensityResult(Result):
    """Fitted propensity scores: ``scores`` (Series aligned to the input rows), ``params``;
    ``treatment_values``: the 0/1 treatment column, aligned to the same rows."""

    scores: pd.Series
    params: pd.Series
    treatment: str
    covariates: tuple[str, ...]
    converged: bool = True
    treatment_values: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))

    @property
    def logit(self) -> pd.Series:
        p = self.scores.clip(1e-12, 1 - 1e-12)
        return np.log(p / (1 - p))

    def report_content(self, context: Context | None = None) -> Section:
        """Scores by group (people per tenth of the score, withheld when small),
        an overlap check and the model's coefficients."""
        return propensity_section(self, context or Context())

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"term": self.params.index, "estimate": self.params.to_numpy()})


@result_dataclass
class MatchResult(Result):
    """Nearest-neighbour matches: ``pairs`` (treated row, control row, distance),
    ``data`` (matched sample, with a ``match_weight`` column) and the unmatched treated.
    ``with_replacement`` says whether a comparison person could be matched more than once
    (the field was called ``replace``, which hid the ``Result.replace`` method)."""

    pairs: pd.DataFrame
    data: pd.DataFrame
    unmatched: pd.DataFrame
    caliper: float | None
    ratio: int
    with_replacement: bool
    n_treated: int
    n_matched_treated: int

    def to_frame(self) -> pd.DataFrame:
        return self.data.copy()

    @property
    def weights(self) -> pd.Series:
        """Matching weights aligned to the input rows (0 for unmatched)."""
        return self.data["match_weight"]

    def report_content(self, context: Context | None = None) -> Section:
        """People matched and left out in each group (declared counts) and a check."""
        return match_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method), ("Caliper (SD of logit PS)", self.caliper),
                ("Ratio", self.ratio), ("With replacement", self.with_replacement),
                ("Treated", self.n_treated), ("Treated matched", self.n_matched_treated)]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return []

    def interpret(self) -> str:
        text = (f"{self.n_matched_treated} of {self.n_treated} treated people were matched to "
                f"{'up to ' if self.ratio > 1 else ''}{self.ratio} comparison "
                f"{'people' if self.ratio > 1 else 'person'} each"
                + (f" within {self.caliper} standard deviations of the logit propensity score"
                   if self.caliper is not None else "") + ".")
        if self.n_matched_treated < self.n_treated:
            text += (" Unmatched treated people are left out, so results describe those who "
                     "could be matched.")
        return text + " Check balance with balance(..., matched=result)."


@result_dataclass
class WeightResult(Result):
    """Inverse-probability weights (``weights``, aligned to the input rows) and scores."""

    weights: pd.Series
    scores: pd.Series
    estimand: str
    trim: Any = None
    effective_n: Mapping[str, float] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"propensity": self.scores, "weight": self.weights})

    def report_content(self, context: Context | None = None) -> Section:
        """Weights by group (statistics withheld with a small group) and the
        effective size of the comparison group."""
        return weight_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method), ("Estimand", self.estimand), ("Trim", self.trim)] + [
            (f"Effective n ({k})", v) for k, v in self.effective_n.items()]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        tab = self.diagnostics.get("weight_summary")
        return [("Weights by group", tab)] if tab is not None else []

    def interpret(self) -> str:
        ess = self.effective_n
        return (f"Inverse probability weights for the {self.estimand}. The weighted comparison "
                f"group is worth about {ess.get('comparison', float('nan')):.0f} people "
                "(effective sample size); a value far below the number of comparison people "
                "means a few heavily weighted people drive the comparison.")


@result_dataclass
class BalanceResult(Result):
    """Standardised mean differences before and after adjustment (``table``), and the numbers
    of people compared (``n_treated``, ``n_comparison``; after adjustment, those with a
    positive weight: ``n_treated_adjusted``, ``n_comparison_adjusted``)."""

    table: pd.DataFrame
    threshold: float = 0.1
    n_treated: int | None = None
    n_comparison: int | None = None
    n_treated_adjusted: int | None = None
    n_comparison_adjusted: int | None = None

    _plot_kinds: ClassVar[dict[str, str]] = {"love": "wsa_eval.plotting.balance:love_plot"}
    _default_plot: ClassVar[str | None] = "love"

    def report_content(self, context: Context | None = None) -> Section:
        """The balance table (group means and differences withheld with a small
        group), the people compared, a Love plot and the balance check."""
        return balance_section(self, context or Context())

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def balanced(self) -> bool:
        col = "smd_adjusted" if "smd_adjusted" in self.table else "smd_unadjusted"
        return bool((self.table[col].abs() <= self.threshold).all())

    def interpret(self) -> str:
        col = "smd_adjusted" if "smd_adjusted" in self.table else "smd_unadjusted"
        bad = self.table.loc[self.table[col].abs() > self.threshold, "covariate"].tolist()
        when = "after adjustment" if col == "smd_adjusted" else "before adjustment"
        if not bad:
            return (f"All covariates are balanced {when}: every standardised mean difference "
                    f"is within +/-{self.threshold}.")
        return (f"{len(bad)} covariate(s) are not balanced {when} (standardised mean "
                f"difference beyond +/-{self.threshold}): {', '.join(map(str, bad))}. The "
                "groups still differ on these, so a difference in outcomes may reflect them "
                "rather than the scheme.")


# ------------------------------------------------------------------------------------------
# JDL-style effects
# ------------------------------------------------------------------------------------------
@result_dataclass
class ReoffendingEffectsResult(EffectResult):
    """Effects on the proven-reoffending measures (one row per measure in ``effects``).

    The headline (``estimate`` etc.) is the difference in the one-year proven reoffending
    rate, in percentage points. ``effects`` has one row per measure with the treated and
    comparison group values in extra columns; ``statements`` holds the JDL-style sentences.
    """

    statements: tuple[str, ...] = ()
    n_comparison: int | None = None
    population: str = "people"

    _plot_kinds: ClassVar[dict[str, str]] = {"effects": "wsa_eval.plotting:effects_plot"}
    _default_plot: ClassVar[str | None] = "effects"

    def interpret(self) -> str:
        return " ".join(self.statements + tuple(f"Warning: {w}" for w in self.warnings))

    def _summary_footer(self) -> list[str]:
        return list(self.statements) + super()._summary_footer()

    def _people_behind(self) -> tuple[pd.DataFrame, tuple]:
        """The effects table with the (hidden) numbers of people behind each rate, and the
        counts the sentences rest on."""
        eff = self.effects
        pct = eff["unit"].eq("percentage points").to_numpy()
        n_t = eff["n_treated"].to_numpy(float)
        n_c = eff["n_comparison"].to_numpy(float)
        k_t = np.where(pct, np.round(eff["treated_value"].to_numpy(float) / 100 * n_t), np.nan)
        k_c = np.where(pct, np.round(eff["comparison_value"].to_numpy(float) / 100 * n_c),
                       np.nan)
        frame = eff.assign(people_treated=k_t, people_comparison=k_c)
        # every measure's groups, and the people with and without a reoffence in them (the
        # Kaplan-Meier measures count people whose follow-up was cut short too)
        rests = tuple(Count(float(x)) for x in np.r_[n_t, n_c, k_t, n_t - k_t, k_c, n_c - k_c]
                      if np.isfinite(x))
        return frame, rests

    def report_content(self, context: Context | None = None) -> Section:
        """The JDL-style comparison: every rate is withheld with the counts it rests on."""
        from ..interpret import explain_verdict

        context = context or Context()
        frame, rests = self._people_behind()
        both = ("people_treated", "people_comparison")
        own = ("n_treated_own", "n_comparison_own")  # copies withheld only when small
        frame = frame.assign(n_treated_own=frame["n_treated"],
                             n_comparison_own=frame["n_comparison"])
        table = Table(
            self.method, frame[["term", "treated_value", "comparison_value", "estimate",
                                "ci_low", "ci_high", "p_value", "unit", "verdict", "n_treated",
                                "n_comparison", *both, *own]],
            counts={c: self.population for c in ("n_treated", "n_comparison", *both, *own)},
            shares={"people_treated": "n_treated_own",
                    "people_comparison": "n_comparison_own"},
            # a value is withheld with the counts it rests on: its group (a mean of fewer
            # than 5 people describes them) and the people with and without a reoffence in
            # it; a difference rests on both groups. A group's rate is withheld with the
            # other group too: everyone is counted elsewhere, and a rate of a group whose
            # size is withheld can give the size away (42.3% is 11 of 26)
            reveals={"treated_value": ("people_treated", *own),
                     "comparison_value": ("people_comparison", *own),
                     **{c: (*both, *own) for c in ("estimate", "ci_low", "ci_high",
                                                   "p_value")},
                     # everyone is counted elsewhere: one small group withholds the other's
                     # number (not its values)
                     "n_treated": "n_comparison_own", "n_comparison": "n_treated_own"},
            hidden=(*both, *own), name="reoffending",
            labels={"term": "Measure", "treated_value": "Supported group",
                    "comparison_value": "Comparison group", "estimate": "Difference",
                    "unit": "Unit", "verdict": "Verdict", "n_treated": "Supported people",
                    "n_comparison": "Comparison people"})
        withheld = ("These results are not shown: they rest on fewer people than the "
                    "disclosure threshold in one of the groups.")
        r0 = self.effects.iloc[0]
        v = explain_verdict(self.estimate, self.ci_low, self.ci_high, self.p_value, self.alpha,
                            scale="num", what="the difference in the reoffending rate")
        v = Verdict(str(r0["verdict"]), Text(str(v.reason), reveals=rests, fallback=withheld),
                    v.code)
        n_t = Count(float(self.n_treated or 0), self.population)
        n_c = Count(float(self.n_comparison or 0), self.population)
        small = (self.n_treated or 0) < 60
        checks = [Check("Size of the supported group", "red" if small else "green",
                        Text("{n} " + self.population + " received support with complete "
                             "follow-up" + ("; the Justice Data Lab needs at least 60 for a "
                                            "reliable comparison, so treat the results as "
                                            "indicative only." if small else "."),
                             {"n": n_t}))]
        checks += [Check(f"{self.method}: warning", "amber", w) for w in self.warnings]
        from ..plotting.survival import draw_differences

        return Section(
            title=self.method, verdict=v,
            summary=tuple(Text(s, reveals=rests, fallback=None) for s in self.statements)
            or (withheld,),
            how_sure=(Text("Uncertainty: " + self.inference + ".", reveals=rests),),
            checks=tuple(checks),
            included=(Text("{n} supported " + self.population + " and {m} comparison "
                           + self.population + " with complete follow-up.",
                           {"n": n_t, "m": n_c}, reveals=(n_t, n_c),
                           fallback="The numbers of supported and comparison "
                                    + self.population + " are withheld (disclosure "
                                    "control)."),),
            tables=(table,),
            figures=(Figure("Difference in the proportion with a proven reoffence between the "
                            "supported and comparison groups (percentage points, "
                            f"{100 * (1 - self.alpha):.0f}% confidence intervals)", table,
                            draw_differences, name="reoffending", size=(7.0, 2.6)),),
            spec=dict(self.spec),
            headline_numbers={"n_treated": n_t,
                              "n_comparison": Value(n_c.value, "int", reveals=(n_t, n_c)),
                              "estimate": Value(self.estimate, "num", reveals=rests),
                              "ci_low": Value(self.ci_low, "num", reveals=rests),
                              "ci_high": Value(self.ci_high, "num", reveals=rests)})


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x
