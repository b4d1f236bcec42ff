"""Plots. matplotlib is imported lazily, only here and in this package's modules.

Every function takes ``(result, ax=None, **kwargs)`` and returns the matplotlib Axes, so
plots compose: draw several results on one ``ax``.
"""

from __future__ import annotations

from typing import Any

from ..errors import WsaEvalError

__all__ = ["get_ax", "effects_plot"]


def get_ax(ax: Any = None, figsize: tuple[float, float] = (7.0, 4.2)) -> Any:
    """Return ``ax`` or a new Axes on a new figure."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise WsaEvalError(
            "Plotting needs matplotlib: pip install 'wsa_eval[plot]' (or pip install matplotlib)."
        ) from exc
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def effects_plot(result: Any, ax: Any = None, *, label: str | None = None,
                 color: str | None = None, x: str | None = None, offset: float = 0.0) -> Any:
    """Point estimates with confidence intervals from ``result.effects``.

    ``x`` names the column for the horizontal axis (default: ``event_time``, ``time`` or
    ``term``, whichever exists). ``offset`` shifts the points so several results can share
    an axis without overlapping.
    """
    ax = get_ax(ax)
    eff = result.to_frame()
    if eff.shape[0] == 0:
        raise WsaEvalError("This result has no effects to plot.")
    if x is None:
        x = next((c for c in ("event_time", "time", "term") if c in eff.columns), "term")
    xs = eff[x]
    numeric = xs.dtype.kind in "iuf"
    pos = xs.to_numpy(dtype=float) + offset if numeric else range(len(xs))
    lo = eff["estimate"] - eff["ci_low"]
    hi = eff["ci_high"] - eff["estimate"]
    ax.errorbar(pos, eff["estimate"], yerr=[lo, hi], fmt="o", capsize=3,
                label=label or result.method, color=color)
    ax.axhline(0, color="0.5", lw=0.8, ls="--")
    if not numeric:
        ax.set_xticks(list(pos))
        ax.set_xticklabels([str(v) for v in xs], rotation=45, ha="right")
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel("effect estimate")
    ax.legend(frameon=False)
    return ax


def timing_plot(report: Any, ax: Any = None, *, max_units: int = 60) -> Any:
    """Treatment timing across units: one row per unit, shaded from its first treated period.

    Takes a :class:`~wsa_eval.panel.PanelReport` (``validate_panel(...)``) or any result with
    ``cohorts`` (first treated period by unit, ``inf`` for never treated) and ``times``.
    """
    import numpy as np

    ax = get_ax(ax, figsize=(7.0, max(2.5, min(len(report.cohorts), max_units) * 0.18)))
    if len(report.cohorts) == 0:
        raise WsaEvalError("No treatment timing was given, so there is nothing to plot.")
    g = report.cohorts.sort_values(ascending=False, kind="stable")
    if len(g) > max_units:
        g = g.iloc[:max_units]
    times = np.asarray(report.times, dtype=float)
    status = np.array([[1.0 if t >= gi else 0.0 for t in times] for gi in g.to_numpy(float)])
    ax.imshow(status, aspect="auto", cmap="Blues", vmin=0, vmax=1.4, interpolation="nearest",
              extent=(times[0] - 0.5, times[-1] + 0.5, len(g) - 0.5, -0.5))
    ax.set_yticks(range(len(g)))
    ax.set_yticklabels([str(u) for u in g.index], fontsize=7)
    ax.set_xlabel("period")
    ax.set_title("Treatment timing (shaded = treated)")
    return ax
