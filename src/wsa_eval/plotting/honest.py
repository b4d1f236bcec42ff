"""Sensitivity plot for Rambachan & Roth (2023) robust confidence sets."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import get_ax

__all__ = ["sensitivity_plot"]


def sensitivity_plot(result: Any, ax: Any = None, *, color: str = "C0",
                     original_color: str = "C3") -> Any:
    """The interval under parallel trends, then the robust interval for each M / Mbar.

    Unbounded sides are drawn to the edge of the axes with an arrow. The breakdown value
    (largest M on the grid whose interval excludes zero) is marked with a dotted line.
    """
    ax = get_ax(ax)
    rob = result.to_frame()
    Ms = rob["M"].to_numpy(dtype=float)
    step = float(np.min(np.diff(Ms))) if len(Ms) > 1 else 1.0
    o = result.original
    x0 = Ms[0] - step if len(Ms) else 0.0
    finite = np.concatenate([rob[["ci_low", "ci_high"]].to_numpy(float).ravel(),
                             [o["ci_low"], o["ci_high"]]])
    finite = finite[np.isfinite(finite)]
    span = (finite.max() - finite.min()) if finite.size else 1.0
    lo_edge = finite.min() - 0.15 * span if finite.size else -1
    hi_edge = finite.max() + 0.15 * span if finite.size else 1
    ax.vlines([x0], [o["ci_low"]], [o["ci_high"]], color=original_color, lw=2.5,
              label="original (parallel trends)")
    for m, lo, hi in zip(Ms, rob["ci_low"], rob["ci_high"]):
        if math.isnan(lo) and math.isnan(hi):
            continue
        y0 = lo if math.isfinite(lo) else lo_edge
        y1 = hi if math.isfinite(hi) else hi_edge
        ax.vlines([m], [y0], [y1], color=color, lw=2.5)
        for val, edge, sign in ((lo, lo_edge, -1), (hi, hi_edge, 1)):
            if not math.isfinite(val):
                ax.annotate("", xy=(m, edge), xytext=(m, edge - sign * 0.1 * span),
                            arrowprops={"arrowstyle": "->", "color": color})
    ax.plot([], [], color=color, lw=2.5, label="robust confidence set")
    if math.isfinite(result.breakdown):
        ax.axvline(result.breakdown, color="0.4", ls=":", lw=1,
                   label=f"breakdown = {result.breakdown:g}")
    ax.axhline(0, color="0.5", lw=0.8, ls="--")
    ax.set_ylim(lo_edge, hi_edge)
    name = "Mbar" if result.restriction == "relative_magnitudes" else "M"
    ax.set_xlabel(name)
    ax.set_ylabel("effect")
    ax.set_title(f"Sensitivity to violations of parallel trends ({result.restriction})")
    ax.legend(frameon=False, fontsize=8)
    return ax
