"""Plots of the pooled evaluation (:func:`wsa_eval.pooled_evaluation`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import get_ax

__all__ = ["event_plot", "loo_plot", "start_dates_plot", "draw_event", "draw_loo",
           "draw_start_dates"]


def draw_event(ax: Any, frame: Any, sdid: Any = None) -> None:
    """Event study in percent (``event_time``, ``percent_change``, ``percent_ci_low``,
    ``percent_ci_high``), with synthetic DiD's points when given."""
    x = frame["event_time"].to_numpy(float)
    y = 100 * frame["percent_change"].to_numpy(float)
    lo = 100 * frame["percent_ci_low"].to_numpy(float)
    hi = 100 * frame["percent_ci_high"].to_numpy(float)
    ok = np.isfinite(y)
    ax.plot(x[ok], y[ok], "o", color="C0", label="Callaway-Sant'Anna")
    b = ok & np.isfinite(lo) & np.isfinite(hi)
    ax.vlines(x[b], lo[b], hi[b], color="C0")
    if sdid is not None and len(sdid):
        ax.plot(sdid["event_time"].to_numpy(float) + 0.2,
                100 * np.expm1(sdid["estimate"].to_numpy(float)), "s", color="C1", ms=4,
                label="synthetic DiD")
    ax.axhline(0, color="0.5", lw=0.8, ls="--")
    ax.axvline(-0.5, color="0.7", lw=0.8, ls=":")
    ax.set_xlabel("years since the start")
    ax.set_ylabel("change compared with no scheme (%)")
    ax.legend(frameon=False, fontsize=8)


def draw_loo(ax: Any, frame: Any) -> None:
    """The pooled change with each area left out (``area``, ``percent_change``)."""
    f = frame.sort_values("percent_change")
    y = np.arange(len(f))
    ax.plot(100 * f["percent_change"].to_numpy(float), y, "o", color="C0")
    ax.set_yticks(y)
    ax.set_yticklabels([str(a) for a in f["area"]], fontsize=7)
    ax.axvline(0, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel("pooled change without this area (%)")


def draw_start_dates(ax: Any, frame: Any) -> None:
    """Distribution of the pooled change over start-date combinations."""
    v = 100 * frame["percent_change"].to_numpy(float)
    v = v[np.isfinite(v)]
    ax.hist(v, bins=min(40, max(5, len(v) // 20)), color="C0", alpha=0.8)
    ax.set_xlabel("pooled change (%) for one combination of plausible start years")
    ax.set_ylabel("combinations")


def event_plot(result: Any, ax: Any = None) -> Any:
    ax = get_ax(ax)
    draw_event(ax, result.effects, result.sdid_event)
    ax.set_title("Pooled event study")
    return ax


def loo_plot(result: Any, ax: Any = None) -> Any:
    ax = get_ax(ax, figsize=(6.0, max(3.0, 0.3 * len(result.leave_one_out))))
    draw_loo(ax, result.leave_one_out)
    ax.axvline(100 * result.percent_change, color="C3", lw=1, label="all areas")
    ax.legend(frameon=False, fontsize=8)
    return ax


def start_dates_plot(result: Any, ax: Any = None) -> Any:
    ax = get_ax(ax)
    draw_start_dates(ax, result.combinations)
    ax.axvline(100 * result.percent_change, color="C3", lw=1)
    return ax
