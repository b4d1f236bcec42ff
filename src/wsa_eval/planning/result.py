"""What :func:`wsa_eval.plan_evaluation` returns, and what its report shows."""

from __future__ import annotations

import math
from dataclasses import field
from functools import partial
from typing import Any, ClassVar

import pandas as pd

from .._format import fmt_pct
from ..content import Check, Context, Figure, Section, Table, Value, text
from ..results import Result, result_dataclass

__all__ = ["PlanResult", "STATISTIC_WORDS"]

_METHOD_WORDS = {"sdid": "synthetic difference-in-differences", "sc": "synthetic control",
                 "did": "difference-in-differences"}
STATISTIC_WORDS = {"end": "effect in the end year", "average": "average effect after the start"}


def _pct0(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{100 * abs(x):.0f}%"


@result_dataclass
class PlanResult(Result):
    """How large an effect a claim check could detect (see :func:`plan_evaluation`).

    Attributes
    ----------
    mde : float
        Minimum detectable effect at ``target_power``: the smallest reduction (a proportional
        change, e.g. ``-0.45``) that the check reports as "evidence of a reduction" in at
        least ``target_power`` of the comparison areas given the scheme in turn. NaN when no
        reduction up to 100% reaches that power.
    mde_half : float
        The same at 50% power: smaller reductions would more often be missed than found.
    power : DataFrame
        ``effect`` (a reduction, -0.1 ... -0.6), ``power``, ``n_detected``, ``n_areas``.
    horizons : DataFrame
        ``years_after_start``, ``end``, ``n_comparison``, ``mde``, ``mde_half``,
        ``power_30`` (power against a 30% reduction) for evaluations ending 1, 2, ...
        years after the start.
    pools : DataFrame
        The same for the comparison pool without the excluded areas and with all areas.
    power_curve : DataFrame
        ``design``, ``effect``, ``power`` on a fine grid, for each design (the plot).
    areas : DataFrame
        Per comparison area given the scheme: its placebo effect and the reduction beyond
        which it would be detected (``detected_below``).
    estimator, statistic : the claim check's estimator and statistic planned for.
    design_start, design_end, shifted : the placebo design's window (moved back when the
        data do not yet reach the planned end).
    """

    treated: Any
    start: Any
    end: Any
    estimator: str = "sdid"
    statistic: str = "end"
    alpha: float = 0.05
    target_power: float = 0.8
    mde: float = math.nan
    mde_half: float = math.nan
    power: pd.DataFrame = field(default_factory=pd.DataFrame)
    horizons: pd.DataFrame = field(default_factory=pd.DataFrame)
    pools: pd.DataFrame = field(default_factory=pd.DataFrame)
    power_curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_comparison: int = 0
    n_post: int = 0
    n_pre: int = 0
    design_start: Any = None
    design_end: Any = None
    shifted: bool = False
    excluded: tuple = ()
    comparison: tuple = ()

    _plot_kinds: ClassVar[dict[str, str]] = {
        "power": "wsa_eval.plotting.planning:power_plot",
        "horizons": "wsa_eval.plotting.planning:horizons_plot",
    }
    _default_plot: ClassVar[str | None] = "power"

    # -- words ---------------------------------------------------------------------------
    @property
    def statistic_words(self) -> str:
        """Which statistic was planned for, in words (the claim check's, by default)."""
        how = ("the claim check's verdict rule: the placebo-standard-error interval excludes "
               f"zero and the permutation p-value is at most {self.alpha:g}")
        return (f"the {_METHOD_WORDS[self.estimator]} {STATISTIC_WORDS[self.statistic]}"
                f"{f' ({self.end})' if self.statistic == 'end' else ''}, with {how}")

    @property
    def sentence(self) -> str:
        """The plan in one plain-English sentence."""
        n, h = self.n_comparison, self.n_post
        years = f"{h} year{'s' if h != 1 else ''} after the start"
        if not math.isfinite(self.mde):
            return (f"With {n} comparison areas and {years}, even a very large reduction would "
                    f"not be detected {100 * self.target_power:.0f}% of the time: this "
                    "evaluation cannot give evidence on its own.")
        out = (f"With {n} comparison areas and {years}, a reduction of about "
               f"{_pct0(self.mde)} or more would be detected {100 * self.target_power:.0f}% of "
               "the time")
        if math.isfinite(self.mde_half):
            out += (f"; a reduction smaller than about {_pct0(self.mde_half)} would usually be "
                    "missed")
        return out + "."

    def to_frame(self) -> pd.DataFrame:
        """Power against each reduction in the grid (10% to 60%)."""
        return self.power

    def _repr_parts(self) -> list[str]:
        return [f"{self.treated} from {self.start}", f"mde {fmt_pct(self.mde)}",
                f"{self.n_comparison} comparison areas", f"{self.n_post} years after"]

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Area", self.treated), ("Start", self.start), ("End", self.end),
                ("Planned for", self.statistic_words),
                ("Comparison areas", self.n_comparison), ("Years before the start", self.n_pre),
                ("Years after the start", self.n_post),
                (f"Minimum detectable effect ({100 * self.target_power:.0f}% power)",
                 fmt_pct(self.mde)),
                ("Detected half the time", fmt_pct(self.mde_half))]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Power against reductions", self.power),
                ("With more years after the start", self.horizons),
                ("With a larger comparison pool", self.pools)]

    def _summary_footer(self) -> list[str]:
        out = [self.sentence]
        if self.shifted:
            out.append(f"The data do not reach {self.end} yet: the design uses "
                       f"{self.design_start}-{self.design_end} as the {self.n_post} years after "
                       "the start.")
        return out + list(self.warnings)

    def interpret(self) -> str:
        return f"{self.sentence} Planned for {self.statistic_words}."

    # -- report ----------------------------------------------------------------------------
    def report_content(self, context: Context | None = None) -> Section:
        """Sentences, the power table, the horizons and pools tables and the power curve."""
        from ..plotting import planning as pp

        context = context or Context()
        pct = {"effect": "pct", "power": "pct", "mde": "pct", "mde_half": "pct",
               "power_30": "pct"}
        t_power = Table("Power against reductions of 10% to 60%", self.power,
                        labels={"effect": "True change", "power": "Chance of detecting it",
                                "n_detected": "Areas where detected", "n_areas": "Areas tried"},
                        kinds=pct, appendix=False, name="power")
        t_hor = Table("With more years after the start", self.horizons,
                      labels={"years_after_start": "Years after the start",
                              "end": "Last year", "n_comparison": "Comparison areas",
                              "mde": f"Detectable ({100 * self.target_power:.0f}% of the time)",
                              "mde_half": "Detectable half the time",
                              "power_30": "Chance of detecting a 30% reduction"},
                      kinds=pct | {"end": "text"}, name="horizons")
        t_pool = Table("With a larger comparison pool", self.pools,
                       labels={"pool": "Comparison pool", "n_comparison": "Comparison areas",
                               "mde": f"Detectable ({100 * self.target_power:.0f}% of the "
                                      "time)",
                               "mde_half": "Detectable half the time",
                               "power_30": "Chance of detecting a 30% reduction"},
                       kinds=pct, name="pools")
        figs = (Figure("Chance that the check reports a reduction, by the size of the true "
                       "reduction", Table("power curve", self.power_curve),
                       partial(pp.draw_power, target=self.target_power), name="power_curve"),
                Figure("Smallest reduction detected, by years after the start",
                       Table("horizons", self.horizons), pp.draw_horizons, name="horizons"))
        how = [text(f"Each of the {self.n_comparison} comparison areas in turn was given "
                    f"{context.scheme} on paper from {self.start}, a known reduction was added "
                    "to its numbers from then on, and the claim check was applied with the "
                    "other areas as comparisons. The planner is for "
                    f"{self.statistic_words}.")]
        if self.shifted:
            how.append(text(f"The data do not reach {self.end} yet, so the design uses "
                            f"{self.design_start}-{self.design_end} as the {self.n_post} years "
                            "after the start."))
        checks = [Check("Smallest attainable p-value",
                        "green" if 1 / self.n_comparison <= self.alpha / 2 else (
                            "amber" if 1 / self.n_comparison <= self.alpha else "red"),
                        f"Each area tried has {self.n_comparison - 1} placebos: the smallest "
                        f"p-value is 1/{self.n_comparison}.")]
        summary = [text(self.sentence)]
        if len(self.pools) > 1:
            big = self.pools.iloc[-1]
            summary.append(text(f"With all {int(big['n_comparison'])} other areas as "
                                "comparisons the detectable reduction would be about {m}.",
                                m=Value(float(-abs(big["mde"])), "pct_unsigned")))
        can = [text(f"An evaluation of {self.treated} from {self.start} to {self.end} can "
                    "expect to detect only reductions of about {m} or more; smaller effects "
                    "would usually be reported as inconclusive.",
                    m=Value(self.mde_half, "pct_unsigned"))] if math.isfinite(self.mde_half) \
            else []
        return Section(
            title=f"Planning: what could an evaluation of {self.treated} detect?",
            summary=tuple(summary), can_say=tuple(can), how_sure=tuple(how), checks=tuple(checks),
            tables=(t_power, t_hor, t_pool), figures=figs, spec=dict(self.spec),
            header={"Area": self.treated, "Start": self.start, "End": self.end},
            headline_numbers={"mde": Value(self.mde, "pct"),
                              "mde_half": Value(self.mde_half, "pct")})
