"""Fast paths for millions of rows: grouping, duplicate and sortedness checks with one
hashing pass each (they must behave exactly like the pandas operations they replace;
tests/did/test_cs_validate.py checks that)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def unit_groups(col: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
    """Group codes of a unit column in order of first appearance, each unit's first row and
    the units as an index (what ``groupby(unit, sort=False)`` uses), with one hashing pass;
    None for a categorical column (left to pandas, which also lists unused categories)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return None
    codes, uniq = pd.factorize(col, sort=False)
    if len(codes) == 0 or codes.min() < 0:
        return None
    # codes number units by first appearance, so a unit's first row is where the running
    # maximum of the codes goes up
    top = np.maximum.accumulate(codes)
    first_pos = np.flatnonzero(np.r_[True, top[1:] > top[:-1]])
    return codes, first_pos, pd.Index(uniq, name=col.name)


def duplicated_pairs(df: pd.DataFrame, unit: str, time: str) -> pd.Series:
    """``df.duplicated([unit, time], keep=False)``, through one integer key (much faster on
    millions of rows)."""
    if sorted_by(df, unit, time):  # strictly increasing time within each unit
        return pd.Series(False, index=df.index)
    u, uu = pd.factorize(df[unit], sort=False)
    t, tu = pd.factorize(df[time], sort=False)
    key = u.astype(np.int64) * max(len(tu), 1) + t
    cells = len(uu) * max(len(tu), 1)
    if cells <= 4 * len(key) + 1024:  # dense unit x period grid: count each cell once
        return pd.Series(np.bincount(key, minlength=cells)[key] > 1, index=df.index)
    return pd.Series(key, index=df.index).duplicated(keep=False)


def sorted_by(df: pd.DataFrame, unit: str, time: str) -> bool:
    """True when rows are already sorted by unit, then strictly by time within a unit."""
    if isinstance(df[unit].dtype, pd.CategoricalDtype):
        return False  # pandas sorts categories by their declared order
    u = df[unit].to_numpy()
    t = df[time].to_numpy()
    if len(u) < 2:
        return True
    try:
        same = u[1:] == u[:-1]
        return bool(np.all((u[1:] > u[:-1]) | (same & (t[1:] > t[:-1]))))
    except TypeError:  # mixed types: let pandas decide
        return False


def sort_panel(df: pd.DataFrame, unit: str, time: str) -> pd.DataFrame:
    """Rows sorted by unit then time (stable). Unit ids that mix numbers and text (which
    Python cannot compare) are ordered numbers first, then text."""
    if sorted_by(df, unit, time):
        return df
    try:
        return df.sort_values([unit, time], kind="stable")
    except TypeError:
        col = df[unit]
        rank = col.map(lambda v: (isinstance(v, str), str(v) if isinstance(v, str) else v))
        order = pd.Series(pd.factorize(rank, sort=True)[0], index=df.index)
        return df.assign(_order=order).sort_values(["_order", time], kind="stable").drop(
            columns="_order")
