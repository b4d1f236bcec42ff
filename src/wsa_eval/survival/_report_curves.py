"""Report content of the survival curves and the tests that compare them: Kaplan-Meier,
log-rank, cumulative incidence, Gray's test and the restricted mean survival time.

Every count of people is declared (:mod:`wsa_eval.content`), so that the report's disclosure
control (:mod:`wsa_eval.disclosure`) can act on it:

* a curve table has one row per event time with ``n_at_risk`` (people at risk at the start of
  the row, a ``sequence``: the report merges rows until at least the threshold of people have
  left between shown rows, as OpenSAFELY's disclosure-safe Kaplan-Meier curves do),
  ``n_events`` and ``n_censored`` (summed over merged rows). ``time_from`` keeps the first
  event time of a merged row and ``time`` its last; a hidden ``n_left`` (events plus
  censored) makes the events and the censored each count as a share of the people who left,
  so that neither can be found by subtraction when the other is small. The curve's value
  (and interval) reveals the events of its row and is withheld with them;
* figures are drawn from that merged, suppressed table (gaps where a value is withheld), with
  the numbers at risk it shows under the axis;
* sentences hold :class:`~wsa_eval.content.Count` values, and those whose numbers rest on a
  small group name the counts they rest on (``reveals``).

Results are read duck-typed (this module imports no result class, so result classes can
import it).
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

__all__ = ["km_curve_frame", "curve_table", "km_section", "logrank_section", "cif_section",
           "gray_section", "rmst_section", "group_name", "people_and_events"]

WITHHELD = ("not shown: it rests on too few people or events for the disclosure threshold")

_CURVE_LABELS = {"group": "Group", "time_from": "From time", "time": "To time",
                 "n_at_risk": "At risk", "n_entered": "Entered", "n_events": "Events",
                 "n_censored": "Censored", "estimate": "Estimate", "ci_low": "Lower limit",
                 "ci_high": "Upper limit"}


def group_name(group: str | None, level: Any) -> str:
    """``"fin = 1"`` for a group level, ``"everyone"`` without groups."""
    return "everyone" if group is None else f"{group} = {level}"


def _level(alpha: float) -> str:
    return f"{100 * (1 - alpha):.0f}%"


def people_and_events(template: str, n: float, d: float, *, what: str,
                      events: str = "events", also: tuple[Count, ...] = ()) -> Text:
    """A sentence with ``{n}`` people and ``{d}`` events among them. The people without the
    event (``n - d``) are a count too, found by subtraction: the sentence is withheld when
    that remainder is small (the small counts themselves read "fewer than 5"), or when any
    count in ``also`` is (e.g. another group's, when the total of all groups is shown)."""
    return Text(template, {"n": Count(float(n)), "d": Count(float(d), events)},
                reveals=(Count(float(n) - float(d)), *also),
                fallback=f"{what}: the numbers of people and events are withheld (disclosure "
                         "control).")



def all_groups(pairs: list[tuple[float, float]]) -> tuple[Count, ...]:
    """Every group's people, events and people without the event: a group's numbers beside
    the total of all groups reveal the others' (so one small group withholds them all)."""
    if len(pairs) < 2:
        return ()
    return tuple(Count(float(x)) for n, d in pairs for x in (n, d, n - d))


def _warnings(result: Any) -> tuple[Check, ...]:
    return tuple(Check(f"{result.method}: warning", "amber", w) for w in result.warnings)


# ------------------------------------------------------------------------------------------
# curve tables
# ------------------------------------------------------------------------------------------
def km_curve_frame(result: Any) -> pd.DataFrame:
    """The Kaplan-Meier rows of every curve for a report: ``[group,] time_from, time,
    n_at_risk, [n_entered,] n_events, n_censored, n_left, estimate, ci_low, ci_high``.

    Without delayed entry each curve starts with a row at time 0 (everyone at risk, the
    people censored before the first event time, S = 1), so the numbers at risk form one
    sequence from the group's size down.
    """
    tab = result.to_frame()
    parts = []
    for lev, c in result.curves.items():
        rows = tab if result.group is None else tab[tab["group"] == lev]
        f = pd.DataFrame({"time_from": rows["time"], "time": rows["time"],
                          "n_at_risk": rows["n_at_risk"]})
        if "n_entered" in rows.columns:
            f["n_entered"] = rows["n_entered"]
        f = f.assign(n_events=rows["n_events"], n_censored=rows["n_censored"],
                     estimate=rows["estimate"], ci_low=rows["ci_low"],
                     ci_high=rows["ci_high"]).reset_index(drop=True)
        if c.entries is None:
            n0 = float(np.sum(c.weights))
            first = float(f["n_at_risk"].iloc[0]) if len(f) else n0
            start = pd.DataFrame({"time_from": [0.0], "time": [0.0], "n_at_risk": [n0],
                                  "n_events": [0.0], "n_censored": [n0 - first],
                                  "estimate": [1.0], "ci_low": [1.0], "ci_high": [1.0]})
            f = pd.concat([start, f], ignore_index=True)
        if result.group is not None:
            f.insert(0, "group", lev)
        parts.append(f)
    out = pd.concat(parts, ignore_index=True)
    out["n_left"] = out["n_events"] + out["n_censored"]
    return out


def curve_table(title: str, frame: pd.DataFrame, *, noun: str = "people",
                estimate_label: str = "Estimate", kind: str = "num", name: str = "curves"
                ) -> Table:
    """A curve table with its disclosure declarations (see the module docstring).

    Rows are merged (a ``sequence``) on the events still to come, so that every step of the
    curve rests on at least the threshold of events (the count a curve's steps reveal: the
    ratio of two shown values gives the events between them); the numbers at risk keep the
    merged row's first value, so their steps are at least as large. Censored people are
    summed; when the events of a row are withheld (the last row of a curve may have too
    few), its censored people are withheld with them (their sum is the fall in the number at
    risk, which is shown). Each group's events add up to a total shown elsewhere (the
    medians, the log-rank test): hidden copies of the events, one per group, carry the known
    totals, and the events of all groups add up to the total in the sentences.
    """
    frame = frame.copy()
    group = frame["group"] if "group" in frame.columns else pd.Series(0, index=frame.index)
    ev = frame["n_events"].astype(float)
    frame["events_to_come"] = ev[::-1].groupby(group[::-1], sort=False).cumsum()[::-1]
    counts = {c: noun for c in ("n_at_risk", "n_events", "n_censored", "n_entered")
              if c in frame.columns}
    values = [c for c in ("estimate", "ci_low", "ci_high") if c in frame.columns]
    reveals: dict[str, Any] = {c: "n_events" for c in values}
    if "n_censored" in frame.columns:
        reveals["n_censored"] = "n_events"
    if "n_entered" in frame.columns:  # with delayed entry, the step in the numbers at risk
        reveals["n_at_risk"] = "n_entered"  # reveals the people who entered
    known: tuple[str, ...] = ("n_events",)
    hidden = ["events_to_come"]
    if group.nunique() > 1:
        codes = pd.factorize(group)[0]
        tied = []
        for k in range(codes.max() + 1):
            col = f"n_events__group{k}"
            frame[col] = np.where(codes == k, ev.to_numpy(), np.nan)
            counts[col] = noun
            tied.append(col)
        reveals["n_events"] = tuple(tied)
        # each group's total, and the total of all groups (in the sentences)
        known, hidden = (*tied, "n_events"), hidden + tied
    frame = frame.drop(columns=[c for c in ("n_left",) if c in frame.columns])
    return Table(
        title, frame, counts=counts, reveals=reveals,
        sequence=("events_to_come", "n_at_risk", "time_from"), known_total=known,
        hidden=tuple(hidden), labels=_CURVE_LABELS | {"estimate": estimate_label},
        kinds={"time_from": "num", "time": "num", **{c: kind for c in values}}, name=name)


def _group_counts(frame: pd.DataFrame) -> list[tuple[Any, float, float]]:
    """(level, people, events) of each curve of a curve frame (first row: everyone)."""
    groups = frame.groupby("group", sort=False) if "group" in frame.columns else [
        (None, frame)]
    return [(lev, float(g["n_at_risk"].iloc[0]), float(g["n_events"].sum()))
            for lev, g in groups]


# ------------------------------------------------------------------------------------------
# Kaplan-Meier
# ------------------------------------------------------------------------------------------
def _median_sentences(result: Any) -> list[Text]:
    out = []
    level = _level(result.alpha)
    others = all_groups(list(zip(result.medians["n"], result.medians["n_events"])))
    for row in result.medians.to_dict("records"):
        lev = row.get("group")
        name = "Kaplan-Meier, " + group_name(result.group, lev)
        n, d = Count(float(row["n"])), Count(float(row["n_events"]), "events")
        rest = Count(n.value - d.value)
        if math.isnan(row["median"]):
            out.append(people_and_events(
                f"{name}: {{n}} people, {{d}} events; fewer than half had the event during "
                "follow-up, so the median time is not reached.", n.value, d.value, what=name,
                also=others))
            continue
        out.append(Text(
            f"{name}: {{n}} people, {{d}} events; half had the event by time "
            f"{fmt_num(row['median'])} ({level} interval {fmt_num(row['ci_low'])} to "
            f"{fmt_num(row['ci_high'])}; an undefined limit means the curve's interval does "
            "not reach one half).",
            {"n": n, "d": d}, reveals=(n, d, rest, *others),
            fallback=f"{name}: the median time is {WITHHELD}."))
    return out


def _median_table(result: Any) -> Table:
    med = result.medians.copy()
    reveal = ("n", "n_events")
    return Table(
        "Kaplan-Meier: median time to the event", med,
        counts={"n": "people", "n_events": "events"}, shares={"n_events": "n"},
        reveals={c: reveal for c in ("median", "ci_low", "ci_high")},
        known_total=("n", "n_events"),
        labels={"group": "Group", "median": "Median time", "ci_low": "Lower limit",
                "ci_high": "Upper limit", "n": "People", "n_events": "Events"},
        name="medians")


def km_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.KaplanMeierResult`."""
    frame = km_curve_frame(result)
    table = curve_table("Kaplan-Meier: proportion without the event (at risk: at the start "
                        "of each row's times)", frame, estimate_label="Without the event")
    n = Count(float(result.medians["n"].sum()))
    d = Count(float(result.medians["n_events"].sum()), "events")
    groups = len(result.curves)
    delayed = "n_entered" in frame.columns
    fig = Figure(
        "Kaplan-Meier curves with pointwise " + _level(result.alpha) + " confidence "
        "intervals, drawn from the table in the appendix (event times merged until each step "
        "rests on enough events; a straight line within merged times)",
        table, partial(_draw_survival, group_title=result.group), name="kaplan_meier",
        size=(7.0, 4.8 + 0.3 * groups))
    how = [f"Pointwise {_level(result.alpha)} confidence intervals on the "
           f"{result.conf_type} scale; {result.method.split(' with ')[-1]}."]
    if delayed:
        how.append("With delayed entry the numbers at risk can rise; times are merged until "
                   "the number at risk has fallen by at least the disclosure threshold.")
    return Section(
        title=result.method, summary=tuple(_median_sentences(result)),
        can_say=(Text("How the proportion of people without the event fell over follow-up"
                      + (f" in each group of {result.group}" if result.group else "")
                      + " (the figure and the table)."),),
        cannot_say=(Text("That the curves differ because of the scheme: a curve describes a "
                         "group; comparing groups needs a test (logrank) or a model (cox), "
                         "and a causal reading needs comparable groups."),),
        how_sure=tuple(Text(h) for h in how), checks=_warnings(result),
        included=(people_and_events(
            "Kaplan-Meier: {n} people and {d} events" + (
                f" in {groups} groups of {result.group}." if result.group else "."),
            n.value, d.value, what="Kaplan-Meier"),),
        tables=(_median_table(result), table), figures=(fig,), spec=dict(result.spec),
        headline_numbers={"n": n, "n_events": d})


def _draw_survival(ax: Any, frame: pd.DataFrame, group_title: str | None = None) -> None:
    from ..plotting.survival import draw_curves

    draw_curves(ax, frame, ylabel="proportion without the event", group_title=group_title)


# ------------------------------------------------------------------------------------------
# log-rank
# ------------------------------------------------------------------------------------------
def logrank_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.LogRankResult`."""
    t = result.to_frame()
    frame = pd.DataFrame({"group": t["group"], "n": t["n"], "observed": t["observed"],
                          "expected": t["expected"], "oe_e": t["(O-E)^2/E"],
                          "oe_v": t["(O-E)^2/V"]})
    table = Table(
        result.method + ": observed and expected events", frame,
        counts={"n": "people", "observed": "events"}, shares={"observed": "n"},
        reveals={"oe_e": "observed"}, known_total=("n", "observed"),
        labels={"group": f"Group ({result.group})", "n": "People",
                "observed": "Events seen", "expected": "Events expected if equal",
                "oe_e": "(seen - expected)^2 / expected",
                "oe_v": "(seen - expected)^2 / variance"},
        name="logrank")
    n = Count(float(t["n"].sum()))
    d = Count(float(t["observed"].sum()), "events")
    p = result.p_value
    if p < result.alpha:
        ratio = t["observed"] / t["expected"]
        hi, lo = t.loc[ratio.idxmax(), "group"], t.loc[ratio.idxmin(), "group"]
        head = Text(f"Evidence that the event rate differs between the groups of "
                    f"{result.group} (chi-squared {fmt_num(result.statistic)} on {result.df} "
                    f"degrees of freedom, p = {fmt_p(p)}): {group_name(result.group, lo)} "
                    f"had fewer events than expected if the rates were equal, and "
                    f"{group_name(result.group, hi)} more.")
    else:
        head = Text(f"Log-rank test: {INCONCLUSIVE} (chi-squared "
                    f"{fmt_num(result.statistic)} on {result.df} degrees of freedom, p = "
                    f"{fmt_p(p)}); the data cannot tell whether the event rate differs "
                    f"between the groups of {result.group}.")
    strata = (f" within strata of {result.strata}" if result.strata is not None else "")
    return Section(
        title=result.method, summary=(head,),
        cannot_say=(Text("That a difference is caused by the group: the test compares "
                         "groups and adjusts for nothing else" + strata + "."),
                    Text("That the groups do not differ, when the test is inconclusive.")),
        how_sure=(Text("The log-rank test (Mantel 1966; Peto & Peto 1972) has most power "
                       "when one group's hazard is a constant multiple of the other's."),),
        checks=_warnings(result),
        included=(people_and_events("Log-rank test: {n} people and {d} events" + strata + ".",
                                    n.value, d.value, what="Log-rank test"),),
        tables=(table,), spec=dict(result.spec),
        headline_numbers={"n": n, "n_events": d, "statistic": _value(result.statistic),
                          "p_value": _value(p, "p")})


def _value(x: float, kind: str = "num") -> Value:
    return Value(float(x), kind)


# ------------------------------------------------------------------------------------------
# cumulative incidence and Gray's test
# ------------------------------------------------------------------------------------------
def cif_frame(result: Any) -> pd.DataFrame:
    """The cumulative incidence rows for a report (see :func:`km_curve_frame`): the people
    leaving between rows by competing events or censoring are in the hidden ``n_left``."""
    tab = result.to_frame()
    parts = []
    for _lev, g in tab.groupby("group", sort=False):
        g = g.reset_index(drop=True)
        nr = g["n_at_risk"].to_numpy(float)
        left = nr - np.append(nr[1:], 0.0)  # everyone leaves by the end of follow-up
        parts.append(pd.DataFrame({
            "group": g["group"], "time_from": g["time"], "time": g["time"],
            "n_at_risk": nr, "n_events": g["n_events"], "n_left": left,
            "estimate": g["estimate"], "ci_low": g["ci_low"], "ci_high": g["ci_high"]}))
    out = pd.concat(parts, ignore_index=True)
    if result.group_column is None:
        out = out.drop(columns="group")
    return out


def _gray_text(gray: Any, event: Any, group: str | None) -> Text:
    p = float(gray["p_value"])
    what = (f"evidence that the cumulative incidence of event {event} differs between the "
            f"groups of {group}" if p < 0.05 else
            f"{INCONCLUSIVE} about a difference between the groups of {group}")
    return Text(f"Gray's (1988) test: {what} (chi-squared {fmt_num(gray['statistic'])} on "
                f"{int(gray['df'])} degrees of freedom, p = {fmt_p(p)}).")


def cif_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.CumulativeIncidenceResult`."""
    frame = cif_frame(result)
    event = result.event_of_interest
    table = curve_table(f"Cumulative incidence of event {event}", frame,
                        estimate_label="Cumulative incidence", name="cumulative_incidence")
    level = _level(result.alpha)
    sentences = []
    counts = dict(((lev if result.group_column else "all"), (n, dd))
                  for lev, n, dd in _group_counts(frame))
    others = all_groups(list(counts.values()))
    for lev, (n, d) in counts.items():
        name = "Cumulative incidence, " + group_name(result.group_column, lev)
        # the curve's value at the end of follow-up is in the figure and the table, where
        # disclosure control can withhold the last steps; a sentence would bypass it
        sentences.append(people_and_events(
            f"{name}: {{n}} people, {{d}} of whom had event {event} (allowing for competing "
            "events); the cumulative incidence over follow-up is in the figure.", n, d,
            what=name, also=others))
    if result.gray is not None:
        sentences.append(_gray_text(result.gray, event, result.group_column))
    total = Count(float(sum(c[0] for c in counts.values())))
    events = Count(float(sum(c[1] for c in counts.values())), "events")
    fig = Figure(f"Cumulative incidence of event {event} with pointwise {level} confidence "
                 "intervals, drawn from the table in the appendix (event times merged until "
                 "each step rests on enough events; a straight line within merged times)",
                 table,
                 partial(_draw_cif, event=event, group_title=result.group_column),
                 name="cumulative_incidence",
                 size=(7.0, 4.8 + 0.3 * len(counts)))
    return Section(
        title=result.method, summary=tuple(sentences),
        can_say=(Text(f"How the proportion of people who had event {event} rose over "
                      "follow-up, allowing for the competing events that ended follow-up "
                      "first (the figure and the table)."),),
        cannot_say=(Text("That one minus a Kaplan-Meier curve gives the same answer: with "
                         "competing events it overstates the chance of the event."),),
        how_sure=(Text(f"Pointwise {level} intervals from the variance that R's "
                       "cmprsk::cuminc reports (Gray's delta method)."),),
        checks=_warnings(result),
        included=(people_and_events("Cumulative incidence: {n} people and {d} events of "
                                    "interest.", total.value, events.value,
                                    what="Cumulative incidence"),),
        tables=(table,), figures=(fig,), spec=dict(result.spec),
        headline_numbers={"n": total, "n_events": events})


def _draw_cif(ax: Any, frame: pd.DataFrame, event: Any = 1,
              group_title: str | None = None) -> None:
    from ..plotting.competing import draw_cif

    draw_cif(ax, frame, event_label=f"event {event}", group_title=group_title)


def gray_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.GrayTestResult`."""
    counts = result.counts
    table = Table(
        "Gray's test: people and events of interest by group", counts,
        counts={"n": "people", "n_events": "events"}, shares={"n_events": "n"},
        known_total=("n", "n_events"),
        labels={"group": "Group", "n": "People",
                "n_events": f"Events of interest ({result.event_of_interest})"},
        name="gray")
    n = Count(float(counts["n"].sum()))
    d = Count(float(counts["n_events"].sum()), "events")
    text = _gray_text({"statistic": result.statistic, "df": result.df,
                       "p_value": result.p_value}, result.event_of_interest,
                      result.spec.get("arguments", {}).get("group"))
    return Section(
        title=result.method, summary=(text,),
        cannot_say=(Text("That the groups do not differ, when the test is inconclusive."),),
        checks=_warnings(result),
        included=(people_and_events("Gray's test: {n} people and {d} events of interest.",
                                    n.value, d.value, what="Gray's test"),),
        tables=(table,), spec=dict(result.spec),
        headline_numbers={"n": n, "n_events": d, "p_value": _value(result.p_value, "p")})


# ------------------------------------------------------------------------------------------
# restricted mean survival time
# ------------------------------------------------------------------------------------------
def _rmst_group_table(result: Any, n: np.ndarray, d: np.ndarray) -> Table:
    """RMST by group beside its people and events (withheld with a small group)."""
    by = result.by_group.copy()
    grouped = result.km.group is not None
    by.insert(1 if grouped else 0, "n", n)
    by.insert(by.columns.get_loc("n") + 1, "n_events", d)
    if not grouped:
        by.insert(0, "group", "everyone")
    values = ("rmst", "std_error", "ci_low", "ci_high")
    return Table(
        f"Restricted mean survival time up to {fmt_num(result.tau)}, by group", by,
        counts={"n": "people", "n_events": "events"}, shares={"n_events": "n"},
        reveals={c: ("n", "n_events") for c in values}, known_total=("n", "n_events"),
        labels={"group": "Group", "n": "People", "n_events": "Events",
                "rmst": "Mean time without the event", "std_error": "Standard error",
                "ci_low": "Lower limit", "ci_high": "Upper limit"}, name="rmst_groups")


def _rmst_comparison(result: Any, rests: tuple[Count, ...]) -> tuple[Table, Verdict, Text]:
    """The differences and ratios (withheld with any small group), the verdict on the first
    difference with its reason, and the sentence."""
    km, level = result.km, _level(result.alpha)
    levs = list(km.curves)
    eff = result.effects[["term", "contrast", "estimate", "std_error", "ci_low", "ci_high",
                          "p_value"]]
    table = Table(
        "Restricted mean survival time: differences and ratios between groups", eff,
        external={c: rests for c in ("estimate", "std_error", "ci_low", "ci_high",
                                     "p_value")},
        labels={"term": "Comparison", "contrast": "Contrast", "estimate": "Estimate",
                "std_error": "Standard error", "ci_low": "Lower limit",
                "ci_high": "Upper limit", "p_value": "p-value"}, name="rmst_effects")
    label = verdict(result.estimate, result.ci_low, result.ci_high, result.p_value,
                    result.alpha)
    a, b = group_name(km.group, levs[0]), group_name(km.group, levs[1])
    tau = fmt_num(result.tau)
    if label != INCONCLUSIVE:
        why = (f"Over the first {tau} time units, {b} stayed without the event "
               f"{fmt_num(abs(result.estimate))} time units "
               f"{'longer' if result.estimate > 0 else 'shorter'} on average than {a} "
               f"({level} confidence interval {fmt_num(result.ci_low)} to "
               f"{fmt_num(result.ci_high)}, entirely "
               f"{'above' if result.estimate > 0 else 'below'} zero; p = "
               f"{fmt_p(result.p_value)}).")
        code = "significant"
    else:
        why = (f"The difference in mean time without the event over the first {tau} time "
               f"units ({b} minus {a}) is {fmt_num(result.estimate)}, and its {level} "
               f"confidence interval runs from {fmt_num(result.ci_low)} to "
               f"{fmt_num(result.ci_high)}, including zero: the data cannot tell the groups "
               "apart.")
        code = "interval_includes_zero"
    fallback = f"The comparison of restricted mean survival times is {WITHHELD}."
    means = "; ".join(f"{group_name(km.group, g)} {fmt_num(v)}" for g, v in
                      zip(result.by_group["group"], result.by_group["rmst"]))
    sentence = Text(f"Mean time without the event over the first {tau} time units: {means}."
                    + (" An inconclusive comparison is not evidence that the groups do not "
                       "differ." if label == INCONCLUSIVE else ""), reveals=rests,
                    fallback=fallback)
    return table, Verdict(label, Text(why, reveals=rests, fallback=fallback), code), sentence


def rmst_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.RMSTResult`."""
    km = result.km
    n = km.medians["n"].to_numpy(float)
    d = km.medians["n_events"].to_numpy(float)
    rests = tuple(Count(float(x)) for x in n) + tuple(Count(float(x), "events") for x in d)
    tables = [_rmst_group_table(result, n, d)]
    level = _level(result.alpha)
    section_verdict = None
    if km.group is not None and len(km.curves) >= 2:
        table, section_verdict, sentence = _rmst_comparison(result, rests)
        tables.append(table)
    else:
        sentence = Text(
            f"On average people stayed without the event for {fmt_num(result.estimate)} of "
            f"the first {fmt_num(result.tau)} time units ({level} interval "
            f"{fmt_num(result.ci_low)} to {fmt_num(result.ci_high)}).", reveals=rests,
            fallback=f"The restricted mean survival time is {WITHHELD}.")
    curves = curve_table("Kaplan-Meier curves behind the restricted mean survival time",
                         km_curve_frame(km), estimate_label="Without the event")
    fig = Figure(f"Kaplan-Meier curves with the area up to {fmt_num(result.tau)} shaded (the "
                 "restricted mean survival time), drawn from disclosure-controlled data",
                 curves, partial(_draw_rmst, tau=result.tau, group_title=km.group),
                 name="rmst", size=(7.0, 4.8 + 0.3 * len(km.curves)))
    return Section(
        title=result.method, verdict=section_verdict, summary=(sentence,),
        can_say=(Text(f"How long people stayed without the event on average over the first "
                      f"{fmt_num(result.tau)} time units"
                      + (" in each group" if km.group is not None else "") + "."),),
        cannot_say=(Text("That a difference is caused by the group without comparable "
                         "groups (matching or weighting)."),),
        how_sure=(Text(f"{level} confidence intervals from a Greenwood-type delta-method "
                       "variance of the area under each Kaplan-Meier curve; unlike a hazard "
                       "ratio this needs no proportional hazards."),),
        checks=_warnings(result),
        included=(people_and_events("Restricted mean survival time: {n} people and {d} "
                                    "events.", n.sum(), d.sum(),
                                    what="Restricted mean survival time"),),
        tables=tuple(tables), figures=(fig,), spec=dict(result.spec),
        headline_numbers={"estimate": _revealing(result.estimate, rests),
                          "ci_low": _revealing(result.ci_low, rests),
                          "ci_high": _revealing(result.ci_high, rests),
                          "n": Count(float(n.sum()))})


def _revealing(x: float, rests: tuple[Count, ...]) -> Value:
    return Value(float(x), "num", reveals=rests)


def _draw_rmst(ax: Any, frame: pd.DataFrame, tau: float = math.nan,
               group_title: str | None = None) -> None:
    from ..plotting.survival import draw_curves

    draw_curves(ax, frame, ylabel="proportion without the event", shade_to=tau,
                group_title=group_title, bands=False)
