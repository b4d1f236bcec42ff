"""Result objects of the core survival functions (Kaplan-Meier, log-rank, Cox, PH test, RMST)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..content import Context, Section
from ..errors import SpecificationError
from ..interpret import INCONCLUSIVE, fmt_number, verdict
from ..results import EffectResult, Result, result_dataclass
from ._km_core import confidence_limits
from ._report_curves import km_section, logrank_section, rmst_section
from ._report_models import cox_section, ph_section

__all__ = ["KaplanMeierResult", "LogRankResult", "CoxResult", "PHTestResult", "RMSTResult"]

_PLOT = "wsa_eval.plotting.survival"


def _fmt_time(x: float) -> str:
    return "not reached" if (x is None or math.isnan(x)) else fmt_number(float(x))


@result_dataclass
class KaplanMeierResult(Result):
    """Kaplan-Meier curves.

    Attributes
    ----------
    table : DataFrame
        One row per distinct event time (and group): ``group`` (only with a group), ``time``,
        ``n_at_risk``, ``n_entered`` (only with delayed entry: people entering after the
        previous event time), ``n_events``, ``n_censored`` (people censored from this event
        time until the next), ``estimate`` (S(t)), ``std_error`` (Greenwood, of S),
        ``ci_low``, ``ci_high``.
    medians : DataFrame
        Median survival and its interval by group (NaN = not reached), as R ``print.survfit``.
    curves : dict
        The per-group :class:`~wsa_eval.survival.km.KMCurve` objects.
    """

    table: pd.DataFrame
    medians: pd.DataFrame
    curves: Mapping[Any, Any]
    group: str | None = None
    alpha: float = 0.05
    conf_type: str = "log-log"

    _plot_kinds: ClassVar[dict[str, str]] = {"survival": f"{_PLOT}:km_plot"}
    _default_plot: ClassVar[str | None] = "survival"

    def to_frame(self) -> pd.DataFrame:
        """The estimates at each distinct event time (a copy)."""
        return self.table.copy()

    @property
    def groups(self) -> list[Any]:
        return list(self.curves)

    def survival_at(self, times: float | Sequence[float]) -> pd.DataFrame:
        """S(t) with its interval and the number at risk at the given times (step function)."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if np.isnan(t).any() or (t < 0).any():
            raise SpecificationError("times must be non-negative numbers.")
        out = []
        for lev, c in self.curves.items():
            s = c.step(t, c.surv, 1.0)
            v = c.step(t, c.var_log, 0.0)
            lo, hi = confidence_limits(s, v, self.alpha, self.conf_type)
            before = t < c.durations.min()  # before the first follow-up time: R gives 1, 1
            lo[before], hi[before] = 1.0, 1.0
            with np.errstate(invalid="ignore"):
                se = s * np.sqrt(v)
            f = pd.DataFrame({"time": t, "n_at_risk": c.at_risk(t), "estimate": s,
                              "std_error": se, "ci_low": lo, "ci_high": hi})
            if self.group is not None:
                f.insert(0, "group", lev)
            out.append(f)
        return pd.concat(out, ignore_index=True)

    def median(self) -> pd.DataFrame:
        """Median survival time and its interval (NaN where not reached), by group."""
        return self.medians.copy()

    def at_risk(self, times: Sequence[float]) -> pd.DataFrame:
        """Numbers at risk at the given times: rows = groups, columns = times."""
        t = np.asarray(times, dtype=float)
        return pd.DataFrame({lev: c.at_risk(t) for lev, c in self.curves.items()},
                            index=pd.Index(t, name="time")).T

    def report_content(self, context: Context | None = None) -> Section:
        """Medians, the curve table with its counts of people declared (numbers at risk
        merged until enough people have left, as OpenSAFELY's disclosure-safe curves) and
        the curves drawn from it with the numbers at risk under the axis."""
        return km_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        h = [("Curves", ", ".join(map(str, self.curves))),
             ("Confidence intervals", f"{100 * (1 - self.alpha):.0f}%, {self.conf_type}")]
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Median survival (NaN = not reached)", self.medians)]

    def interpret(self) -> str:
        parts = []
        level = f"{100 * (1 - self.alpha):.0f}%"
        for row in self.medians.to_dict("records"):
            name = f"group {row['group']}" if "group" in row else "everyone"
            if math.isnan(row["median"]):
                parts.append(
                    f"For {name} ({int(row['n'])} people, {fmt_number(row['n_events'])} events) "
                    "fewer than half had the event during follow-up, so the median time is "
                    "not reached."
                )
            else:
                parts.append(
                    f"For {name} ({int(row['n'])} people) half had the event by time "
                    f"{_fmt_time(row['median'])} ({level} interval {_fmt_time(row['ci_low'])} "
                    f"to {_fmt_time(row['ci_high'])})."
                )
        parts.append("Curves describe each group; comparing them needs a test (logrank) or a "
                     "model (cox), and a causal reading needs comparable groups.")
        return " ".join(parts)


@result_dataclass
class LogRankResult(Result):
    """Log-rank test (R ``survdiff``, rho = 0), possibly stratified."""

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame
    variance: np.ndarray
    group: str = ""
    strata: Any = None
    alpha: float = 0.05

    def to_frame(self) -> pd.DataFrame:
        """Observed and expected events by group."""
        return self.table.copy()

    def report_content(self, context: Context | None = None) -> Section:
        """The test's reading and the observed and expected events, with the counts of
        people and events declared (their totals are known, so one small count is never
        left alone)."""
        return logrank_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Chi-squared", self.statistic), ("df", self.df), ("p-value", self.p_value),
                ("Stratified by", self.strata or "-")]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Observed and expected events", self.table)]

    def interpret(self) -> str:
        t = self.table
        if self.p_value < self.alpha:
            hi = t.loc[(t["observed"] / t["expected"]).idxmax(), "group"]
            lo = t.loc[(t["observed"] / t["expected"]).idxmin(), "group"]
            head = (f"Evidence that the event rate differs between the groups of {self.group} "
                    f"(p = {self.p_value:.3g}): group {lo} had fewer events than expected "
                    f"under equal hazards and group {hi} more.")
        else:
            head = (f"Log-rank test: {INCONCLUSIVE} (p = {self.p_value:.3g}); the data cannot "
                    f"tell whether the event rate differs between the groups of {self.group}.")
        return head + " The test compares groups; it does not adjust for other differences."


@result_dataclass
class CoxResult(EffectResult):
    """Cox proportional-hazards fit.

    The headline (``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``) is the log
    hazard ratio of the covariate named in ``term``: the ``treatment=`` given to
    :func:`~wsa_eval.survival.cox.cox`, or the only covariate. With several covariates and
    no ``treatment`` there is no headline (``term`` None, the headline values NaN): a
    covariate is never promoted by its position in the list. ``effects`` has every covariate
    with ``hazard_ratio``, ``hr_ci_low`` and ``hr_ci_high`` after the tidy columns.
    ``inference`` says which standard errors were used; ``robust`` is True for (cluster-)
    robust ones, and ``naive_vcov`` always holds the model-based covariance.
    """

    term: str | None = None
    coef: pd.Series = field(default_factory=pd.Series)
    vcov: pd.DataFrame = field(default_factory=pd.DataFrame)
    naive_vcov: pd.DataFrame = field(default_factory=pd.DataFrame)
    loglik: float = math.nan
    loglik_null: float = math.nan
    n_events: float = 0.0
    ties: str = "efron"
    robust: bool = False
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    iterations: int = 0
    converged: bool = True
    concordance: float = math.nan
    covariates: tuple[str, ...] = ()
    fit_data: Any = field(default=None, repr=False)

    _plot_kinds: ClassVar[dict[str, str]] = {"hazard_ratios": f"{_PLOT}:hazard_ratio_plot"}
    _default_plot: ClassVar[str | None] = "hazard_ratios"

    @property
    def hazard_ratios(self) -> pd.Series:
        return np.exp(self.coef)

    def _repr_parts(self) -> list[str]:
        se = "robust SEs" if self.robust else "model-based SEs"
        head = (f"{self.term}: HR {fmt_number(math.exp(self.estimate))}"
                if self.term is not None else "no headline term")
        return [head, se, f"n={self.n_obs}"]

    def report_content(self, context: Context | None = None) -> Section:
        """The verdict on the headline hazard ratio with its reason, the hazard ratios (table
        and figure), the people and events in the model, and checks: proportional hazards
        (Schoenfeld residuals), events per covariate, convergence."""
        return cox_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        h: list[tuple[str, Any]] = [
            ("Standard errors", self.inference),
            ("Headline term", self.term if self.term is not None else
             "none (pass treatment=... to cox)"),
            ("Ties", self.ties),
            ("Observations", self.n_obs),
            ("Events", self.n_events),
            ("Log partial likelihood", self.loglik),
        ]
        if not math.isnan(self.concordance):
            h.append(("Concordance", self.concordance))
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        eff = self.effects
        if self.robust:
            title = "Coefficients (log hazard ratios) with ROBUST standard errors"
            model = np.sqrt(np.diag(self.naive_vcov.to_numpy()))
            eff.insert(eff.columns.get_loc("std_error") + 1, "model_std_error", model)
        else:
            title = "Coefficients (log hazard ratios) with MODEL-BASED standard errors"
        return [(title, eff), ("Global tests", self.tests)]

    def _summary_footer(self) -> list[str]:
        foot = []
        if self.robust:
            foot.append("std_error is the robust standard error (R: 'robust se'); "
                        "model_std_error is the model-based one (R: 'se(coef)').")
        return foot + super()._summary_footer()

    def interpret(self) -> str:
        level = f"{100 * (1 - self.alpha):.0f}%"
        if self.term is None:
            parts = [f"{r['term']} {fmt_number(r['hazard_ratio'])} ({level} CI "
                     f"{fmt_number(r['hr_ci_low'])} to {fmt_number(r['hr_ci_high'])})"
                     for r in self.effects.to_dict("records")]
            return ("Cox model with several covariates and no headline term (name one with "
                    "treatment=...). Hazard ratios per unit of each covariate, holding the "
                    "others fixed: " + "; ".join(parts) + ".")
        row = self.effects.set_index("term").loc[self.term]
        v = verdict(row["estimate"], row["ci_low"], row["ci_high"], row["p_value"], self.alpha)
        term = self.term
        others = [c for c in self.covariates if c != term]
        s = (f"Cox model, hazard (rate) of the event by {term}: {v}. "
             f"The hazard ratio is {fmt_number(row['hazard_ratio'])} ({level} confidence "
             f"interval {fmt_number(row['hr_ci_low'])} to {fmt_number(row['hr_ci_high'])}) "
             f"per unit of {term}")
        s += f", holding {', '.join(others)} fixed." if others else "."
        if v == INCONCLUSIVE:
            s += (" The interval includes 1, so the data are consistent with no difference and "
                  "with differences of the size shown; this is not evidence of no effect.")
        s += (" A hazard ratio compares rates among people still event-free; check the "
              "proportional-hazards assumption (proportional_hazards_test).")
        return s


@result_dataclass
class PHTestResult(Result):
    """Schoenfeld-residual tests of proportional hazards (R ``cox.zph``, survival >= 3.0)."""

    table: pd.DataFrame
    transform: str = "km"
    alpha: float = 0.05
    g_time: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    event_time: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    scaled_residuals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    coef: pd.Series = field(default_factory=pd.Series, repr=False)

    _plot_kinds: ClassVar[dict[str, str]] = {"residuals": f"{_PLOT}:schoenfeld_plot"}
    _default_plot: ClassVar[str | None] = "residuals"

    def to_frame(self) -> pd.DataFrame:
        """``term`` (covariates and ``GLOBAL``), ``chisq``, ``df``, ``p_value``."""
        return self.table.copy()

    def report_content(self, context: Context | None = None) -> Section:
        """The tests as a table and a check (residuals of individuals are not plotted)."""
        return ph_section(self, context or Context())

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Time transform", self.transform)]

    def interpret(self) -> str:
        t = self.table
        bad = t[(t["term"] != "GLOBAL") & (t["p_value"] < self.alpha)]["term"].tolist()
        glob = t[t["term"] == "GLOBAL"]["p_value"]
        s = "Proportional-hazards check (Grambsch & Therneau 1994): "
        if bad:
            s += (f"evidence that the effect of {', '.join(bad)} changes over follow-up "
                  f"(p < {self.alpha}); a single hazard ratio averages over time for "
                  "these covariates. Consider strata or a time-varying effect.")
        else:
            s += ("no covariate shows clear evidence of a hazard ratio that changes over "
                  "follow-up; this does not prove the hazards are proportional.")
        if len(glob):
            s += f" Global test p = {float(glob.iloc[0]):.3g}."
        return s


@result_dataclass
class RMSTResult(EffectResult):
    """Restricted mean survival time up to ``tau`` by group, with the difference and ratio.

    ``estimate`` is the difference (second group minus first) when there are groups, else
    the RMST itself.
    """

    tau: float = math.nan
    by_group: pd.DataFrame = field(default_factory=pd.DataFrame)
    km: Any = field(default=None, repr=False)

    _plot_kinds: ClassVar[dict[str, str]] = {"area": f"{_PLOT}:rmst_plot"}
    _default_plot: ClassVar[str | None] = "area"

    def report_content(self, context: Context | None = None) -> Section:
        """The RMST by group (withheld with a small group's counts), the difference with its
        verdict, and the curves with the area shaded, from disclosure-controlled data."""
        return rmst_section(self, context or Context())

    def interpret(self) -> str:
        level = f"{100 * (1 - self.alpha):.0f}%"
        if self.by_group.shape[0] < 2:
            return (f"On average people stayed event-free for {fmt_number(self.estimate)} of "
                    f"the first {fmt_number(self.tau)} time units ({level} interval "
                    f"{fmt_number(self.ci_low)} to {fmt_number(self.ci_high)}).")
        v = verdict(self.estimate, self.ci_low, self.ci_high, self.p_value, self.alpha)
        g = self.by_group["group"].tolist()
        s = (f"Restricted mean survival time up to {fmt_number(self.tau)}: {v} in the mean "
             f"event-free time of group {g[1]} compared with group {g[0]}. The difference is "
             f"{fmt_number(self.estimate)} time units ({level} confidence interval "
             f"{fmt_number(self.ci_low)} to {fmt_number(self.ci_high)}); positive means "
             f"longer without the event in group {g[1]}.")
        if v == INCONCLUSIVE:
            s += " This is not evidence that the groups do not differ."
        return s
