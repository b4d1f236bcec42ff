"""The claim check's data: the panel, the comparison pool and the claim's years."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils import require_columns, require_frame
from ..errors import PanelError, SpecificationError, format_examples

__all__ = ["Prepared", "prepare", "claim_years"]


@dataclass(frozen=True)
class Prepared:
    """The analysed panel (log outcome on the log scale), its comparison pool and exclusions."""

    data: pd.DataFrame
    donors: tuple
    excluded: tuple
    outcome_is_count: bool = False


def claim_years(data: pd.DataFrame, time: str, start: Any, end: Any, baseline: Any
                ) -> tuple[Any, str]:
    """The claim's baseline year and how it was chosen (given, or the last period before
    the scheme's start)."""
    if baseline is not None:
        if not baseline < end:
            raise SpecificationError(f"baseline ({baseline}) must come before end ({end}).")
        return baseline, "given"
    before = sorted(t for t in pd.unique(data[time]) if t < start)
    if not before:
        raise PanelError(f"There is no period before the scheme's start {start}, so the claim "
                         "has no baseline; give baseline=.")
    return before[-1], "default"


def _pool(units: set, treated: Any, unit: str, exclude: Any, donors: Any
          ) -> list:
    excluded: list = []
    if exclude is not None:
        excl = [exclude] if isinstance(exclude, str) else list(exclude)
        unknown = [u for u in excl if u not in units]
        if unknown:
            raise PanelError(f"Area(s) to exclude {format_examples(unknown)} do not appear in "
                             f"the {unit!r} column.")
        excluded = [u for u in excl if u != treated]
    if donors is not None:
        pool = list(donors)
        unknown = [u for u in pool if u not in units]
        if unknown:
            raise PanelError(f"Donor area(s) {format_examples(unknown)} do not appear in the "
                             f"{unit!r} column.")
        excluded += [u for u in units if u not in pool and u != treated and u not in excluded]
    return excluded


def prepare(data: pd.DataFrame, outcome: str, unit: str, time: str, treated: Any, start: Any,
            end: Any, scale: str, donors: Any, exclude: Any, outcome_is_count: bool | None
            ) -> Prepared:
    """Validate the panel (the library's one validation, which also decides whether the
    outcome counts people and refuses impossible counts), drop excluded areas and periods
    after ``end``, take logs."""
    from ..panel import validate_panel

    require_frame(data)
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time})
    df = data[[unit, time, outcome]].copy()
    if pd.api.types.is_numeric_dtype(df[time]):
        df = df[df[time] <= end]
    units = set(pd.unique(df[unit]))
    if treated not in units:
        raise PanelError(
            f"The treated area {treated!r} does not appear in the {unit!r} column. Areas in the "
            f"data include {format_examples(sorted(map(str, units)), 8)}.")
    excluded = _pool(units, treated, unit, exclude, donors)
    df = df[~df[unit].isin(excluded)]
    rep = validate_panel(df, unit=unit, time=time, outcome=outcome, treated=treated,
                         start=start, min_pre_periods=2, outcome_is_count=outcome_is_count,
                         log_outcome=scale == "log")
    df = rep.data
    if scale == "log":
        bad = df[outcome] <= 0
        if bad.any():
            b = df.loc[bad]
            where = [f"({u!r}, {t})" for u, t in zip(b[unit], b[time])]
            raise PanelError(
                f"The outcome {outcome!r} is zero or negative at (unit, period) "
                f"{format_examples(where, quote=False)}; it cannot be analysed on the log "
                "scale. Use scale='level' (or a count model).")
        df[outcome] = np.log(df[outcome].astype(float))
    if df[time].max() < end:
        raise PanelError(f"The data end in {df[time].max()}, before the claim's end {end}.")
    pool = tuple(sorted(set(df[unit]) - {treated}, key=str))
    return Prepared(df, pool, tuple(sorted(excluded, key=str)), bool(rep.outcome_is_count))


def level_at(data: pd.DataFrame, outcome: str, unit: str, time: str, area: Any, period: Any
             ) -> float:
    """The (untransformed) outcome of one area in one period."""
    v = data.loc[(data[unit] == area) & (data[time] == period), outcome]
    if v.empty or not math.isfinite(float(v.iloc[0])):
        raise PanelError(f"{area!r} has no {outcome!r} value in {period}.")
    return float(v.iloc[0])
