"""The claim check's report content: sentences, tables, figures and checks, with every count
of people and every number that reveals one declared (see :mod:`wsa_eval.content`)."""

from __future__ import annotations

import math
from functools import partial
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from .._format import fmt_num, fmt_p, fmt_pct
from ..content import (
    INCONCLUSIVE,
    Check,
    Context,
    Count,
    Figure,
    Section,
    Table,
    Text,
    Value,
    text,
)

__all__ = ["claim_sentences", "claim_section", "claim_checks"]

_PCT = "pct"


def _fell(x: float) -> str:
    return "fell" if x < 0 else "rose"


def _noun(claim: Any, context: Context) -> str:
    return context.outcome_label or claim.outcome_label


def _counts(claim: Any) -> tuple[Count, ...]:
    """The two counts of the treated area that the claim's own change rests on."""
    if not claim.outcome_is_count:
        return ()
    return (Count(claim.baseline_level), Count(claim.end_level))


def _level(alpha: float) -> str:
    return f"{100 * (1 - alpha):.0f}%"


def claim_sentences(claim: Any, context: Context, verdict: bool = True) -> list[Text]:
    """The claim in plain English; every number typed so disclosure control can act.

    ``verdict=False`` leaves out the verdict sentence (a report states it in its headline).
    """
    r = claim.primary_row
    what, area = _noun(claim, context), str(claim.treated)
    counts = _counts(claim)
    A, C, E = claim.raw_change, float(r["counterfactual_change"]), float(r["change"])
    out = [text(f"Claim: {what} in {area} {_fell(claim.claimed_change)} by {{c}} from "
                f"{claim.baseline} to {claim.end}.",
                c=Value(claim.claimed_change, "pct_unsigned"))]
    if claim.baseline_source == "default":
        out.append(text(f"The claim gave no starting year, so its change is measured from "
                        f"{claim.baseline}, the last year before the scheme started in "
                        f"{claim.start}."))
    levels = " ({y0} in {b}, {y1} in {e})" if counts else ""
    out.append(Text(
        f"In the data, {what} in {area} {_fell(A)} by {{a}} from {claim.baseline} to "
        f"{claim.end}" + levels.format(y0="{y0}", b=claim.baseline, y1="{y1}", e=claim.end)
        + "; over the same years the {j} comparison areas together "
        f"{_fell(claim.comparison_change)} by {{comp}}.",
        {"a": Value(A, "pct_unsigned", reveals=counts), "j": len(claim.donors),
         "comp": Value(claim.comparison_change, "pct_unsigned"),
         **({"y0": counts[0], "y1": counts[1]} if counts else {})},
        fallback=(f"The actual change from {claim.baseline} to {claim.end} is not shown: in "
                  f"one of those years the number is below the disclosure threshold. Over "
                  f"the same years the {len(claim.donors)} comparison areas together "
                  f"{_fell(claim.comparison_change)} by "
                  f"{fmt_pct(claim.comparison_change, signed=False)}.")))
    if math.isfinite(C):
        out.append(text(f"Without the scheme, {r['label'].lower()} estimates that {what} in "
                        f"{area} would have {'fallen' if C < 0 else 'risen'} by {{c}} over those "
                        "years.", c=Value(C, "pct_unsigned", reveals=counts)))
    out.append(text(
        f"In {claim.end} the actual number was {{e}} that estimate ({_level(claim.alpha)} "
        "confidence interval: from {lo} to {hi}): this is the change attributable to the "
        "scheme.",
        e=Value(E, "pct_dir", "below|above"), lo=Value(float(r["change_ci_low"]), "pct_dir",
                                                       "below|above"),
        hi=Value(float(r["change_ci_high"]), "pct_dir", "below|above")))
    if math.isfinite(C) and math.isfinite(A):
        out.append(Text(
            f"The three changes multiply rather than add: as ratios of {claim.end} to "
            f"{claim.baseline}, {{a}} (actual) = {{c}} (without the scheme) x {{e}} "
            "(attributable).",
            {"a": Value(1 + A, "num", reveals=counts), "c": Value(1 + C, "num", reveals=counts),
             "e": Value(1 + E, "num")}))
    v = claim.assessment
    if verdict:
        out.append(text(f"Verdict: {v.label}. {v.reason}"))
    if v.label == INCONCLUSIVE:
        out.append(text("This is not evidence that the scheme had no effect."))
    if claim.claimed_change != 0 and math.isfinite(claim.claimed_change):
        word = "fall" if claim.claimed_change < 0 else "rise"
        out.append(text(f"The claimed {{c}} {word} is a raw before/after change; it should not "
                        "be read as the scheme's effect.",
                        c=Value(claim.claimed_change, "pct_unsigned")))
    return out


def _how_sure(claim: Any) -> list[Text]:
    r = claim.primary_row
    n = int(r["n_placebos"])
    larger = n - int(r["n_as_large"])
    word = "fall" if r["estimate"] < 0 else "rise"
    se = float(r["std_error"])
    z = NormalDist().inv_cdf(1 - claim.alpha / 2) + NormalDist().inv_cdf(0.8)
    out = [
        text(f"Placebo check: when each comparison area in turn was given the scheme, "
             f"{claim.treated} showed a larger {word} in {claim.end} than {larger} of the {n} "
             f"comparison areas (permutation p = {fmt_p(r['p_value'])})."),
        text(f"With {n} comparison areas, the smallest p-value this check can give is "
             f"{fmt_p(r['min_p_value'])} (one in {n + 1})."),
        text(f"Averaged over {claim.start}-{claim.end}, the outcome was {{avg}} the "
             f"estimate without the scheme (permutation p = {fmt_p(r['average_p_value'])}).",
             avg=Value(float(np.expm1(r['average_estimate'])), "pct_dir", "below|above")
             if claim.scale == "log" else Value(float(r["average_estimate"]), "num",
                                                 " (outcome units) away from")),
        text("Judged instead by how much worse the fit became after the start than before "
             "(the ratio of the typical post-start to pre-start difference, Abadie, Diamond & "
             f"Hainmueller 2010), the permutation p-value is "
             f"{fmt_p(r['p_value_rmspe_ratio'])}."),
    ]
    if math.isfinite(se) and claim.scale == "log":
        mde = float(np.expm1(-z * se))
        out.append(text(
            f"Minimum detectable effect: with this much year-to-year variation between areas, "
            f"only a change of about {{m}} or more in {claim.end} would be detected 80% of the "
            f"time at the {100 * claim.alpha:g}% level.", m=Value(mde, "pct_unsigned")))
    return out


def _status(ok: bool, warn: bool) -> str:
    return "green" if ok else ("amber" if warn else "red")


def claim_checks(claim: Any) -> list[Check]:
    """The traffic-light checks of a claim (pure: reads only the result)."""
    r = claim.primary_row
    out = []
    pre = float(r["pre_rmspe"])
    gap_word = "%" if claim.scale == "log" else " (outcome units)"
    pre_txt = f"{100 * pre:.1f}%" if claim.scale == "log" else fmt_num(pre)
    out.append(Check("Fit before the scheme", _status(pre < 0.05, pre < 0.10)
                     if claim.scale == "log" else "grey",
                     f"Before {claim.start} the estimate missed the actual values by {pre_txt} "
                     f"on average (root mean square{'' if gap_word == '%' else gap_word})."))
    n = len(claim.donors)
    out.append(Check("Number of comparison areas",
                     _status(1 / (n + 1) <= claim.alpha / 2, 1 / (n + 1) <= claim.alpha),
                     f"{n} areas: the smallest possible permutation p-value is "
                     f"{fmt_p(1 / (n + 1))}."))
    neff = float(r.get("n_effective_donors", math.nan))
    if math.isfinite(neff):
        out.append(Check("Effective number of comparison areas", _status(neff >= 5, neff >= 2),
                         f"The weights are spread over about {neff:.1f} areas."))
    signs = {np.sign(x) if p <= claim.alpha else 0
             for x, p in zip(claim.attributable["estimate"], claim.attributable["p_value"])}
    detail = "All methods point the same way." if len(signs) == 1 else (
        "Methods differ: " + "; ".join(f"{lab} {fmt_pct(c)} (p = {fmt_p(p)})" for lab, c, p in
                                        zip(claim.attributable["label"],
                                            claim.attributable["change"],
                                            claim.attributable["p_value"])) + ".")
    out.append(Check("Agreement between methods", _status(len(signs) == 1, True), detail))
    if len(claim.robustness) > 1:
        rob = claim.robustness.iloc[1:]
        diff = rob[rob["verdict"] != claim.verdict]
        out.append(Check("Sensitivity (other comparison areas, data editions, start years)",
                         _status(diff.empty, True),
                         "The verdict is the same in every variant." if diff.empty else
                         "The verdict changes in: " + ", ".join(diff["specification"]) + "."))
    n_pre = int((~claim.paths["post"].astype(bool)).sum())
    out.append(Check("Years before the scheme", _status(n_pre >= 5, True),
                     f"{n_pre} years of data before the scheme started."))
    out += [Check("Warning while fitting", "amber", w) for w in claim.warnings]
    return out


_PATH_LABELS = {"time": "Year", "actual": "Actual", "counterfactual":
                "Estimated without the scheme", "gap_percent": "Difference", "post":
                "After the start"}


def _tables(claim: Any, context: Context) -> list[Table]:
    a = claim.attributable
    counts = _counts(claim)
    noun = "people" if claim.outcome_is_count else ""
    pct = claim.scale == "log"
    by_method = pd.DataFrame({
        "label": a["label"], "actual_change": a["actual_change"],
        "counterfactual_change": a["counterfactual_change"], "change": a["change"],
        "change_ci_low": a["change_ci_low"], "change_ci_high": a["change_ci_high"],
        "p_value": a["p_value"], "min_p_value": a["min_p_value"],
        "average": np.expm1(a["average_estimate"]) if pct else a["average_estimate"],
        "average_p_value": a["average_p_value"]})
    t_methods = Table(
        f"Change from {claim.baseline} to {claim.end}, by method", by_method,
        external={"actual_change": counts, "counterfactual_change": counts},
        labels={"label": "Method", "actual_change": "Actual change",
                "counterfactual_change": "Without the scheme (estimate)",
                "change": f"Attributable (effect in {claim.end})",
                "change_ci_low": "Lower limit", "change_ci_high": "Upper limit",
                "p_value": "Permutation p-value", "min_p_value": "Smallest possible p-value",
                "average": f"Average effect {claim.start}-{claim.end}",
                "average_p_value": "p-value of the average"},
        kinds={c: "pct" for c in ("actual_change", "counterfactual_change", "change",
                                  "change_ci_low", "change_ci_high")}
        | {"average": "pct" if pct else "num", "p_value": "p", "min_p_value": "p",
           "average_p_value": "p"},
        appendix=False, name="methods")
    rob = claim.robustness
    t_rob = Table("Robustness: the primary method on other specifications", pd.DataFrame({
        "specification": rob["specification"], "change": rob["change"],
        "change_ci_low": rob["change_ci_low"], "change_ci_high": rob["change_ci_high"],
        "p_value": rob["p_value"], "n_comparison_areas": rob["n_comparison_areas"],
        "verdict": rob["verdict"]}),
        labels={"specification": "Specification", "change": f"Attributable ({claim.end})",
                "change_ci_low": "Lower limit", "change_ci_high": "Upper limit",
                "p_value": "Permutation p-value", "n_comparison_areas": "Comparison areas",
                "verdict": "Verdict"},
        kinds={"change": "pct", "change_ci_low": "pct", "change_ci_high": "pct",
               "p_value": "p", "n_comparison_areas": "int"}, name="robustness")
    paths = claim.paths[["time", "actual", "counterfactual", "gap_percent", "post"]]
    t_paths = Table("By year: actual and estimated without the scheme", paths,
                    counts={"actual": noun} if claim.outcome_is_count else {},
                    reveals={"counterfactual": "actual", "gap_percent": "actual"}
                    if claim.outcome_is_count else {},
                    labels=_PATH_LABELS | {"actual": f"Actual ({_noun(claim, context)})"},
                    units={"gap_percent": "%"},
                    kinds={"time": "text", "gap_percent": "num"},
                    name="paths")
    return [t_methods, t_rob, t_paths]


def _figures(claim: Any, context: Context) -> list[Figure]:
    from ..plotting import claims as pc

    count = claim.outcome_is_count
    paths = claim.paths
    decl = dict(counts={"actual": "people"} if count else {},
                reveals={"counterfactual": "actual", "gap_percent": "actual", "gap": "actual",
                         "treated_gap": "actual"} if count else {})
    area, what = str(claim.treated), _noun(claim, context)
    pl = pc.placebo_frame(claim)
    mf = pc.methods_frame(claim)
    counts = _counts(claim)
    return [
        Figure(f"{area}: actual and estimated without {context.scheme}",
               Table("paths", paths, **decl),
               partial(pc.draw_paths, area=area, outcome_label=what, start=claim.start),
               name="paths"),
        Figure("Difference from the estimate without the scheme, by year",
               Table("gap", paths, **decl),
               partial(pc.draw_gap, start=claim.start, scale=claim.scale), name="gap"),
        Figure("Placebo check: every comparison area given the scheme in turn (treated area "
               "in red)", Table("placebo", pl, **decl),
               partial(pc.draw_placebo, area=area, start=claim.start, scale=claim.scale),
               name="placebo"),
        Figure("Claimed, actual and attributable change by method",
               Table("methods", mf, external={(1, "change"): counts}),
               pc.draw_methods, name="methods"),
    ]


def claim_section(claim: Any, context: Context) -> Section:
    """Everything the report shows about a claim check."""
    r = claim.primary_row
    sentences = claim_sentences(claim, context, verdict=False)
    scheme = context.scheme
    counts = _counts(claim)
    can = [next(s for s in sentences if s.template.startswith("In the data"))]
    if claim.verdict != INCONCLUSIVE:
        can.append(text(f"After allowing for what comparison areas saw, there is "
                        f"{claim.verdict} attributable to {scheme}: in {claim.end} the number "
                        f"was about {{e}} the estimate without it ({_level(claim.alpha)} "
                        "confidence interval: from {lo} to {hi}).",
                        e=Value(float(r["change"]), "pct_dir", "below|above"),
                        lo=Value(float(r["change_ci_low"]), "pct_dir", "below|above"),
                        hi=Value(float(r["change_ci_high"]), "pct_dir", "below|above")))
    else:
        can.append(text(f"The change attributable to {scheme} is uncertain: the data are "
                        "consistent with changes from {lo} to {hi}.",
                        lo=Value(float(r["change_ci_low"]), _PCT),
                        hi=Value(float(r["change_ci_high"]), _PCT)))
    cannot = [text(f"That the actual {{a}} was caused by {scheme}: part of it happened in "
                   "comparison areas too.",
                   a=Value(claim.raw_change, "pct_dir", "fall|rise", reveals=counts),
                   fallback=f"That the actual change was caused by {scheme}: part of it "
                            "happened in comparison areas too.")]
    if claim.verdict == INCONCLUSIVE:
        cannot.append(text(f"That {scheme} had no effect: an inconclusive result means the "
                           "data cannot tell, not that nothing happened."))
    included = [text(f"Treated area: {claim.treated} (scheme from {claim.start})."),
                text(f"Comparison areas ({len(claim.donors)}): "
                     f"{', '.join(map(str, claim.donors))}.")]
    if claim.excluded:
        included.append(text(f"Left out of the comparison ({len(claim.excluded)}): "
                             f"{', '.join(map(str, claim.excluded))} (schemes of their own, "
                             "or excluded by the user)."))
    headline = {"claimed_change": Value(claim.claimed_change, _PCT),
                "actual_change": Value(claim.raw_change, _PCT, reveals=counts),
                "counterfactual_change": Value(float(r["counterfactual_change"]), _PCT,
                                               reveals=counts),
                "attributable_change": Value(float(r["change"]), _PCT),
                "attributable_ci_low": Value(float(r["change_ci_low"]), _PCT),
                "attributable_ci_high": Value(float(r["change_ci_high"]), _PCT),
                "p_value": Value(float(r["p_value"]), "p"),
                "min_p_value": Value(float(r["min_p_value"]), "p"),
                "comparison_change": Value(claim.comparison_change, _PCT)}
    return Section(
        title=f"Did {scheme} change {_noun(claim, context)} in {claim.treated}?",
        verdict=claim.assessment, summary=tuple(sentences), can_say=tuple(can),
        cannot_say=tuple(cannot), how_sure=tuple(_how_sure(claim)),
        checks=tuple(claim_checks(claim)), included=tuple(included),
        tables=tuple(_tables(claim, context)), figures=tuple(_figures(claim, context)),
        header={"Area": claim.treated, "Outcome": _noun(claim, context),
                "Claim": f"a {fmt_pct(claim.claimed_change, signed=False)} "
                         f"{'fall' if claim.claimed_change < 0 else 'rise'} from "
                         f"{claim.baseline} to {claim.end}"
                         + (" (baseline: the last year before the scheme)"
                            if claim.baseline_source == "default" else ""),
                "Scheme start": claim.start,
                "Primary method": str(r["label"])},
        spec=dict(claim.spec), headline_numbers=headline)
