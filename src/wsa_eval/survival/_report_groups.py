"""Report content of the comparison-group tools (propensity scores, matching, weighting,
balance) and of the proven-reoffending cohort (see :mod:`wsa_eval.content`).

Every count of people is declared; every statistic of a group (a mean, a weight, a
standardised difference, a rate) names the count of people it rests on, so the report's
disclosure control withholds it with that count when the group is small (a mean age of three
women describes three women). Results are read duck-typed (no result class is imported).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._format import fmt_num
from ..content import Check, Context, Count, Figure, Section, Table, Text, Value

__all__ = ["propensity_section", "match_section", "weight_section", "balance_section",
           "proven_section"]

_TREATED, _COMPARISON = "received support", "comparison"


def _two_groups(template: str, n_t: Count, n_c: Count, what: str) -> Text:
    """``{n}`` people who received support and ``{m}`` comparison people: the whole cohort is
    usually shown elsewhere, so a small group would be found by subtraction from it; the
    sentence is withheld when either group is small."""
    return Text(template, {"n": n_t, "m": n_c}, reveals=(n_t, n_c),
                fallback=f"{what}: the numbers of people in each group are withheld "
                         "(disclosure control).")


def _warnings(result: Any) -> tuple[Check, ...]:
    return tuple(Check(f"{result.method}: warning", "amber", w) for w in result.warnings)


# ------------------------------------------------------------------------------------------
# propensity scores
# ------------------------------------------------------------------------------------------
def _score_bins(scores: np.ndarray, z: np.ndarray, width: float = 0.1) -> pd.DataFrame:
    edges = np.round(np.arange(0.0, 1.0 + width / 2, width), 10)
    k = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    return pd.DataFrame({
        "bin_low": edges[:-1], "bin_high": edges[1:],
        "n_treated": np.bincount(k[z == 1], minlength=len(edges) - 1).astype(float),
        "n_comparison": np.bincount(k[z == 0], minlength=len(edges) - 1).astype(float)})


def propensity_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.PropensityResult`."""
    s = result.scores.to_numpy(float)
    z = result.treatment_values.to_numpy(int)
    rows = []
    for name, m in ((_TREATED, z == 1), (_COMPARISON, z == 0)):
        rows.append({"group": name, "n": float(m.sum()), "mean": float(s[m].mean()),
                     "median": float(np.median(s[m]))})
    groups = pd.DataFrame(rows)
    # (no lowest or highest score: each describes one person)
    t_groups = Table(
        "Propensity scores by group", groups, counts={"n": "people"}, known_total=("n",),
        reveals={c: "n" for c in ("mean", "median")},
        labels={"group": "Group", "n": "People", "mean": "Mean score",
                "median": "Median score"}, name="propensity_groups")
    bins = _score_bins(s, z)
    n_t, n_c = Count(float((z == 1).sum())), Count(float((z == 0).sum()))
    t_bins = Table(
        "Propensity scores: people in each tenth of the score", bins,
        counts={"n_treated": "people", "n_comparison": "people"},
        known_total=("n_treated", "n_comparison"),
        # a column adds up to its group's size, and everyone is counted elsewhere: a small
        # group withholds the other group's column
        external={"n_comparison": (n_t,), "n_treated": (n_c,)},
        labels={"bin_low": "Score from", "bin_high": "to", "n_treated": "Received support",
                "n_comparison": "Comparison"}, name="propensity_bins")
    t_coef = Table("Propensity model: log-odds coefficients", result.to_frame(),
                   labels={"term": "Term", "estimate": "Log-odds coefficient"},
                   name="propensity_model")
    lo_c, hi_c = s[z == 0].min(), s[z == 0].max()
    outside = Count(float(((s[z == 1] < lo_c) | (s[z == 1] > hi_c)).sum()))
    status = "green" if outside.value == 0 else "amber"
    check = Check("Overlap of propensity scores", status, Text(
        "{k} of the {n} people who received support have a score outside the range of the "
        "comparison group's scores" + (": nobody in the comparison group is like them."
                                       if outside.value else "."),
        {"k": outside, "n": n_t}, reveals=(Count(n_t.value - outside.value),),
        fallback="Some people who received support have a score outside the range of the "
                 "comparison group's scores; the numbers are withheld (disclosure control)."
        if outside.value else None))
    fig = Figure("Propensity scores by group (people in each tenth of the score; groups of "
                 "fewer than the disclosure threshold are not drawn)", t_bins, _draw_scores,
                 name="propensity_scores")
    return Section(
        title=result.method,
        summary=(Text(f"Propensity scores: the chance of receiving support ({result.treatment}"
                      f" = 1) given {', '.join(result.covariates)}, from a logistic "
                      "regression (Rosenbaum & Rubin 1983)."),),
        cannot_say=(Text("That people with the same score are alike in anything not among "
                         "the covariates."),),
        checks=(check,) + _warnings(result),
        included=(_two_groups("Propensity scores: {n} people who received support and {m} "
                              "comparison people.", n_t, n_c, "Propensity scores"),),
        tables=(t_groups, t_bins, t_coef), figures=(fig,), spec=dict(result.spec),
        headline_numbers={"n_treated": n_t, "n_comparison": n_c})


def _draw_scores(ax: Any, frame: pd.DataFrame) -> None:
    from ..plotting.balance import draw_scores

    draw_scores(ax, frame)


# ------------------------------------------------------------------------------------------
# matching
# ------------------------------------------------------------------------------------------
def match_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.MatchResult`."""
    data = result.data
    w = data["match_weight"].to_numpy(float)
    n_treated = float(result.n_treated)
    n_pool = float(len(data) - result.n_treated)
    used = float(result.pairs["control_row"].nunique())
    frame = pd.DataFrame({"group": [_TREATED, _COMPARISON], "n": [n_treated, n_pool],
                          "matched": [float(result.n_matched_treated), used],
                          "unmatched": [n_treated - result.n_matched_treated, n_pool - used]})
    table = Table(
        "Matching: people matched and left out", frame,
        counts={"n": "people", "matched": "people", "unmatched": "people"},
        shares={"matched": "n", "unmatched": "n"}, known_total=("n",),
        labels={"group": "Group", "n": "People", "matched": "Matched",
                "unmatched": "Not matched"}, name="matching")
    k, n = Count(float(result.n_matched_treated)), Count(n_treated)
    left = Count(n_treated - result.n_matched_treated)
    ratio = (f"up to {result.ratio} comparison people" if result.ratio > 1
             else "one comparison person")
    caliper = (f" within {fmt_num(result.caliper)} standard deviations of the logit of the "
               "propensity score" if result.caliper is not None else "")
    status = "green" if left.value == 0 else ("amber" if k.value >= n.value / 2 else "red")
    withheld = ("Some people who received support had nobody close enough and are left out, "
                "so results describe those who could be matched; the numbers are withheld "
                "(disclosure control).")
    check = Check("Matching: supported people matched", status, Text(
        "{k} of {n} people who received support were matched; {u} had nobody close enough "
        "and are left out, so results describe those who could be matched.",
        {"k": k, "n": n, "u": left}, reveals=(k, left), fallback=withheld)
        if left.value else Text("All {n} people who received support were matched.",
                                {"n": n}))
    weighted = Count(float((w > 0).sum()))
    return Section(
        title=result.method,
        summary=(Text("{k} of {n} people who received support were matched to " + ratio
                      + " each" + caliper + ("" if not result.with_replacement else
                                              ", a comparison person could be used more "
                                              "than once") + ".", {"k": k, "n": n},
                      reveals=(left,), fallback=withheld),),
        cannot_say=(Text("That the matched groups are alike in anything not used for the "
                         "propensity score; check balance with balance(..., "
                         "matched=result)."),),
        how_sure=(Text("Greedy nearest-neighbour matching in a random order fixed by the "
                       "recorded seed (Austin 2011)."),),
        checks=(check,) + _warnings(result),
        # the matched sample is the matched supported people plus their matches
        included=(Text("Matching: {m} people in the matched sample.", {"m": weighted},
                       reveals=(k, left), fallback="Matching: the size of the matched sample "
                       "is withheld (disclosure control)."),),
        tables=(table,), spec=dict(result.spec),
        headline_numbers={"n_treated": n, "n_matched_treated": k, "n_unmatched": left})


# ------------------------------------------------------------------------------------------
# weighting
# ------------------------------------------------------------------------------------------
def weight_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.WeightResult`."""
    summ = result.diagnostics.get("weight_summary")
    summ = summ.copy() if summ is not None else pd.DataFrame()
    summ["group"] = summ["group"].replace({"treated": _TREATED})
    # the smallest and largest weights describe one person each: not in a report
    summ = summ.drop(columns=[c for c in ("min", "max") if c in summ.columns])
    stats = ("sum_weights", "median", "effective_n")
    table = Table(
        f"Weights by group ({result.estimand})", summ, counts={"n": "people"},
        known_total=("n",),
        reveals={c: "n" for c in stats},
        labels={"group": "Group", "n": "People", "sum_weights": "Sum of weights",
                "median": "Median weight", "effective_n": "Effective number of people"},
        name="weights")
    n_c = Count(float(summ.loc[summ["group"] == _COMPARISON, "n"].iloc[0]))
    n_t = Count(float(summ.loc[summ["group"] == _TREATED, "n"].iloc[0]))
    ess = float(result.effective_n.get("comparison", np.nan))
    share = ess / n_c.value if n_c.value else np.nan
    status = "green" if share >= 0.5 else ("amber" if share >= 0.2 else "red")
    check = Check("Weighting: effective size of the comparison group", status, Text(
        "The weighted comparison group is worth about {e} people (effective sample size) of "
        "{n}" + ("; a few heavily weighted people drive the comparison." if status != "green"
                 else "."),
        {"e": Value(ess, "num", reveals=(n_c,)), "n": n_c}, reveals=(n_c,),
        fallback="The effective size of the comparison group is not shown: it rests on too "
                 "few people for the disclosure threshold."))
    return Section(
        title=result.method,
        summary=(Text(f"Inverse probability of treatment weights for the {result.estimand}"
                      + (f", people with scores outside [{result.trim}, {1 - result.trim}] "
                         "given weight 0" if result.trim is not None else "") + "."),),
        cannot_say=(Text("That the weighted groups are alike in anything not used for the "
                         "propensity score; check balance with balance(..., weights=result)."),),
        checks=(check,) + _warnings(result),
        included=(_two_groups("Weighting: {n} people who received support and {m} comparison "
                              "people.", n_t, n_c, "Weighting"),),
        tables=(table,), spec=dict(result.spec),
        headline_numbers={"n_treated": n_t, "n_comparison": n_c,
                          "effective_n_comparison": Value(ess, "num", reveals=(n_c,))})


# ------------------------------------------------------------------------------------------
# balance
# ------------------------------------------------------------------------------------------
def balance_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.BalanceResult`."""
    tab = result.to_frame()
    nt, nc = float(result.n_treated or 0), float(result.n_comparison or 0)
    adjusted = "smd_adjusted" in tab.columns
    at = float(result.n_treated_adjusted if result.n_treated_adjusted is not None else nt)
    ac = float(result.n_comparison_adjusted if result.n_comparison_adjusted is not None
               else nc)
    frame = tab.assign(n_treated=nt, n_comparison=nc, n_treated_adjusted=at,
                       n_comparison_adjusted=ac)
    hidden = ("n_treated", "n_comparison", "n_treated_adjusted", "n_comparison_adjusted")
    reveals: dict[str, Any] = {
        "mean_treated": "n_treated", "mean_comparison": "n_comparison",
        "smd_unadjusted": ("n_treated", "n_comparison"),
        "mean_treated_adjusted": "n_treated_adjusted",
        "mean_comparison_adjusted": "n_comparison_adjusted",
        "smd_adjusted": ("n_treated_adjusted", "n_comparison_adjusted")}
    table = Table(
        "Covariate balance (standardised mean differences)", frame,
        counts={c: "people" for c in hidden}, reveals=reveals, hidden=hidden,
        labels={"covariate": "Covariate", "mean_treated": "Mean, received support",
                "mean_comparison": "Mean, comparison", "smd_unadjusted": "SMD before",
                "mean_treated_adjusted": "Mean, received support (adjusted)",
                "mean_comparison_adjusted": "Mean, comparison (adjusted)",
                "smd_adjusted": "SMD after adjustment"}, name="balance")
    pf = pd.DataFrame({"group": [_TREATED, _COMPARISON], "n": [nt, nc]})
    if adjusted:
        pf["n_adjusted"] = [at, ac]
    people = Table("Covariate balance: people compared", pf,
                   counts={"n": "people", "n_adjusted": "people"},
                   shares={"n_adjusted": "n"}, known_total=("n",),
                   labels={"group": "Group", "n": "People",
                           "n_adjusted": "People with a positive weight"},
                   name="balance_people")
    col = "smd_adjusted" if adjusted else "smd_unadjusted"
    bad = tab.loc[tab[col].abs() > result.threshold, "covariate"].tolist()
    when = "after adjustment" if adjusted else "before adjustment"
    rests = (Count(nt), Count(nc), Count(at), Count(ac))
    detail = (f"Every standardised mean difference {when} is within +/-{result.threshold:g}."
              if not bad else
              f"{len(bad)} covariate(s) differ by more than {result.threshold:g} standard "
              f"deviations {when}: {', '.join(map(str, bad))}; a difference in outcomes may "
              "reflect them rather than the scheme.")
    check = Check("Covariate balance", "green" if not bad else ("amber" if adjusted else "red"),
                  Text(detail, reveals=rests, fallback="Balance is not shown: a group has "
                       "too few people for the disclosure threshold."))
    fig = Figure("Covariate balance: absolute standardised mean differences (Love plot; "
                 f"dashed line at {result.threshold:g})", table,
                 _love(result.threshold), name="balance",
                 size=(6.5, max(2.5, 0.4 * len(tab) + 1.4)))
    return Section(
        title=result.method, summary=(Text(detail, reveals=rests, fallback=None),),
        cannot_say=(Text("That balance on these covariates makes the groups comparable in "
                         "anything not measured."),),
        how_sure=(Text("Standardised mean differences with the unadjusted standard "
                       "deviations in the denominator before and after adjustment (Austin "
                       "2011)."),),
        checks=(check,) + _warnings(result),
        included=(_two_groups("Balance: {n} people who received support and {m} comparison "
                              "people.", rests[0], rests[1], "Balance"),),
        tables=(people, table), figures=(fig,), spec=dict(result.spec),
        headline_numbers={"n_treated": rests[0], "n_comparison": rests[1]})


def _love(threshold: float) -> Any:
    def draw(ax: Any, frame: pd.DataFrame) -> None:
        from ..plotting.balance import draw_love

        draw_love(ax, frame, threshold=threshold)

    return draw


# ------------------------------------------------------------------------------------------
# proven reoffending
# ------------------------------------------------------------------------------------------
def proven_section(result: Any, context: Context) -> Section:
    """The report content of a :class:`~wsa_eval.survival.ProvenReoffendingResult`."""
    m = result.measures.set_index("measure")["value"]
    frame = pd.DataFrame([{k: float(m[k]) for k in m.index}])
    counts = {"cohort_size": "people", "cohort_size_complete": "people",
              "reoffenders": "people", "proven_reoffences": "proven reoffences"}
    table = Table(
        "Proven reoffending measures", frame, counts=counts,
        shares={"reoffenders": "cohort_size_complete",
                "cohort_size_complete": "cohort_size"},
        reveals={"proven_reoffending_rate": ("reoffenders", "cohort_size_complete"),
                 "reoffences_per_offender": ("proven_reoffences", "cohort_size_complete"),
                 "reoffences_per_reoffender": ("proven_reoffences", "reoffenders"),
                 "mean_days_to_first_reoffence": "reoffenders"},
        labels={"cohort_size": "People in the cohort",
                "cohort_size_complete": "With complete follow-up",
                "reoffenders": "Reoffenders", "proven_reoffences": "Proven reoffences",
                "proven_reoffending_rate": "Proven reoffending rate",
                "reoffences_per_offender": "Reoffences per person",
                "reoffences_per_reoffender": "Reoffences per reoffender",
                "mean_days_to_first_reoffence": "Mean days to first reoffence"},
        kinds={"proven_reoffending_rate": "pct"}, name="proven_reoffending")
    tables = [table]
    n, nc = Count(float(m["cohort_size"])), Count(float(m["cohort_size_complete"]))
    r = Count(float(m["reoffenders"]))
    incomplete = Count(n.value - nc.value)
    rests = (nc, r, Count(nc.value - r.value), incomplete)
    summary = [Text(
        "Of {nc} people whose one-year follow-up and waiting period were complete, {rate} "
        f"had a proven reoffence (an offence committed within {result.follow_up_days} days "
        "of the index date and proven by caution or conviction within that time or a "
        f"further {result.waiting_days} days).",
        {"nc": nc, "rate": Value(float(m["proven_reoffending_rate"]), "pct", reveals=rests)},
        reveals=rests,
        fallback="The proven reoffending rate is not shown: it rests on too few people for "
                 "the disclosure threshold.")]
    checks = list(_warnings(result))
    if incomplete.value:
        checks.append(Check("Complete follow-up", "amber", Text(
            "{k} of {n} people have not yet had the full follow-up and waiting period: they "
            "are left out of the rate and the frequency, and censored in the time to first "
            "reoffence.", {"k": incomplete, "n": n}, reveals=(nc,),
            fallback="Some people have not yet had the full follow-up and waiting period: "
                     "they are left out of the rate and the frequency, and censored in the "
                     "time to first reoffence (numbers withheld: disclosure control).")))
    dropped = result.dropped
    if len(dropped):
        by = dropped.groupby(["table", "reason"]).size().rename("rows").reset_index()
        tables.append(Table("Records dropped as impossible, by reason", by,
                            counts={"rows": "records"}, known_total=("rows",),
                            labels={"table": "Table", "reason": "Reason", "rows": "Records"},
                            name="dropped"))
        checks.append(Check("Impossible records", "amber", Text(
            "{k} input records were dropped as impossible (see the table of reasons).",
            {"k": Count(float(len(dropped)), "records")})))
    return Section(
        title=result.method, summary=tuple(summary),
        cannot_say=(Text("That the rate is the effect of a scheme: it describes this cohort; "
                         "an effect needs a comparison group (reoffending_effects)."),),
        checks=tuple(checks),
        included=(Text("Proven reoffending cohort: {n} people with a usable index event.",
                       {"n": n}),
                  Text("Of them, {nc} have complete follow-up.", {"nc": nc},
                       reveals=(incomplete,), fallback=None)),
        tables=tuple(tables), spec=dict(result.spec),
        headline_numbers={"cohort_size": n, "cohort_size_complete": nc, "reoffenders": r,
                          "proven_reoffending_rate": Value(float(m["proven_reoffending_rate"]),
                                                           "pct", reveals=rests)})
