"""Plots for synthetic-control results (matplotlib imported lazily through ``get_ax``).

Each function takes ``(result, ax=None, **kwargs)`` and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import WsaEvalError
from . import get_ax

__all__ = ["path_plot", "gap_plot", "placebo_plot", "leave_one_out_plot", "weights_plot",
           "in_time_plot"]


def _start_line(ax: Any, result: Any) -> None:
    ax.axvline(float(result.start) - 0.5, color="0.4", lw=0.9, ls="--")


def path_plot(result: Any, ax: Any = None, *, label: str | None = None) -> Any:
    """Treated unit and its synthetic control over time; dashed line before ``start``."""
    ax = get_ax(ax)
    p = result.path
    ax.plot(p["time"], p["treated"], color="C3", lw=2, label=label or str(result.treated_unit))
    ax.plot(p["time"], p["synthetic"], color="0.3", lw=1.8, ls="--",
            label=f"synthetic {result.treated_unit}")
    _start_line(ax, result)
    ax.set_xlabel("period")
    ax.set_ylabel(result.outcome)
    ax.legend(frameon=False)
    return ax


def gap_plot(result: Any, ax: Any = None, *, band: bool = True) -> Any:
    """Gap (treated minus synthetic) by period, with conformal intervals when available."""
    ax = get_ax(ax)
    eff = result.effects
    ax.plot(eff["time"], eff["estimate"], color="C3", lw=2, label="gap")
    if band and eff["ci_low"].notna().any():
        ok = eff["ci_low"].notna() & np.isfinite(eff["ci_low"]) & np.isfinite(eff["ci_high"])
        ax.fill_between(eff.loc[ok, "time"], eff.loc[ok, "ci_low"], eff.loc[ok, "ci_high"],
                        color="C3", alpha=0.2,
                        label=f"{100 * (1 - result.alpha):.0f}% interval")
    ax.axhline(0, color="0.5", lw=0.8)
    _start_line(ax, result)
    ax.set_xlabel("period")
    ax.set_ylabel(f"gap in {result.outcome}")
    ax.legend(frameon=False)
    return ax


def placebo_plot(result: Any, ax: Any = None, *, only_included: bool = True) -> Any:
    """Placebo gaps of every donor (grey) with the treated unit's gap highlighted."""
    if result.placebo_gaps is None:
        raise WsaEvalError("Run result.placebo() first: this result has no placebo gaps.")
    ax = get_ax(ax)
    G = result.placebo_gaps
    tab = result.placebo_table.set_index("unit")
    treated = result.treated_unit
    for u in G.columns:
        if u == treated or (only_included and not tab.loc[u, "included"]):
            continue
        ax.plot(G.index, G[u], color="0.7", lw=0.8)
    ax.plot(G.index, G[treated], color="C3", lw=2.2, label=str(treated))
    ax.plot([], [], color="0.7", lw=0.8, label="placebo (each donor as treated)")
    ax.axhline(0, color="0.5", lw=0.8)
    _start_line(ax, result)
    ax.set_xlabel("period")
    ax.set_ylabel(f"gap in {result.outcome}")
    ax.set_title(f"Placebo in space: p = {result.p_value:.3g} "
                 f"(smallest possible {result.smallest_p_value:.3g})")
    ax.legend(frameon=False)
    return ax


def leave_one_out_plot(result: Any, ax: Any = None) -> Any:
    """Synthetic paths leaving out each donor with weight, against the full fit."""
    if result.loo_paths is None:
        raise WsaEvalError("Run result.leave_one_out() first.")
    ax = get_ax(ax)
    p = result.path
    for i, (_, d) in enumerate(result.loo_paths.groupby("dropped", sort=False)):
        ax.plot(d["time"], d["synthetic"], color="0.65", lw=0.9,
                label="leave one donor out" if i == 0 else None)
    ax.plot(p["time"], p["treated"], color="C3", lw=2, label=str(result.treated_unit))
    ax.plot(p["time"], p["synthetic"], color="0.2", lw=1.6, ls="--", label="synthetic (all)")
    _start_line(ax, result)
    ax.set_xlabel("period")
    ax.set_ylabel(result.outcome)
    ax.legend(frameon=False)
    return ax


def in_time_plot(result: Any, ax: Any = None) -> Any:
    """Gaps from fake start dates inside the pre-period (placebo in time)."""
    if result.in_time_paths is None:
        raise WsaEvalError("Run result.placebo_in_time() first.")
    ax = get_ax(ax)
    for s, d in result.in_time_paths.groupby("fake_start", sort=True):
        line = ax.plot(d["time"], d["gap"], lw=1.2, label=f"fake start {s}")
        ax.axvline(float(s) - 0.5, color=line[0].get_color(), lw=0.7, ls=":")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel("period")
    ax.set_ylabel(f"gap in {result.outcome}")
    ax.legend(frameon=False)
    return ax


def weights_plot(result: Any, ax: Any = None, *, min_weight: float = 1e-3) -> Any:
    """Horizontal bar chart of the donor weights above ``min_weight``."""
    w = result.weights[result.weights > min_weight].sort_values()
    ax = get_ax(ax, figsize=(6.0, max(2.0, 0.35 * len(w) + 1)))
    ax.barh([str(u) for u in w.index], w.to_numpy(), color="C0")
    ax.set_xlabel("donor weight")
    ax.set_title(f"Synthetic {result.treated_unit}: {result.n_effective_donors:.1f} effective "
                 "donors")
    return ax
