"""Plots of the evaluation planner (:func:`wsa_eval.plan_evaluation`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import get_ax

__all__ = ["power_plot", "horizons_plot", "draw_power", "draw_horizons"]


def draw_power(ax: Any, frame: Any, target: float = 0.8) -> None:
    """Power curves (columns ``design``, ``effect``, ``power``): one line per design, the
    longest horizon and the pools drawn solid, shorter horizons faint."""
    designs = list(dict.fromkeys(frame["design"]))
    longest = max(frame["years_after_start"]) if "years_after_start" in frame else None
    solid = 0
    for d in designs:
        f = frame[frame["design"] == d]
        faint = (longest is not None and "years after" in d
                 and int(f["years_after_start"].iloc[0]) != longest)
        ax.plot(-100 * f["effect"].to_numpy(float), 100 * f["power"].to_numpy(float),
                color="0.75" if faint else f"C{solid % 10}", lw=0.8 if faint else 2,
                label="shorter evaluations" if faint and d.startswith("1 ") else (
                    None if faint else d))
        solid += 0 if faint else 1
    ax.axhline(100 * target, color="0.4", ls="--", lw=0.8)
    ax.set_xlabel("true reduction (%)")
    ax.set_ylabel("chance the check reports it (%)")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, fontsize=8)


def draw_horizons(ax: Any, frame: Any) -> None:
    """Minimum detectable reduction by years after the start."""
    x = frame["years_after_start"].to_numpy(float)
    for col, lab, style in (("mde", "detected most of the time", "o-"),
                            ("mde_half", "detected half the time", "s--")):
        y = -100 * frame[col].to_numpy(float)
        ok = np.isfinite(y)
        ax.plot(x[ok], y[ok], style, label=lab)
    ax.set_xlabel("years after the start")
    ax.set_ylabel("smallest detectable reduction (%)")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, fontsize=8)


def power_plot(result: Any, ax: Any = None) -> Any:
    """Power against the size of the true reduction (a :class:`PlanResult`)."""
    ax = get_ax(ax)
    draw_power(ax, result.power_curve, target=result.target_power)
    ax.set_title(f"{result.treated}: {result.n_comparison} comparison areas")
    return ax


def horizons_plot(result: Any, ax: Any = None) -> Any:
    """The minimum detectable effect with more years after the start."""
    ax = get_ax(ax)
    draw_horizons(ax, result.horizons)
    ax.set_title(f"{result.treated}: more years after the start")
    return ax
