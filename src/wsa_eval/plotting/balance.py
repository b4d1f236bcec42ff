"""Balance plots: the Love plot of standardised mean differences before and after adjustment."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import get_ax

__all__ = ["love_plot"]


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
