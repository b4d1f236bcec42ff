"""Plots for competing risks: cumulative incidence curves (step functions with bands)."""

from __future__ import annotations

from typing import Any

from . import get_ax

__all__ = ["cif_plot", "draw_cif"]


def cif_plot(result: Any, ax: Any = None, *, bands: bool = True, percent: bool = True) -> Any:
    """Cumulative incidence by group from a
    :class:`~wsa_eval.survival._jdl_results.CumulativeIncidenceResult` (step functions,
    pointwise confidence bands shaded when ``bands``)."""
    ax = get_ax(ax)
    tab = result.to_frame()
    k = 100.0 if percent else 1.0
    for i, (g, d) in enumerate(tab.groupby("group", sort=False)):
        color = f"C{i}"
        ax.step(d["time"], k * d["estimate"], where="post", color=color, label=str(g))
        if bands:
            ax.fill_between(d["time"], k * d["ci_low"], k * d["ci_high"], step="post",
                            color=color, alpha=0.2, lw=0)
    ax.set_xlabel(f"time since index ({result.time_column})")
    ax.set_ylabel("cumulative incidence" + (" (%)" if percent else ""))
    ax.set_title(f"Cumulative incidence of event {result.event_of_interest}")
    if tab["group"].nunique() > 1:
        ax.legend(frameon=False)
    return ax


def draw_cif(ax: Any, frame: Any, *, event_label: str = "the event", xlabel: str = "time",
             group_title: str | None = None) -> None:
    """Cumulative incidence (percent) from a disclosure-controlled curve table (see
    :func:`wsa_eval.plotting.survival.draw_curves`): gaps where values are withheld, numbers
    at risk under the axis."""
    from .survival import draw_curves

    draw_curves(ax, frame, start=0.0, percent=True, xlabel=xlabel,
                ylabel=f"cumulative incidence of {event_label} (%)", group_title=group_title)
