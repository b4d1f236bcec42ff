"""Plots for the regression difference-in-differences results (matplotlib imported lazily).

Event studies use :func:`wsa_eval.plotting.event_study_plot`; treatment timing uses
:func:`wsa_eval.plotting.timing_plot`. This module adds the Goodman-Bacon scatter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import WsaEvalError
from . import get_ax

__all__ = ["bacon_plot"]

_MARKERS = {"Earlier vs Later Treated": "o", "Later vs Earlier Treated": "^",
            "Treated vs Untreated": "s", "Later vs Always Treated": "v"}


def bacon_plot(result: Any, ax: Any = None, *, annotate: bool = False) -> Any:
    """Goodman-Bacon scatter: each 2x2 estimate against its weight, by comparison type.

    The dashed line is the TWFE estimate (the weighted average of the points). With
    ``annotate=True`` each point is labelled ``treated cohort / control cohort``
    (``never``, or ``always`` for units treated before the data start).
    """
    ax = get_ax(ax)
    tab = result.to_frame()
    if tab.shape[0] == 0:
        raise WsaEvalError("This decomposition has no comparisons to plot.")
    for i, (typ, sub) in enumerate(tab.groupby("type", sort=False)):
        ax.scatter(sub["weight"], sub["estimate"], marker=_MARKERS.get(typ, "o"),
                   color=f"C{i}", label=typ, s=30, alpha=0.85)
        if annotate:
            for _, r in sub.iterrows():
                c = ("never" if not np.isfinite(r["control_cohort"]) else "always"
                     if r["type"] == "Later vs Always Treated" else f"{r['control_cohort']:g}")
                ax.annotate(f"{r['treated_cohort']:g}/{c}", (r["weight"], r["estimate"]),
                            fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axhline(result.estimate, color="0.3", ls="--", lw=1,
               label=f"TWFE estimate = {result.estimate:.3g}")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel("weight in the TWFE estimate")
    ax.set_ylabel("2x2 difference-in-differences estimate")
    ax.set_title("Goodman-Bacon decomposition")
    ax.legend(frameon=False, fontsize=8)
    return ax
