"""Balance plots: the Love plot of standardised mean differences before and after adjustment."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import get_ax

__all__ = ["love_plot", "draw_love", "draw_scores"]


def love_plot(result: Any, ax: Any = None, *, absolute: bool = True,
              threshold: float | None = None) -> Any:
    """Standardised mean differences by covariate, unadjusted (hollow) and adjusted (filled),
    from a :class:`~wsa_eval.survival._jdl_results.BalanceResult`, with the +/-0.1 guide."""
    tab = result.to_frame()
    ax = get_ax(ax, figsize=(6.5, max(2.5, 0.4 * len(tab) + 1.2)))
    thr = result.threshold if threshold is None else threshold
    y = np.arange(len(tab))[::-1]
    f = np.abs if absolute else (lambda v: v)
    ax.plot(f(tab["smd_unadjusted"]), y, "o", mfc="white", color="C3", label="before")
    if "smd_adjusted" in tab:
        ax.plot(f(tab["smd_adjusted"]), y, "o", color="C0", label="after adjustment")
    ax.axvline(thr, color="0.5", ls="--", lw=0.8)
    if not absolute:
        ax.axvline(-thr, color="0.5", ls="--", lw=0.8)
        ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(tab["covariate"].astype(str))
    ax.set_xlabel(("absolute " if absolute else "") + "standardised mean difference")
    ax.set_title("Covariate balance (Love plot)")
    ax.legend(frameon=False)
    return ax


def draw_love(ax: Any, frame: Any, *, threshold: float = 0.1) -> None:
    """The Love plot from a disclosure-controlled balance table (``covariate``,
    ``smd_unadjusted`` and, after adjustment, ``smd_adjusted``; withheld values NaN are not
    drawn)."""
    y = np.arange(len(frame))[::-1]
    before = np.abs(frame["smd_unadjusted"].to_numpy(float))
    ax.plot(before, y, "o", mfc="white", color="C3", label="before")
    if "smd_adjusted" in frame.columns:
        ax.plot(np.abs(frame["smd_adjusted"].to_numpy(float)), y, "o", color="C0",
                label="after adjustment")
    ax.axvline(threshold, color="0.5", ls="--", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(frame["covariate"].astype(str))
    ax.set_ylim(-0.7, len(frame) - 0.3)
    ax.set_xlabel("absolute standardised mean difference")
    top = np.nanmax(np.r_[before, threshold, np.abs(frame.get(
        "smd_adjusted", frame["smd_unadjusted"]).to_numpy(float))])
    ax.set_xlim(-0.02 * top, 1.1 * top)
    ax.legend(frameon=False, loc="best")


def draw_scores(ax: Any, frame: Any) -> None:
    """Propensity scores by group as mirrored bars (supported people above the axis,
    comparison people below) from a disclosure-controlled table of bins (``bin_low``,
    ``bin_high``, ``n_treated``, ``n_comparison``): withheld counts are gaps, never bars."""
    lo = frame["bin_low"].to_numpy(float)
    width = frame["bin_high"].to_numpy(float) - lo
    t = frame["n_treated"].to_numpy(float)
    c = frame["n_comparison"].to_numpy(float)
    ok_t, ok_c = np.isfinite(t), np.isfinite(c)
    ax.bar(lo[ok_t], t[ok_t], width=width[ok_t], align="edge", color="C0",
           label="received support")
    ax.bar(lo[ok_c], -c[ok_c], width=width[ok_c], align="edge", color="C3",
           label="comparison")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("propensity score")
    ax.set_ylabel("people (comparison below the line)")
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    top = max(np.nanmax(np.r_[t[ok_t], c[ok_c], 1.0]), 1.0)
    step = next(s * 10**k for k in range(12) for s in (5, 10, 25) if s * 10**k >= top / 4)
    ax.yaxis.set_major_locator(MultipleLocator(step))  # ticks in multiples of 5 people
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))
    ax.legend(frameon=False)
