"""Plots for synthetic difference-in-differences and augmented synthetic control results.

In the spirit of R synthdid's ``synthdid_plot`` and ``synthdid_units_plot``: the treated mean
against the weighted comparison, with the time weights drawn along the bottom of the
pre-period, and the donor weights as bars. Each function takes ``(result, ax=None, **kw)``
and returns the matplotlib Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SpecificationError
from . import effects_plot, get_ax

__all__ = ["trajectory_plot", "unit_weights_plot", "gap_plot"]


def _cohort_frame(result: Any, cohort: Any):
    eff = result.to_frame()
    if "cohort" in eff.columns:
        cohorts = list(dict.fromkeys(eff["cohort"]))
        if cohort is None:
            cohort = cohorts[0]
        if cohort not in cohorts:
            raise SpecificationError(f"cohort {cohort!r} is not one of {cohorts}.")
        eff = eff.loc[eff["cohort"] == cohort]
    return eff, cohort


def trajectory_plot(result: Any, ax: Any = None, *, cohort: Any = None, shifted: bool = True,
                    show_time_weights: bool = True, label_treated: str = "treated",
                    label_synthetic: str | None = None) -> Any:
    """Treated mean and weighted comparison over time, time weights along the bottom.

    ``shifted=True`` draws the comparison after the intercept shift that SDID applies (so the
    vertical gap after treatment is the period effect); ``False`` draws the plain weighted
    average of comparison units (when the result has it). ``cohort`` picks an adoption
    cohort of a staggered design (default: the first).
    """
    ax = get_ax(ax)
    eff, cohort = _cohort_frame(result, cohort)
    t = eff["time"].to_numpy(dtype=float)
    syn = eff["synthetic"].to_numpy(dtype=float)
    if not shifted and "comparison" in eff.columns:
        syn = eff["comparison"].to_numpy(dtype=float)
    tr = eff["treated"].to_numpy(dtype=float)
    ax.plot(t, tr, color="C1", lw=2, label=label_treated)
    lab = label_synthetic or ("synthetic comparison" + (" (shifted)" if shifted else ""))
    ax.plot(t, syn, color="C0", lw=2, ls="--", label=lab)
    post = eff["post"].to_numpy(dtype=bool)
    if post.any():
        start = t[post][0]
        ax.axvline(start - 0.5, color="0.5", lw=0.8, ls=":")
        tm = t[post].mean()
        ax.annotate("", xy=(tm, tr[post].mean()), xytext=(tm, syn[post].mean()),
                    arrowprops=dict(arrowstyle="->", color="k", lw=1.2))
    tw = getattr(result, "time_weights", None)
    if show_time_weights and tw is not None and len(tw) and float(np.sum(tw)) > 0:
        if tw.index.nlevels > 1:
            tw = tw.xs(cohort, level=0)
        lo, hi = ax.get_ylim()
        height = 0.15 * (hi - lo)
        w = tw.to_numpy(dtype=float)
        ax.bar(tw.index.to_numpy(dtype=float), height * w / max(w.max(), 1e-12), bottom=lo,
               width=0.8, color="C0", alpha=0.35, label="time weights")
        ax.set_ylim(lo, hi)
    ax.set_xlabel("period")
    ax.set_ylabel("outcome")
    ax.set_title(getattr(result, "method", ""), fontsize=9)
    ax.legend(frameon=False)
    return ax


def unit_weights_plot(result: Any, ax: Any = None, *, cohort: Any = None, top: int = 20,
                      min_weight: float = 1e-6) -> Any:
    """Horizontal bars of the comparison units' weights (largest first; may be negative for
    augmented synthetic control)."""
    w = result.unit_weights
    if w.index.nlevels > 1:
        first = w.index.get_level_values(0)[0]
        w = w.xs(first if cohort is None else cohort, level=0)
    w = w[np.abs(w) > min_weight]
    w = w.reindex(w.abs().sort_values(ascending=False).index)[:top][::-1]
    ax = get_ax(ax, figsize=(6.0, max(2.5, 0.25 * len(w) + 1)))
    colors = ["C0" if v >= 0 else "C3" for v in w.to_numpy()]
    ax.barh([str(u) for u in w.index], w.to_numpy(dtype=float), color=colors)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlabel("weight")
    n_eff = getattr(result, "n_effective_donors", None)
    title = "Comparison-unit weights"
    if n_eff is not None and np.isfinite(n_eff):
        title += f" (effective number {n_eff:.1f})"
    ax.set_title(title, fontsize=9)
    return ax


def gap_plot(result: Any, ax: Any = None, *, cohort: Any = None, **kw: Any) -> Any:
    """Per-period effects (gap between treated and synthetic) with intervals."""
    eff, _ = _cohort_frame(result, cohort)

    class _View:  # effects_plot reads to_frame() and method
        method = getattr(result, "method", "")

        @staticmethod
        def to_frame():
            return eff

    ax = effects_plot(_View(), ax=ax, x="time", **kw)
    post = eff["post"].to_numpy(dtype=bool)
    if post.any():
        ax.axvline(eff["time"].to_numpy(dtype=float)[post][0] - 0.5, color="0.5", lw=0.8,
                   ls=":")
    return ax
