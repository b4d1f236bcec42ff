"""Report content of the survival regression models: Cox, its proportional-hazards test and
Fine-Gray (see :mod:`wsa_eval.content`).

The coefficients and hazard ratios are not counts of people; the counts a model rests on
(people and events, by level of a 0/1 treatment column; events of interest, competing
events and censored people) are reported in their own tables with their declarations, so
that the report's disclosure control withholds the small ones. The Cox model's report checks
proportional hazards itself (the Schoenfeld-residual test, Grambsch & Therneau 1994) and the
number of events per covariate. Results are read duck-typed (no result class is imported).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._format import fmt_num, fmt_p
from ..content import Check, Context, Count, Figure, Section, Table, Text, Value, Verdict
from ..interpret import INCONCLUSIVE, verdict
from ._report_curves import people_and_events

__all__ = ["cox_section", "ph_section", "fine_gray_section", "ph_check"]

_EFFECT_LABELS = {"term": "Covariate", "hazard_ratio": "Hazard ratio",
                  "hr_ci_low": "Lower limit", "hr_ci_high": "Upper limit",
                  "p_value": "p-value", "estimate": "Log hazard ratio",
                  "std_error": "Standard error"}


def _level(alpha: float) -> str:
    return f"{100 * (1 - alpha):.0f}%"


def _warnings(result: Any) -> list[Check]:
    return [Check(f"{result.method}: warning", "amber", w) for w in result.warnings]


def ratio_verdict(term: str, ratio: float, lo: float, hi: float, p: float, alpha: float, *,
                  what: str = "hazard ratio", rate: str = "the event rate",
                  binary: bool = False) -> Verdict:
    """The verdict on one ratio with the reason in its own terms (a ratio below 1 is a
    reduction of ``rate``)."""
    level = _level(alpha)
    label = verdict(math.log(ratio), math.log(lo), math.log(hi), p, alpha) if (
        ratio > 0 and lo > 0 and hi > 0) else INCONCLUSIVE
    per = f"people with {term} = 1 compared with {term} = 0" if binary else (
        f"each unit more of {term}")
    shown = (f"The {what} for {term} is {fmt_num(ratio)} ({level} confidence interval "
             f"{fmt_num(lo)} to {fmt_num(hi)}; p = {fmt_p(p)})")
    if not math.isfinite(ratio):
        return Verdict(INCONCLUSIVE, f"The {what} for {term} could not be estimated.",
                       "no_estimate")
    if label != INCONCLUSIVE:
        lower = ratio < 1
        return Verdict(label, f"{shown}, entirely {'below' if lower else 'above'} 1: "
                              f"{rate} was {'lower' if lower else 'higher'} for {per}, among "
                              "people still without the event.", "significant")
    return Verdict(INCONCLUSIVE, f"{shown}. The interval includes 1, so the data are "
                                 "consistent with no difference and with differences of the "
                                 "size shown; this is not evidence of no effect.",
                   "interval_includes_zero")


# ------------------------------------------------------------------------------------------
# Cox
# ------------------------------------------------------------------------------------------
def _binary_column(fd: Any, j: int) -> np.ndarray | None:
    """The 0/1 values of covariate ``j`` of a fit, or None when it is not a 0/1 column."""
    if fd is None or fd.x_mean is None:
        return None
    x = np.round(np.asarray(fd.X[:, j]) + fd.x_mean[j], 9)
    return x if set(np.unique(x).tolist()) == {0.0, 1.0} else None


def cox_people_table(result: Any) -> Table:
    """People (rows) and events in the model, by level of a 0/1 headline term."""
    fd = result.fit_data
    noun = "people" if fd is None or fd.entry is None else "episodes"
    labels, n, d = ["all"], [float(result.n_obs)], [float(result.n_events)]
    x = None
    if fd is not None and result.term is not None:
        x = _binary_column(fd, list(result.covariates).index(result.term))
    if x is not None:
        ev = np.asarray(fd.event, dtype=bool)
        for v in (1.0, 0.0):
            m = x == v
            labels.insert(-1, f"{result.term} = {v:g}")
            n.insert(-1, float(m.sum()))
            d.insert(-1, float((m & ev).sum()))
    frame = pd.DataFrame({"n": n, "n_events": d}, index=pd.Index(labels, name="group"))
    return Table(f"{result.method}: {noun} and events in the model", frame,
                 counts={"n": noun, "n_events": "events"}, shares={"n_events": "n"},
                 total_row="all", labels={"n": noun.capitalize(), "n_events": "Events"},
                 name="cox_people")


def ph_check(name: str, table: pd.DataFrame, alpha: float) -> Check:
    """The traffic-light check of a Schoenfeld-residual test table."""
    terms = table[table["term"] != "GLOBAL"]
    bad = terms[terms["p_value"] < alpha]["term"].tolist()
    glob = table[table["term"] == "GLOBAL"]["p_value"]
    gp = f" Global test p = {fmt_p(float(glob.iloc[0]))}." if len(glob) else ""
    if bad:
        return Check(name, "amber",
                     f"Evidence that the effect of {', '.join(map(str, bad))} changes over "
                     f"follow-up (p < {alpha:g}): a single hazard ratio averages over time for "
                     f"these covariates; consider strata or a time-varying effect.{gp}")
    return Check(name, "green", "No covariate shows clear evidence of a hazard ratio that "
                                f"changes over follow-up (Grambsch & Therneau 1994).{gp}")


def _cox_checks(result: Any) -> list[Check]:
    name = f"{result.method}: proportional hazards"
    out = []
    if result.fit_data is not None:
        from ._zph_core import schoenfeld_tests

        try:
            tab = schoenfeld_tests(result.fit_data, list(result.covariates))["table"]
            out.append(ph_check(name, tab, result.alpha))
        except (np.linalg.LinAlgError, ValueError) as exc:
            out.append(Check(name, "grey", f"The test could not be computed ({exc})."))
    p = len(result.covariates)
    per = result.n_events / max(p, 1)
    status = "green" if per >= 10 else ("amber" if per >= 5 else "red")
    out.append(Check(f"{result.method}: events per covariate", status, Text(
        "{d} events for " + f"{p} covariate{'s' if p != 1 else ''}"
        + ("" if per >= 10 else "; with fewer than about 10 events per covariate the "
           "estimates and their intervals can be unreliable") + ".",
        {"d": Count(float(result.n_events), "events")})))
    if not result.converged:
        out.append(Check(f"{result.method}: convergence", "red",
                         "The fit did not converge; the estimates may be unreliable."))
    return out + _warnings(result)


def _effects_table(title: str, eff: pd.DataFrame, ratio: str, lo: str, hi: str,
                   labels: dict[str, str], name: str) -> Table:
    cols = ["term", ratio, lo, hi, "p_value", "estimate", "std_error"]
    return Table(title, eff[cols], labels=labels, kinds={"p_value": "p"}, name=name)


def cox_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.CoxResult`."""
    eff = result.effects
    level = _level(result.alpha)
    t_eff = _effects_table(f"{result.method}: hazard ratios ({level} confidence intervals)",
                           eff, "hazard_ratio", "hr_ci_low", "hr_ci_high", _EFFECT_LABELS,
                           "cox")
    people = cox_people_table(result)
    v = None
    summary: list[Text] = []
    if result.term is not None:
        row = eff.set_index("term").loc[result.term]
        binary = _binary_column(result.fit_data, list(result.covariates).index(
            result.term)) is not None
        v = ratio_verdict(result.term, float(row["hazard_ratio"]), float(row["hr_ci_low"]),
                          float(row["hr_ci_high"]), float(row["p_value"]), result.alpha,
                          binary=binary)
        others = [c for c in result.covariates if c != result.term]
        if others:
            summary.append(Text(f"The hazard ratio for {result.term} holds "
                                f"{', '.join(others)} fixed."))
    else:
        summary.append(Text(
            "Several covariates and no headline term (name one with cox(..., treatment=...)): "
            "hazard ratios per unit of each covariate, holding the others fixed: "
            + "; ".join(f"{r['term']} {fmt_num(r['hazard_ratio'])} ({level} CI "
                        f"{fmt_num(r['hr_ci_low'])} to {fmt_num(r['hr_ci_high'])})"
                        for r in eff.to_dict("records")) + "."))
    summary.append(Text("A hazard ratio compares event rates among people still without the "
                        "event; it assumes the ratio is constant over follow-up (see the "
                        "proportional-hazards check)."))
    n = Count(float(result.n_obs))
    d = Count(float(result.n_events), "events")
    fig = Figure(f"Hazard ratios with {level} confidence intervals (log scale)", t_eff,
                 _draw_hr, name="hazard_ratios",
                 size=(6.5, 1.6 + 0.45 * len(result.covariates)))
    numbers: dict[str, Any] = {"n": n, "n_events": d}
    if result.term is not None:
        numbers.update(hazard_ratio=Value(math.exp(result.estimate)),
                       hr_ci_low=Value(math.exp(result.ci_low)),
                       hr_ci_high=Value(math.exp(result.ci_high)),
                       p_value=Value(result.p_value, "p"))
    return Section(
        title=result.method, verdict=v, summary=tuple(summary),
        cannot_say=(Text("That a hazard ratio is the scheme's causal effect unless the "
                         "groups are comparable (matching or weighting) and no important "
                         "difference between them is left out."),),
        how_sure=(Text(f"Standard errors: {result.inference}."),),
        checks=tuple(_cox_checks(result)),
        included=(people_and_events("Cox model: {n} " + people.counts["n"] + " and {d} "
                                    "events.", n.value, d.value, what="Cox model"),),
        tables=(t_eff, people), figures=(fig,), spec=dict(result.spec),
        headline_numbers=numbers)


def _draw_hr(ax: Any, frame: pd.DataFrame) -> None:
    from ..plotting.survival import draw_hazard_ratios

    draw_hazard_ratios(ax, frame)


# ------------------------------------------------------------------------------------------
# proportional-hazards test
# ------------------------------------------------------------------------------------------
def ph_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.PHTestResult` (the residuals of
    individual people are not plotted in a report)."""
    table = Table(result.method, result.to_frame(),
                  labels={"term": "Covariate", "chisq": "Chi-squared",
                          "df": "Degrees of freedom", "p_value": "p-value"},
                  kinds={"p_value": "p", "df": "int"}, name="proportional_hazards")
    d = Count(float(len(result.event_time)), "events")
    return Section(
        title=result.method, summary=(Text(result.interpret()),),
        cannot_say=(Text("That the hazards are proportional when no test is significant: "
                         "the test can miss changes, most often with few events."),),
        checks=(ph_check("Proportional hazards", result.to_frame(), result.alpha),
                *_warnings(result)),
        included=(Text("Proportional-hazards test: {d} events; time is transformed by "
                       f"'{result.transform}'.", {"d": d}),),
        tables=(table,), spec=dict(result.spec), headline_numbers={"n_events": d})


# ------------------------------------------------------------------------------------------
# Fine-Gray
# ------------------------------------------------------------------------------------------
def fine_gray_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.FineGrayResult`."""
    level = _level(result.alpha)
    event = result.event_of_interest
    t_eff = _effects_table(
        f"{result.method}: subdistribution hazard ratios ({level} confidence intervals)",
        result.effects, "shr", "shr_ci_low", "shr_ci_high",
        _EFFECT_LABELS | {"shr": "Subdistribution hazard ratio", "shr_ci_low": "Lower limit",
                          "shr_ci_high": "Upper limit",
                          "estimate": "Log subdistribution hazard ratio"}, "fine_gray")
    censored = result.n_obs - result.n_events - result.n_competing
    outcomes = pd.DataFrame(
        {"n": [float(result.n_events), float(result.n_competing), float(censored),
               float(result.n_obs)]},
        index=pd.Index([f"event of interest ({event})", "competing event", "censored", "all"],
                       name="outcome"))
    t_people = Table(f"{result.method}: people by outcome", outcomes,
                     counts={"n": "people"}, total_row="all", labels={"n": "People"},
                     name="fine_gray_people")
    v = None
    eff = result.effects
    if len(eff) == 1:
        r = eff.iloc[0]
        v = ratio_verdict(str(r["term"]), float(r["shr"]), float(r["shr_ci_low"]),
                          float(r["shr_ci_high"]), float(r["p_value"]), result.alpha,
                          what="subdistribution hazard ratio",
                          rate=f"the cumulative incidence of event {event}")
    summary = [Text(
        "Subdistribution hazard ratios (Fine & Gray 1999) describe how each covariate moves "
        f"the cumulative incidence of event {event}, allowing for competing events: "
        + "; ".join(f"{r['term']} {fmt_num(r['shr'])} ({level} CI {fmt_num(r['shr_ci_low'])} "
                    f"to {fmt_num(r['shr_ci_high'])}, p = {fmt_p(r['p_value'])})"
                    for r in eff.to_dict("records")) + ".")]
    n, d = Count(float(result.n_obs)), Count(float(result.n_events), "events")
    checks = _warnings(result)
    if not result.converged:
        checks.append(Check(f"{result.method}: convergence", "red",
                            "The fit did not converge; the estimates may be unreliable."))
    fig = Figure(f"Subdistribution hazard ratios with {level} confidence intervals (log "
                 "scale)", t_eff, partial(_draw_shr), name="fine_gray",
                 size=(6.5, 1.6 + 0.45 * len(eff)))
    return Section(
        title=result.method, verdict=v, summary=tuple(summary),
        cannot_say=(Text("That a subdistribution hazard ratio is a ratio of event rates "
                         "among people still at risk: it describes the cumulative "
                         "incidence."),),
        how_sure=(Text("Robust (sandwich) standard errors of Fine & Gray, as cmprsk::crr; "
                       "one censoring distribution for everyone."),),
        checks=tuple(checks),
        # the people by outcome add up to everyone: the events of interest beside the
        # total reveal the other outcomes
        included=(people_and_events("Fine-Gray model: {n} people, {d} events of interest.",
                                    n.value, d.value, what="Fine-Gray model",
                                    also=(Count(float(result.n_competing)),
                                          Count(float(censored)))),),
        tables=(t_eff, t_people), figures=(fig,), spec=dict(result.spec),
        headline_numbers={"n": n, "n_events": d})


def _draw_shr(ax: Any, frame: pd.DataFrame) -> None:
    from ..plotting.survival import draw_hazard_ratios

    draw_hazard_ratios(ax, frame, ratio="shr", low="shr_ci_low", high="shr_ci_high",
                       xlabel="subdistribution hazard ratio (log scale)")
