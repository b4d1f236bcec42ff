"""Plots for :class:`wsa_eval.claims.ClaimResult` (plain labels, for reports)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import get_ax

__all__ = ["paths_plot", "gap_plot", "placebo_plot", "methods_plot"]


def _scale(claim: Any, x: Any) -> Any:
    return np.exp(x) if claim.spec["arguments"].get("scale") == "log" else x


def paths_plot(claim: Any, ax: Any = None) -> Any:
    """The treated area against its estimated counterfactual (primary method)."""
    ax = get_ax(ax)
    p = claim.paths
    ax.plot(p["time"], _scale(claim, p["treated"]), "o-", color="C3", label=str(claim.treated))
    cf = p["treated"] - p["estimate"]
    ax.plot(p["time"], _scale(claim, cf), "s--", color="0.35",
            label="estimated without the scheme")
    ax.axvline(claim.start - 0.5, color="0.6", ls=":", lw=1)
    ax.set_xlabel("year")
    ax.set_ylabel(claim.outcome.replace("_", " "))
    ax.set_title(f"{claim.treated}: actual and estimated without the scheme")
    ax.legend(frameon=False)
    return ax


def gap_plot(claim: Any, ax: Any = None) -> Any:
    """The gap (actual minus counterfactual, %) by year for the primary method."""
    ax = get_ax(ax)
    p = claim.paths
    gap = 100 * np.expm1(p["estimate"]) if claim.spec["arguments"].get("scale") == "log" \
        else p["estimate"]
    ax.bar(p["time"], gap, color=np.where(p["post"], "C3", "0.7"))
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(claim.start - 0.5, color="0.6", ls=":", lw=1)
    ax.set_xlabel("year")
    ax.set_ylabel("difference from estimate without the scheme (%)"
                  if claim.spec["arguments"].get("scale") == "log" else "difference")
    ax.set_title("Gap by year (grey: before the scheme)")
    return ax


def placebo_plot(claim: Any, ax: Any = None) -> Any:
    """Gaps of every comparison area given the scheme in turn, the treated area highlighted."""
    ax = get_ax(ax)
    g = claim.placebo_gaps
    for c in g.columns:
        ax.plot(g.index, g[c], color="0.75", lw=0.8)
    ax.plot([], [], color="0.75", lw=0.8, label="comparison areas given the scheme in turn")
    ax.plot(claim.paths["time"], claim.paths["estimate"], color="C3", lw=2.2,
            label=str(claim.treated))
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(claim.start - 0.5, color="0.6", ls=":", lw=1)
    ax.set_xlabel("year")
    ax.set_ylabel("gap (log points)" if claim.spec["arguments"].get("scale") == "log"
                  else "gap")
    ax.set_title("Placebo check: is the treated area's gap unusual?")
    ax.legend(frameon=False, fontsize=8)
    return ax


def methods_plot(claim: Any, ax: Any = None) -> Any:
    """Raw, comparison and attributable changes side by side, with intervals."""
    ax = get_ax(ax)
    a = claim.attributable
    labels = ["claimed", "raw change", "comparison areas"] + list(a["label"])
    vals = [claim.claimed_change, claim.raw_change, claim.comparison_change] + list(a["change"])
    lo = [np.nan] * 3 + list(a["change_ci_low"])
    hi = [np.nan] * 3 + list(a["change_ci_high"])
    y = np.arange(len(labels))[::-1]
    colors = ["0.6", "0.4", "0.4"] + ["C3"] * len(a)
    ax.barh(y, 100 * np.asarray(vals), color=colors, alpha=0.8)
    err = np.array([[100 * (v - l) if not np.isnan(l) else 0 for v, l in zip(vals, lo)],
                    [100 * (h - v) if not np.isnan(h) else 0 for v, h in zip(vals, hi)]])
    ax.errorbar(100 * np.asarray(vals), y, xerr=err, fmt="none", color="k", capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("change (%)")
    ax.set_title("Claimed, raw and attributable change")
    return ax
