"""Plots of count models (:func:`wsa_eval.did.ppml`): effects as percentage changes."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import get_ax

__all__ = ["percent_plot", "draw_percent"]


def draw_percent(ax: Any, frame: Any) -> None:
    """Percentage changes by event time with intervals (columns ``event_time``,
    ``estimate``, ``ci_low``, ``ci_high`` as fractions); suppressed values are NaN."""
    x = frame["event_time"].to_numpy(dtype=float)
    est = 100 * frame["estimate"].to_numpy(dtype=float)
    lo = 100 * frame["ci_low"].to_numpy(dtype=float)
    hi = 100 * frame["ci_high"].to_numpy(dtype=float)
    ok = np.isfinite(est)
    ax.plot(x[ok], est[ok], "o", color="C0")
    b = ok & np.isfinite(lo) & np.isfinite(hi)
    ax.vlines(x[b], lo[b], hi[b], color="C0")
    ax.axhline(0, color="0.5", lw=0.8, ls="--")
    ax.axvline(-0.5, color="0.7", lw=0.8, ls=":")
    ax.set_xlabel("years since the start (event time)")
    ax.set_ylabel("change compared with no scheme (%)")


def percent_plot(result: Any, ax: Any = None) -> Any:
    """The effects of a :class:`~wsa_eval.did.PPMLResult` as percentage changes."""
    ax = get_ax(ax)
    eff = result.effects
    draw_percent(ax, eff[["event_time", "percent_change", "percent_ci_low",
                          "percent_ci_high"]].set_axis(["event_time", "estimate", "ci_low",
                                                        "ci_high"], axis=1))
    ax.set_title(result.method)
    return ax
