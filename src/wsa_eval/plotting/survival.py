"""Survival plots: Kaplan-Meier curves with numbers at risk, hazard ratios, Schoenfeld
residuals, RMST areas. matplotlib is imported lazily (through ``get_ax``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import SpecificationError
from . import get_ax

__all__ = ["km_plot", "hazard_ratio_plot", "schoenfeld_plot", "rmst_plot"]


def _nice_times(tmax: float, n: int = 6) -> np.ndarray:
    raw = tmax / max(n - 1, 1)
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return np.arange(0, tmax + step * 1e-9, step)


def km_plot(result: Any, ax: Any = None, *, ci: bool = True, censor_marks: bool = True,
            at_risk: bool = True, at_risk_times: Sequence[float] | None = None,
            xlabel: str = "time", ylabel: str = "proportion without the event",
            colors: Sequence[str] | None = None) -> Any:
    """Kaplan-Meier step curves with pointwise bands, censoring ticks and numbers at risk.

    The numbers at risk (at ``at_risk_times``, default: the x tick marks) are written under
    the axis, one line per group, in the group's colour.
    """
    ax = get_ax(ax, figsize=(7.0, 4.8))
    curves = result.curves
    tmax = max(c.tmax for c in curves.values())
    from .._utils import check_alpha

    check_alpha(result.alpha)
    table = result.to_frame()
    for i, (lev, c) in enumerate(curves.items()):
        color = colors[i] if colors is not None else f"C{i}"
        label = str(lev) if result.group is not None else "all"
        x = np.concatenate([[0.0], c.time, [tmax]])
        last = c.surv[-1] if c.surv.size else 1.0  # no events: a flat curve at 1
        y = np.concatenate([[1.0], c.surv, [last]])
        ax.step(x, y, where="post", color=color, label=label, lw=1.6)
        if ci:  # the pointwise limits at the curve's event times, from the result's table
            rows = table if result.group is None else table[table["group"] == lev]
            rows = rows.iloc[:c.time.shape[0]]
            lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
            lo = np.nan_to_num(np.concatenate([[1.0], lo, lo[-1:] if lo.size else [1.0]]),
                               nan=0.0)
            hi = np.nan_to_num(np.concatenate([[1.0], hi, hi[-1:] if hi.size else [1.0]]),
                               nan=1.0)
            ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.15, lw=0)
        if censor_marks and c.censor_times.size:
            ct = c.censor_times
            ax.plot(ct, c.step(ct, c.surv, 1.0), "|", color=color, ms=6, mew=1)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, tmax * 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if result.group is not None:
        ax.legend(title=result.group, frameon=False)
    if at_risk:
        if at_risk_times is not None:
            times = np.asarray(at_risk_times, dtype=float)
        else:
            times = np.asarray(ax.get_xticks(), dtype=float)
            if times.size < 3:
                times = _nice_times(tmax)
        times = times[(times >= 0) & (times <= tmax * 1.02)]
        ax.set_xticks(times)
        trans = ax.get_xaxis_transform()
        ax.text(0.0, -0.22, "Number at risk", transform=ax.transAxes, fontsize=8,
                ha="left", va="top", weight="bold")
        for i, c in enumerate(curves.values()):
            color = colors[i] if colors is not None else f"C{i}"
            y = -0.29 - 0.07 * i
            for t, n in zip(times, c.at_risk(times)):
                txt = f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
                ax.text(t, y, txt, transform=trans, ha="center", va="top", fontsize=8,
                        color=color)
        ax.figure.subplots_adjust(bottom=min(0.45, 0.25 + 0.05 * len(curves)))
    return ax


def hazard_ratio_plot(result: Any, ax: Any = None, *, color: str = "C0") -> Any:
    """Hazard ratios with confidence intervals on a log scale (a forest plot)."""
    new = ax is None
    ax = get_ax(ax, figsize=(6.0, 0.45 * len(result.covariates) + 2.0))
    eff = result.to_frame()
    y = np.arange(eff.shape[0])[::-1]
    hr = eff["hazard_ratio"].to_numpy()
    lo = eff["hr_ci_low"].to_numpy()
    hi = eff["hr_ci_high"].to_numpy()
    ax.errorbar(hr, y, xerr=[hr - lo, hi - hr], fmt="o", color=color, capsize=3)
    ax.axvline(1.0, color="0.5", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y)
    ax.set_yticklabels(eff["term"].tolist())
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(fmt)
    ax.xaxis.set_minor_formatter(fmt)
    ax.tick_params(axis="x", which="minor", labelsize=7)
    ax.set_xlabel(f"hazard ratio ({100 * (1 - result.alpha):.0f}% CI, log scale)")
    if new:
        ax.figure.tight_layout()
    return ax


def schoenfeld_plot(result: Any, ax: Any = None, *, term: str | None = None,
                    frac: float = 0.5) -> Any:
    """Scaled Schoenfeld residuals of one covariate against transformed time, with a
    running-mean smooth: a flat line is what proportional hazards predicts."""
    res = result.scaled_residuals
    term = term or res.columns[0]
    if term not in res.columns:
        raise SpecificationError(f"term {term!r} is not one of {list(res.columns)}.")
    ax = get_ax(ax)
    x = np.asarray(result.g_time, dtype=float)
    y = res[term].to_numpy()
    o = np.argsort(x, kind="stable")
    ax.plot(x[o], y[o], ".", color="0.55", ms=3)
    k = max(3, int(frac * len(x) / 4))
    kern = np.ones(k) / k
    if len(x) > k:
        smooth = np.convolve(y[o], kern, mode="valid")
        xs = np.convolve(x[o], kern, mode="valid")
        ax.plot(xs, smooth, color="C0", lw=2, label="running mean")
    level = float(result.coef[term]) if term in getattr(result, "coef", {}) else float(np.mean(y))
    ax.axhline(level, color="C1", ls="--", lw=1, label="Cox estimate (constant effect)")
    ax.set_xlabel(f"time ({result.transform} scale)")
    ax.set_ylabel(f"beta(t) for {term}")
    p = result.table.set_index("term").loc[term, "p_value"]
    ax.set_title(f"{term}: test of constant effect, p = {p:.3g}")
    ax.legend(frameon=False)
    return ax


def rmst_plot(result: Any, ax: Any = None) -> Any:
    """Kaplan-Meier curves with the area up to ``tau`` (the RMST) shaded."""
    ax = km_plot(result.km, ax=ax, ci=False, at_risk=False)
    for i, c in enumerate(result.km.curves.values()):
        keep = c.time <= result.tau
        x = np.concatenate([[0.0], c.time[keep], [result.tau]])
        y = np.concatenate([[1.0], c.surv[keep], [c.surv[keep][-1] if keep.any() else 1.0]])
        ax.fill_between(x, 0, y, step="post", color=f"C{i}", alpha=0.12)
    ax.axvline(result.tau, color="0.3", ls=":", lw=1)
    ax.set_title(f"Restricted mean survival time up to {result.tau:g}")
    return ax
