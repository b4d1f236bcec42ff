"""Survival plots: Kaplan-Meier curves with numbers at risk, hazard ratios, Schoenfeld
residuals, RMST areas. matplotlib is imported lazily (through ``get_ax``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import SpecificationError
from . import get_ax

__all__ = ["km_plot", "hazard_ratio_plot", "schoenfeld_plot", "rmst_plot", "draw_curves",
           "draw_hazard_ratios", "draw_differences"]


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


# ------------------------------------------------------------------------------------------
# report figures: drawn from a disclosure-controlled table (suppressed cells are NaN)
# ------------------------------------------------------------------------------------------
def _finite(x: Any) -> bool:
    try:
        return bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False


def _runs(rows: Any, start: float) -> list[tuple[Any, ...]]:
    """The pieces of the curve that a (merged, suppressed) curve table shows, as polylines.

    A row holds the curve's value at ``time``, the last event time of its (merged) interval,
    whose first event time is ``time_from``: the curve keeps its previous value until
    ``time_from`` and reaches the row's value at ``time``; in between (a merged interval,
    whose single steps are not shown) it is drawn as a straight line. The curve starts at
    ``(0, start)``. A row whose ``estimate`` is withheld ends the piece at its
    ``time_from`` (the curve is known until the row's first event) and the next shown row
    starts a new piece: a gap, never a guess. Each piece is ``(x, y, lo, hi,
    ended_by_gap)``.
    """
    runs: list[tuple[Any, ...]] = []
    x, y, lo, hi = [0.0], [start], [start], [start]
    for r in rows.itertuples(index=False):
        t, est = float(r.time), r.estimate
        t0 = float(getattr(r, "time_from", t))
        if _finite(est):
            est = float(est)
            rlo = float(r.ci_low) if _finite(r.ci_low) else est
            rhi = float(r.ci_high) if _finite(r.ci_high) else est
            if x:  # the previous value holds until the interval's first event
                x.append(t0)
                y.append(y[-1])
                lo.append(lo[-1])
                hi.append(hi[-1])
            x.append(t)
            y.append(est)
            lo.append(rlo)
            hi.append(rhi)
        elif x:
            x.append(t0)
            y.append(y[-1])
            lo.append(lo[-1])
            hi.append(hi[-1])
            runs.append((x, y, lo, hi, True))
            x, y, lo, hi = [], [], [], []
    if x:
        runs.append((x, y, lo, hi, False))
    return runs


def _label(level: Any) -> str:
    """A group level as text (``1.0`` -> ``"1"``: merged tables may hold levels as floats)."""
    if isinstance(level, (float, np.floating)) and float(level).is_integer():
        return str(int(level))
    return str(level)


def _spaced(xs: np.ndarray, width: float) -> np.ndarray:
    """Indices of ``xs`` (sorted) at least ``width`` apart, the first always kept."""
    keep, last = [], -np.inf
    for i, x in enumerate(xs):
        if x - last >= width:
            keep.append(i)
            last = x
    return np.asarray(keep, dtype=int)


def draw_curves(ax: Any, frame: Any, *, start: float = 1.0, ylabel: str = "",
                xlabel: str = "time", percent: bool = False, at_risk: bool = True,
                group_title: str | None = None, shade_to: float | None = None,
                bands: bool = True) -> None:
    """Curves (Kaplan-Meier or cumulative incidence) from a curve table with columns
    ``[group,] time_from, time, n_at_risk, estimate, ci_low, ci_high``, as the report's
    disclosure control leaves it: rows merged so that each step rests on enough people,
    withheld values NaN (gaps); within a merged interval the curve is a straight line from
    its previous value to its value at the interval's end. Numbers at risk are written under
    the axis at the start of shown rows (only values the table shows). ``shade_to``: shade
    the area under each curve up to this time (the restricted mean survival time);
    ``bands``: draw the pointwise confidence intervals."""
    k = 100.0 if percent else 1.0
    groups = (list(frame.groupby("group", sort=False)) if "group" in frame.columns
              else [(None, frame)])
    tmax = float(np.nanmax(frame["time"].to_numpy(float))) if len(frame) else 1.0
    tmax = tmax if tmax > 0 else 1.0
    for i, (lev, rows) in enumerate(groups):
        color = f"C{i}"
        label = "all" if lev is None else _label(lev)
        pieces = _runs(rows, start)
        ended = [p[4] for p in pieces]
        for j, (x, y, lo, hi, *_) in enumerate(pieces):
            xs, ys = np.asarray(x), k * np.asarray(y)
            if j == len(pieces) - 1 and not ended[j] and shade_to is not None and (
                    xs[-1] < shade_to):  # the last value holds up to tau
                xs, ys = np.append(xs, shade_to), np.append(ys, ys[-1])
                lo, hi = [*lo, lo[-1]], [*hi, hi[-1]]
            ax.plot(xs, ys, color=color, lw=1.6, label=label if j == 0 else None)
            if bands:
                ax.fill_between(xs, k * np.asarray(lo), k * np.asarray(hi), color=color,
                                alpha=0.15, lw=0)
            if shade_to is not None:
                cut = xs <= shade_to
                if cut.any():
                    xc, yc = xs[cut], ys[cut]
                    if xs[-1] > shade_to:  # the piece runs past tau: stop the area there
                        xc = np.append(xc, shade_to)
                        yc = np.append(yc, np.interp(shade_to, xs, ys))
                    ax.fill_between(xc, 0, yc, color=color, alpha=0.08,
                                    hatch="//" if i % 2 else "\\\\", edgecolor=color, lw=0)
    if shade_to is not None:
        ax.axvline(shade_to, color="0.3", ls=":", lw=1)
    ax.set_xlim(0, tmax * 1.02)
    ax.set_ylim(0, 1.02 * k)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(groups) > 1:
        ax.legend(title=group_title, frameon=False)
    if not at_risk or "n_at_risk" not in frame.columns:
        return
    trans = ax.get_xaxis_transform()
    ax.text(0.0, -0.2, "Number at risk (at the start of each shown interval)",
            transform=ax.transAxes, fontsize=7, ha="left", va="top", weight="bold")
    for i, (lev, rows) in enumerate(groups):
        ok = rows[[_finite(v) for v in rows["n_at_risk"]]]
        col = "time_from" if "time_from" in ok.columns else "time"
        xs = ok[col].to_numpy(float)
        for j in _spaced(xs, 0.09 * tmax):
            n = float(ok["n_at_risk"].iloc[j])
            ax.text(xs[j], -0.27 - 0.07 * i, f"{n:,.0f}" if n.is_integer() else f"{n:,.1f}",
                    transform=trans, ha="center", va="top", fontsize=7, color=f"C{i}")
        if lev is not None:
            ax.text(-0.06, -0.27 - 0.07 * i, _label(lev), transform=ax.transAxes, ha="right",
                    va="top", fontsize=7, color=f"C{i}")


def draw_hazard_ratios(ax: Any, frame: Any, *, ratio: str = "hazard_ratio",
                       low: str = "hr_ci_low", high: str = "hr_ci_high",
                       xlabel: str = "hazard ratio (log scale)") -> None:
    """A forest plot of ratios with intervals from a tidy table (``term`` and the ratio
    columns); withheld values (NaN) are left out and named as such."""
    y = np.arange(len(frame))[::-1]
    r = frame[ratio].to_numpy(float)
    lo = frame[low].to_numpy(float)
    hi = frame[high].to_numpy(float)
    ok = np.isfinite(r) & (r > 0)
    band = ok & np.isfinite(lo) & np.isfinite(hi) & (lo > 0)
    ax.plot(r[ok], y[ok], "o", color="C0")
    if band.any():
        ax.errorbar(r[band], y[band], xerr=[r[band] - lo[band], hi[band] - r[band]],
                    fmt="none", color="C0", capsize=3)
    ax.axvline(1.0, color="0.5", ls="--", lw=0.8)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    shown = np.r_[r[ok], lo[band], hi[band], 1.0]
    a, b = float(shown.min()), float(shown.max())
    nice = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50,
                     100])
    ticks = nice[(nice >= a / 1.05) & (nice <= b * 1.05)]
    if ticks.size < 3:  # a narrow range: a finer grid
        fine = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.5, 1.75, 2])
        ticks = fine[(fine >= a / 1.05) & (fine <= b * 1.05)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y)
    ax.set_yticklabels([str(t) + ("" if k else " (not shown)")
                        for t, k in zip(frame["term"], ok)])
    ax.set_xlabel(xlabel)


def draw_differences(ax: Any, frame: Any, *, unit: str = "percentage points") -> None:
    """Differences between the supported and comparison groups with their intervals, one
    row per measure measured in ``unit`` (horizontal, so long names stay readable); a
    withheld difference (NaN) is named as such, never drawn."""
    rows = frame[frame["unit"] == unit] if "unit" in frame.columns else frame
    y = np.arange(len(rows))[::-1]
    est = rows["estimate"].to_numpy(float)
    lo = rows["ci_low"].to_numpy(float)
    hi = rows["ci_high"].to_numpy(float)
    ok = np.isfinite(est)
    band = ok & np.isfinite(lo) & np.isfinite(hi)
    ax.plot(est[ok], y[ok], "o", color="C0")
    if band.any():
        ax.errorbar(est[band], y[band], xerr=[est[band] - lo[band], hi[band] - est[band]],
                    fmt="none", color="C0", capsize=3)
    ax.axvline(0, color="0.5", ls="--", lw=0.8)
    names = [str(t).split(" (")[0] + ("" if k else " (not shown)")
             for t, k in zip(rows["term"], ok)]
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(f"difference, supported minus comparison ({unit})")
