"""``wsa-eval run``: each design of the configuration, estimated on data already read and
checked (:mod:`._inputs`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..content import Count, Text
from ..errors import DataFormatError, SpecificationError
from ._inputs import PanelInput, need_columns, read_config_table


def run_panel_design(inp: PanelInput, cfg: Any, progress: bool | None
                     ) -> tuple[list[Any], list[str]]:
    design, df = inp.design, inp.data
    d, st, data = cfg[design], cfg["study"], cfg["data"]
    unit, time, outcome = data["unit"], data["time"], data["outcome"]
    included = list(inp.included)
    if design == "staggered":
        from ..did.staggered import callaway_santanna

        res = callaway_santanna(
            df, outcome=outcome, unit=unit, time=time, first_treated=d["first_treated"],
            control_group=d["control_group"], method=d["method"],
            anticipation=d["anticipation"], covariates=d["covariates"] or None,
            inference="bootstrap" if d["bootstrap"] else "analytic", reps=st["reps"],
            alpha=st["alpha"],
            random_state=st["seed"], progress=progress)
        g = inp.report.cohorts.to_numpy(dtype=float)
        included.insert(0, f"{len(g)} areas: {int((g < float('inf')).sum())} with a scheme, "
                           f"{int((g == float('inf')).sum())} never treated.")
        return [res], included
    p = inp.periods
    exclude = inp.exclude
    if design == "claim":
        from ..claims import check_claim

        res = check_claim(
            df, outcome=outcome, unit=unit, time=time, treated=d["treated"], start=p["start"],
            end=p["end"], claimed_change=d["claimed_change"], baseline=p.get("baseline"),
            exclude=exclude or None, methods=d["methods"], primary=d["primary"],
            scale=d["scale"], outcome_is_count=inp.report.outcome_is_count, reps=st["reps"],
            alpha=st["alpha"], random_state=st["seed"], progress=progress)
    else:
        from ..synth import did, sc, sdid

        res = {"sdid": sdid, "sc": sc, "did": did}[design](
            df, outcome=outcome, unit=unit, time=time, treated=d["treated"], start=p["start"],
            inference=d["inference"] or d["se"], reps=st["reps"], alpha=st["alpha"],
            random_state=st["seed"],
            progress=progress, exclude=exclude or None)
    n_units = len(pd.unique(df[unit]))
    included.insert(0, f"Treated area: {d['treated']} (from {inp.report.label(p['start'])}); "
                       f"{n_units - 1 - len(exclude)} comparison areas.")
    return [res], included


def _need_numeric(df: pd.DataFrame, col: str, file: Path, allow_missing: bool = False
                  ) -> pd.DataFrame:
    """A column of numbers in the (person-level) reoffending file."""
    from ..errors import format_examples
    from ..panel._values import read_numbers

    r = read_numbers(df[col])

    def where(mask: pd.Series) -> str:
        rows = [f"row {int(i) + 2}" for i in df.index[mask.to_numpy()][:5]]
        n = int(mask.sum())
        return ", ".join(rows) + (f" and {n - 5} more" if n > 5 else "")

    bad = r.text | r.marker_cells
    if bad.any():
        vals = format_examples(list(dict.fromkeys(map(str, df.loc[bad, col])))[:5], 5)
        raise DataFormatError(
            f"The column {col!r} in {file.name} must hold numbers, but has text ({vals}) at "
            f"{where(bad)}. Replace the text with numbers (or remove those rows) and run "
            "again. Row numbers count the header as row 1.")
    if not allow_missing and r.values.isna().any():
        raise DataFormatError(
            f"The column {col!r} in {file.name} has empty or missing cells at "
            f"{where(r.values.isna())}. Fill them in (or remove those rows) and run again.")
    if r.converted:
        df = df.assign(**{col: r.values})
    return df


def run_reoffending(cfg: Any, progress: bool | None) -> tuple[list[Any], list[Any]]:
    from ..survival.balance import balance, match, weight
    from ..survival.jdl import reoffending_effects

    d, st = cfg["reoffending"], cfg["study"]
    raw, file, notes = read_config_table(cfg, "reoffending")
    measures = {k: d[k] for k in ("reoffended", "n_reoffences", "time", "event")}
    need_columns(raw, {"treatment": d["treatment"], **measures}, file, "reoffending")
    for c in d["covariates"]:
        need_columns(raw, {"covariates": c}, file, "reoffending")
    for c in [d["treatment"], d["time"], d["event"], *d["covariates"]]:
        raw = _need_numeric(raw, c, file)
    for c in (d["reoffended"], d["n_reoffences"]):  # missing = follow-up incomplete
        raw = _need_numeric(raw, c, file, allow_missing=True)
    frame = pd.DataFrame({d["treatment"]: raw[d["treatment"]]})
    for c in d["covariates"]:
        frame[c] = raw[c]
    for std, col in measures.items():
        frame[std] = raw[col]
    bad = ~frame[d["treatment"]].isin([0, 1])
    if bad.any():
        raise SpecificationError(
            f"The treatment column {d['treatment']!r} in {file.name} must be 1 (received "
            f"support) or 0 (comparison), but row {int(frame.index[bad][0]) + 2} has "
            f"{frame[d['treatment']][bad].iloc[0]!r}.")
    if d["adjust"] != "none" and not d["covariates"]:
        raise SpecificationError(
            f"In section [reoffending], adjust = {d['adjust']!r} needs covariates = [...] "
            "(the columns to match or weight on), or set adjust = \"none\".")
    n1 = int((frame[d["treatment"]] == 1).sum())
    n0 = int((frame[d["treatment"]] == 0).sum())
    included: list[Any] = notes + [_read_sentence(file.name, n1, n0)]
    adj = None
    if d["adjust"] == "match":
        adj = match(frame, treatment=d["treatment"], covariates=d["covariates"],
                    caliper=d["caliper"], ratio=d["ratio"], random_state=st["seed"])
        included.append(_matched_sentence(adj.n_treated, adj.n_matched_treated))
    elif d["adjust"] == "weight":
        adj = weight(frame, treatment=d["treatment"], covariates=d["covariates"])
        included.append(adj.interpret())
    eff = reoffending_effects(frame, treatment=d["treatment"], weights=adj,
                              population=d["population"], horizon=d["horizon"],
                              alpha=st["alpha"])
    included.append(_analysed_sentence(n1, n0, eff.n_treated or 0, eff.n_comparison or 0,
                                       adj is not None))
    out: list[Any] = [eff]
    if d["covariates"]:
        out.append(balance(frame, treatment=d["treatment"], covariates=d["covariates"],
                           weights=adj))
    return out, included


__all__: Sequence[str] = ["run_panel_design", "run_reoffending"]


# Sentences for "Who is included", typed so that the report withholds small counts, and
# any count a reader could work out from the others (a part subtracted from a shown total).
def _read_sentence(file_name: str, n1: int, n0: int) -> Text:
    total = Count(n1 + n0)
    return Text(
        "Records read from {file}: {n} people; {n1} people received support and {n0} "
        "people were in the comparison pool.",
        {"file": file_name, "n": total, "n1": Count(n1), "n0": Count(n0)},
        fallback=f"Records read from {file_name}: people who received support and people in "
                 "the comparison pool (the numbers are withheld: one of the groups is small).",
        reveals=(Count(n1), Count(n0)))


def _matched_sentence(n_treated: int, n_matched: int) -> Text:
    left = Count(n_treated - n_matched)
    return Text(
        "Matching: {m} of the supported people were matched ({left} people without a close "
        "comparison person were left out).",
        {"m": Count(n_matched), "left": left},
        fallback="Matching: some supported people without a close comparison person were "
                 "left out (the numbers are withheld: one of the groups is small).",
        reveals=(Count(n_matched), left))


def _analysed_sentence(n1: int, n0: int, a1: int, a0: int, weighted: bool) -> Text:
    # the analysed people are a part of the people read: the rest is a count too
    rest = (Count(n1 - a1), Count(n0 - a0))
    return Text(
        "Analysed for the one-year measures (complete follow-up"
        + (", weight above zero" if weighted else "") + "): {a1} supported people and {a0} "
        "comparison people; the Kaplan-Meier measures also use people whose follow-up was cut "
        "short.",
        {"a1": Count(a1), "a0": Count(a0)},
        fallback="Analysed for the one-year measures: the people with complete follow-up"
                 + (" and weight above zero" if weighted else "") + " (the numbers are "
                 "withheld: a group, or the number left out, is small); the Kaplan-Meier "
                 "measures also use people whose follow-up was cut short.",
        reveals=(Count(a1), Count(a0)) + tuple(r for r in rest if r.value > 0))

