"""Plots of a claim check (plain labels, for reports).

Each figure has a *drawer* that takes an Axes and a data frame (``draw_paths(ax, frame,
...)``) so that reports draw it from disclosure-controlled data, where a suppressed value is
NaN and shows as a gap; the ``*_plot(claim, ax)`` functions draw a
:class:`~wsa_eval.claims.ClaimResult` directly (every value; for the analyst's notebook).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import get_ax

__all__ = ["paths_plot", "gap_plot", "placebo_plot", "methods_plot", "draw_paths",
           "draw_gap", "draw_placebo", "draw_methods", "paths_frame", "placebo_frame",
           "methods_frame"]


def _year_axis(ax: Any, times: Any, missing: Any = None) -> None:
    """Whole-year ticks over the full period; shade periods whose values are not shown."""
    t = pd.to_numeric(pd.Series(list(times)), errors="coerce").dropna().to_numpy(float)
    if not len(t):
        return
    ax.set_xlim(t.min() - 0.5, t.max() + 0.5)
    if np.all(t == np.round(t)) and len(t) <= 30:
        ax.set_xticks(t)
        ax.set_xticklabels([str(int(x)) for x in t], rotation=45 if len(t) > 12 else 0)
    if missing is not None:
        first = True
        for x, m in zip(t, np.asarray(missing, bool)):
            if m:
                ax.axvspan(x - 0.5, x + 0.5, color="0.85", alpha=0.5, lw=0,
                           label="not shown (disclosure control)" if first else None)
                first = False


def _start_line(ax: Any, start: Any) -> None:
    try:
        ax.axvline(float(start) - 0.5, color="0.6", ls=":", lw=1)
    except (TypeError, ValueError):  # non-numeric periods: no line
        pass


def draw_paths(ax: Any, frame: pd.DataFrame, *, area: str, outcome_label: str,
               start: Any) -> None:
    """Actual outcome and the estimate without the scheme (``time, actual,
    counterfactual``)."""
    ax.plot(frame["time"], frame["actual"], "o-", color="C3", label=str(area))
    ax.plot(frame["time"], frame["counterfactual"], "s--", color="0.35",
            label="estimated without the scheme")
    _year_axis(ax, frame["time"], frame["actual"].isna())
    _start_line(ax, start)
    ax.set_xlabel("year")
    ax.set_ylabel(outcome_label[:1].upper() + outcome_label[1:])
    ax.set_title(f"{area}: actual and estimated without the scheme")
    ax.legend(frameon=False)


def draw_gap(ax: Any, frame: pd.DataFrame, *, start: Any, scale: str) -> None:
    """Gap between actual and no-scheme estimate by year (``time, gap_percent, gap,
    post``)."""
    y = frame["gap_percent"] if scale == "log" else frame["gap"]
    colors = np.where(frame["post"].astype(bool), "C3", "0.7")
    ax.bar(frame["time"], y.fillna(0).where(y.notna(), 0), color=colors)
    _year_axis(ax, frame["time"], y.isna())
    if y.isna().any():
        ax.legend(frameon=False, fontsize=8)
    ax.axhline(0, color="0.3", lw=0.8)
    _start_line(ax, start)
    ax.set_xlabel("year")
    ax.set_ylabel("difference from the estimate without the scheme (%)" if scale == "log"
                  else "difference from the estimate without the scheme")
    ax.set_title("Difference by year (grey: before the scheme)")


def draw_placebo(ax: Any, frame: pd.DataFrame, *, area: str, start: Any, scale: str) -> None:
    """Gaps of each comparison area given the scheme in turn (columns ``placebo: ...``) and
    of the treated area (``treated_gap``), by ``time``."""
    for c in [c for c in frame.columns if str(c).startswith("placebo: ")]:
        ax.plot(frame["time"], frame[c], color="0.75", lw=0.8)
    ax.plot([], [], color="0.75", lw=0.8, label="comparison areas given the scheme in turn")
    ax.plot(frame["time"], frame["treated_gap"], color="C3", lw=2.2, label=str(area))
    _year_axis(ax, frame["time"], frame["treated_gap"].isna())
    ax.axhline(0, color="0.3", lw=0.8)
    _start_line(ax, start)
    ax.set_xlabel("year")
    ax.set_ylabel("difference from the estimate without the scheme (%)" if scale == "log"
                  else "difference from the estimate without the scheme")
    ax.set_title("Placebo check: is the treated area's difference unusual?")
    ax.legend(frameon=False, fontsize=8)


def draw_methods(ax: Any, frame: pd.DataFrame) -> None:
    """Claimed, actual, comparison and attributable changes (``label, change, ci_low,
    ci_high``, fractions); a missing value is left out with a note."""
    labels = list(frame["label"])
    vals = 100 * frame["change"].to_numpy(float)
    lo = 100 * frame["ci_low"].to_numpy(float)
    hi = 100 * frame["ci_high"].to_numpy(float)
    y = np.arange(len(labels))[::-1]
    colors = [str(c) for c in frame["colour"]]
    shown = np.isfinite(vals)
    ax.barh(y[shown], vals[shown], color=[c for c, s in zip(colors, shown) if s], alpha=0.85)
    for yi, v, l_, h in zip(y, vals, lo, hi):
        if np.isfinite(v) and np.isfinite(l_) and np.isfinite(h):
            ax.errorbar(v, yi, xerr=[[max(v - l_, 0)], [max(h - v, 0)]], fmt="none",
                        color="k", capsize=3)
        elif not np.isfinite(v):
            ax.text(0, yi, "  not shown", va="center", fontsize=8, color="0.4")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("change (%)")
    ax.set_title("Claimed, actual and attributable change")


# -- frames of a ClaimResult ---------------------------------------------------------------
def paths_frame(claim: Any) -> pd.DataFrame:
    return claim.paths


def placebo_frame(claim: Any) -> pd.DataFrame:
    """Time, the treated area's actual level and gap, and each placebo's gap (in % on the
    log scale)."""
    p = claim.paths
    g = claim.placebo_gaps
    pct = claim.scale == "log"
    out = pd.DataFrame({"time": p["time"].to_numpy(), "actual": p["actual"].to_numpy(),
                        "treated_gap": (p["gap_percent"] if pct else p["gap"]).to_numpy()})
    vals = 100 * np.expm1(g.to_numpy(float)) if pct else g.to_numpy(float)
    for j, c in enumerate(g.columns):
        out[f"placebo: {c}"] = pd.Series(vals[:, j], index=g.index).reindex(
            out["time"]).to_numpy()
    return out


def methods_frame(claim: Any) -> pd.DataFrame:
    a = claim.attributable
    rows = [("claimed", claim.claimed_change, np.nan, np.nan, "0.6"),
            ("actual change", claim.raw_change, np.nan, np.nan, "0.4"),
            ("comparison areas", claim.comparison_change, np.nan, np.nan, "0.4")]
    rows += [(f"attributable: {r.label}", r.change, r.change_ci_low, r.change_ci_high, "C3")
             for r in a.itertuples()]
    return pd.DataFrame(rows, columns=["label", "change", "ci_low", "ci_high", "colour"])


# -- the result's own plots (every value) -------------------------------------------------
def paths_plot(claim: Any, ax: Any = None) -> Any:
    """The treated area against its estimate without the scheme (primary method)."""
    ax = get_ax(ax)
    draw_paths(ax, paths_frame(claim), area=str(claim.treated),
               outcome_label=claim.outcome_label, start=claim.start)
    return ax


def gap_plot(claim: Any, ax: Any = None) -> Any:
    """The gap (actual against the no-scheme estimate, %) by year for the primary method."""
    ax = get_ax(ax)
    draw_gap(ax, paths_frame(claim), start=claim.start, scale=claim.scale)
    return ax


def placebo_plot(claim: Any, ax: Any = None) -> Any:
    """Gaps of every comparison area given the scheme in turn, the treated area highlighted."""
    ax = get_ax(ax)
    draw_placebo(ax, placebo_frame(claim), area=str(claim.treated), start=claim.start,
                 scale=claim.scale)
    return ax


def methods_plot(claim: Any, ax: Any = None) -> Any:
    """Claimed, actual, comparison and attributable changes side by side, with intervals."""
    ax = get_ax(ax)
    draw_methods(ax, methods_frame(claim))
    return ax
