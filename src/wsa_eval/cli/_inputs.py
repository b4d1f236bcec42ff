"""The data a configuration names, read and checked before anything is estimated.

Both ``wsa-eval run CONFIG`` and ``wsa-eval check CONFIG`` go through
:func:`prepare_panel_design`, which calls :func:`wsa_eval.panel.validate_panel` with the
arguments the design's estimator will use: so ``check`` and ``run`` agree, and advice is
phrased as a line of the configuration file.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ColumnError, PanelError, WsaEvalError, format_examples
from ..io import read_table
from ..panel import PanelReport, validate_panel
from ..panel._periods import period_number, read_periods
from ..panel._units import suggest
from ..panel._values import read_numbers
from ._output import run_style


class ConfigDataError(WsaEvalError):
    """A problem with the data a configuration names, phrased for the configuration."""


@dataclass
class PanelInput:
    """What one panel design gets: the data to estimate on, the validation report, the
    areas to leave out, the periods as numbers, and notes for "Who is included"."""

    design: str
    data: pd.DataFrame
    report: PanelReport
    file: Path
    exclude: list[str] = field(default_factory=list)
    periods: dict[str, float | None] = field(default_factory=dict)
    included: list[str] = field(default_factory=list)


def read_config_table(cfg: Any, section: str) -> tuple[pd.DataFrame, Path, list[str]]:
    """The file named by ``path`` in ``[section]``; notes say how it was read."""
    file = cfg.path(section)
    if not file.exists():
        raise ConfigDataError(f"File not found: {file} (key 'path' in [{section}]). Check the "
                              "path in the configuration (relative paths start from the "
                              "configuration's folder).")
    table = read_table(file)
    return table.data, file, list(table.notes)


def need_columns(df: pd.DataFrame, wanted: dict[str, str], file: Path, section: str) -> None:
    """Every configured column exists, else an error naming the key and a close match."""
    cols = [str(c) for c in df.columns]
    for key, col in wanted.items():
        if col not in df.columns:
            raise ColumnError(
                f"Column {col!r} (key '{key}' in [{section}]) is not in {file.name}."
                f"{column_hint(col, cols)} The file has the columns "
                f"{format_examples(cols, 20)}. Fix the spelling in the configuration or in "
                "the file's header row (names must match exactly).")


def column_hint(col: str, cols: Sequence[str]) -> str:
    same = [c for c in cols if c.strip().casefold() == col.strip().casefold()]
    if same:
        return f" Did you mean {same[0]!r}? (capitals and spaces must match)"
    close = difflib.get_close_matches(col, cols, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_area(name: Any, units: Sequence[Any], key: str, section: str, file: Path,
               unit: str) -> None:
    if name not in set(units):
        raise ConfigDataError(
            f"The area {name!r} (key '{key}' in [{section}]) is not in the {unit!r} column of "
            f"{file.name}.{suggest(name, list(units))} Spell area names exactly as in the "
            "data.")


def start_date_exclusions(cfg: Any, units: Sequence[Any], unit_col: str, data_file: Path,
                          treated: Any, end: float) -> tuple[list[str], str | None]:
    """Areas of the start-date table with a scheme starting by ``end`` (not ``treated``)."""
    if "start_dates" not in cfg:
        return [], None
    sd = cfg["start_dates"]
    tab, file, _ = read_config_table(cfg, "start_dates")
    need_columns(tab, {"unit": sd["unit"], "start": sd["start"]}, file, "start_dates")
    known = set(units)
    for i, name in zip(tab.index, tab[sd["unit"]]):
        if name not in known:
            raise ConfigDataError(
                f"Area {name!r} in {file.name} (row {i + 2}) does not match any area in the "
                f"{unit_col!r} column of {data_file.name}.{suggest(name, list(units))} Spell "
                "area names in the start-date table exactly as in the data.")
    year = pd.to_numeric(tab[sd["start"]].astype(str).str[:4], errors="coerce")
    keep = year.isna() | (year <= end)  # an undated scheme might predate the window
    out = sorted({str(a) for a, k in zip(tab[sd["unit"]], keep) if k and a != treated})
    note = (f"Left out of the comparison because the start-date table ({file.name}) lists a "
            f"scheme of their own starting by {end:g} or undated: "
            f"{', '.join(out) if out else 'none'}.")
    return out, note


def _period(cfg: Any, design: str, key: str, time: str) -> float | int | None:
    """A period of the configuration as a number (a whole year stays an int, so reports
    say 2016, not 2016.0)."""
    value = cfg[design].get(key)
    if value is None:
        return None
    try:
        v = period_number(value, {}, time)
    except WsaEvalError as exc:
        raise ConfigDataError(f"In section [{design}], key '{key}': {exc}") from None
    return int(v) if float(v).is_integer() else v


def _validate(df: pd.DataFrame, design: str, file: Path, **kw: Any) -> PanelReport:
    try:
        return validate_panel(df, **kw)
    except PanelError as exc:
        raise ConfigDataError(f"{file.name} (checked for [{design}]): "
                              f"{exc.render(run_style(design))}") from None


def _converted(rows: pd.DataFrame, time: str, outcome: str) -> pd.DataFrame:
    """Rows of areas left out of the main comparison, with periods and numbers read as
    validate_panel reads them (cells it cannot read become missing): estimators drop these
    areas before their own checks, but a robustness run may use them."""
    out = rows.copy()
    periods = read_periods(out[time], time)
    out[time] = periods.values if periods.values is not None else float("nan")
    out[outcome] = read_numbers(out[outcome]).values
    return out


def prepare_panel_design(design: str, cfg: Any, df: pd.DataFrame, file: Path
                         ) -> PanelInput:
    """Validate the data for one panel design exactly as its estimator needs them."""
    dc = cfg["data"]
    unit, time, outcome = dc["unit"], dc["time"], dc["outcome"]
    common = dict(unit=unit, time=time, outcome=outcome, warn=True,
                  outcome_is_count=dc.get("outcome_is_count"))
    d = cfg[design]
    if design == "staggered":
        need_columns(df, {"first_treated": d["first_treated"]}, file, "staggered")
        for c in d["covariates"]:
            need_columns(df, {"covariates": c}, file, "staggered")
        report = _validate(df, design, file, first_treated=d["first_treated"],
                           covariates=d["covariates"] or None, control_group=d["control_group"],
                           anticipation=d["anticipation"], min_pre_periods=1, **common)
        return PanelInput(design, report.data, report, file, included=_notes(report))
    units = list(pd.unique(df[unit]))
    check_area(d["treated"], units, "treated", design, file, unit)
    for a in d["exclude"]:
        check_area(a, units, "exclude", design, file, unit)
    periods = {k: _period(cfg, design, k, time) for k in ("start", "end", "baseline")
               if k in d}
    last = periods.get("end")
    if last is None:  # the schemes that matter are those started by the data end
        all_periods = read_periods(df[time], time).values
        last = float(all_periods.max()) if all_periods is not None else float("inf")
    excl, note = start_date_exclusions(cfg, units, unit, file, d["treated"], last)
    exclude = sorted(set(d["exclude"]) | set(excl), key=str)
    left_out = df[unit].isin(exclude)
    kw: dict[str, Any] = dict(treated=d["treated"], start=periods["start"], min_pre_periods=2)
    if design == "claim":
        kw["log_outcome"] = d["scale"] == "log"
    else:
        kw.update(control_group="never_treated", always_treated="error")
    report = _validate(df.loc[~left_out], design, file, **kw, **common)
    data = report.data
    if left_out.any():
        data = pd.concat([data, _converted(df.loc[left_out], time, outcome)],
                         ignore_index=True)
    included = [note] if note else []
    return PanelInput(design, data, report, file, exclude, periods,
                      included + _notes(report))


def _notes(report: PanelReport) -> list[str]:
    """What the checks decided that a reader of the report should know."""
    keep = {"periods", "thousands separators"}
    notes = [m for (c, s), m in zip(report.checks[["check", "status"]].itertuples(index=False),
                                    report.messages(run_style(None))) if c in keep and m]
    outcomes = report.columns.get("outcome") or []
    for y in outcomes:
        if y in report.count_outcomes:
            notes.append(f"The outcome {y!r} is read as a count of people (set "
                         "outcome_is_count in [data] to say otherwise).")
    return notes
