"""Plots. matplotlib is imported lazily, only here and in this package's modules.

Every function takes ``(result, ax=None, **kwargs)`` and returns the matplotlib Axes, so
plots compose: draw several results on one ``ax``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import WsaEvalError

__all__ = ["get_ax", "effects_plot", "timing_plot", "event_study_plot", "draw_effects"]


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


def event_study_plot(results: Any, ax: Any = None, *, labels: Any = None,
                     uniform: bool = True, reference: float | None = -1) -> Any:
    """Event-study coefficients with pointwise (and, when present, uniform) bands.

    ``results`` is one result or a list of results (overlaid with small horizontal offsets,
    so modern estimators can be compared on one plot). Each result's effects table needs an
    ``event_time`` column; columns ``cband_low`` / ``cband_high`` (simultaneous bands) are
    drawn as a lighter, wider bar when ``uniform`` is True. ``reference`` marks the omitted
    base period with a hollow point at zero (None to skip).
    """
    ax = get_ax(ax)
    many = isinstance(results, (list, tuple))
    results = list(results) if many else [results]
    labels = list(labels) if labels is not None else [r.method for r in results]
    width = 0.5
    offsets = [0.0] if len(results) == 1 else [
        -width / 2 + width * i / (len(results) - 1) for i in range(len(results))]
    for i, (res, lab) in enumerate(zip(results, labels)):
        eff = res.to_frame()
        if "event_time" not in eff.columns:
            raise WsaEvalError(f"{type(res).__name__} has no event_time column to plot.")
        x = eff["event_time"].to_numpy(dtype=float) + offsets[i]
        y = eff["estimate"].to_numpy(dtype=float)
        color = f"C{i}"
        if uniform and {"cband_low", "cband_high"} <= set(eff.columns):
            ax.vlines(x, eff["cband_low"], eff["cband_high"], color=color, alpha=0.35, lw=4)
        ax.vlines(x, eff["ci_low"], eff["ci_high"], color=color, lw=1.5)
        ax.plot(x, y, "o", color=color, label=lab, ms=5)
        if reference is not None and not np.isin(reference, eff["event_time"]).any():
            ax.plot([reference + offsets[i]], [0.0], "o", mfc="white", color=color, ms=5)
    ax.axhline(0, color="0.5", lw=0.8, ls="--")
    ax.axvline(-0.5, color="0.7", lw=0.8, ls=":")
    ax.set_xlabel("years relative to the start of the scheme (event time)")
    ax.set_ylabel("estimated effect")
    ax.legend(frameon=False)
    return ax


def draw_effects(ax: Any, frame: Any) -> None:
    """Estimates with intervals from a tidy effects frame (for reports: suppressed values are
    NaN and are not drawn)."""
    x = next((c for c in ("event_time", "time", "term") if c in frame.columns), None)
    xs = frame[x] if x is not None else range(len(frame))
    numeric = getattr(xs, "dtype", np.dtype(object)).kind in "iuf"
    pos = np.asarray(xs, dtype=float) if numeric else np.arange(len(frame), dtype=float)
    est = frame["estimate"].to_numpy(dtype=float)
    lo = est - frame["ci_low"].to_numpy(dtype=float)
    hi = frame["ci_high"].to_numpy(dtype=float) - est
    ok = np.isfinite(est)
    bounded = ok & np.isfinite(lo) & np.isfinite(hi)
    ax.plot(pos[ok], est[ok], "o", color="C0")
    if bounded.any():
        ax.errorbar(pos[bounded], est[bounded], yerr=[lo[bounded], hi[bounded]], fmt="none",
                    capsize=3, color="C0")
    for p_, e in zip(pos[ok & ~bounded], est[ok & ~bounded]):
        ax.annotate("interval unbounded", (p_, e), textcoords="offset points", xytext=(6, 0),
                    fontsize=7, color="0.4", va="center")
    ax.axhline(0, color="0.5", lw=0.8, ls="--")
    if not numeric:
        ax.set_xticks(list(pos))
        ax.set_xticklabels([str(v) for v in xs], rotation=45, ha="right")
    ax.set_xlabel((x or "term").replace("_", " "))
    ax.set_ylabel("estimated effect")
