"""Plots. matplotlib is imported lazily, only here and in this package's modules.

Every function takes ``(result, ax=None, **kwargs)`` and returns the matplotlib Axes, so
plots compose: draw several results on one ``ax``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import WsaEvalError

__all__ = ["get_ax", "effects_plot", "timing_plot", "event_study_plot", "draw_effects"]


_EFFECT_COLUMNS = ("estimate", "ci_low", "ci_high")


def _check_columns(frame: Any, func: str, what: str) -> None:
    missing = [c for c in _EFFECT_COLUMNS if c not in getattr(frame, "columns", ())]
    if missing:
        raise WsaEvalError(f"{func}() needs {what} with the columns "
                           f"{', '.join(_EFFECT_COLUMNS)}; {', '.join(missing)} missing.")


def _effects(result: Any, func: str) -> Any:
    """The tidy effects table of a result, or an error saying what the plot needs."""
    if not callable(getattr(result, "to_frame", None)):
        raise WsaEvalError(f"{func}() draws a wsa_eval result (one with to_frame()), not "
                           f"{type(result).__name__}.")
    eff = result.to_frame()
    _check_columns(eff, func, f"a result whose to_frame() is a tidy effects table "
                              f"({type(result).__name__} is not)")
    return eff


def get_ax(ax: Any = None, figsize: tuple[float, float] = (7.0, 4.2)) -> Any:
    """Return ``ax``, or a new Axes on a new figure when ``ax`` is None.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        An Axes to draw on; returned unchanged.
    figsize : tuple of float
        Size in inches of the new figure (default 7 x 4.2).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    WsaEvalError
        matplotlib is not installed (``pip install 'wsa_eval[plot]'``).

    Notes
    -----
    matplotlib is imported here, on first use, so the rest of the library works without
    it. Every plotting function of wsa_eval goes through this one, which is why they all
    take ``ax=`` and compose on one figure.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from wsa_eval.plotting import get_ax
    >>> ax = get_ax()
    >>> [round(float(x), 1) for x in ax.figure.get_size_inches()]
    [7.0, 4.2]
    >>> get_ax(ax) is ax
    True
    >>> plt.close(ax.figure)
    """
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
    """Point estimates with confidence intervals from a result's effects table.

    Parameters
    ----------
    result : result
        Any wsa_eval result with a tidy ``to_frame()`` (``estimate``, ``ci_low``,
        ``ci_high``).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    label : str, optional
        Legend label (default: the result's ``method``).
    color : str, optional
        A matplotlib colour.
    x : str, optional
        The column for the horizontal axis (default: ``event_time``, ``time`` or ``term``,
        whichever exists).
    offset : float
        Shift of the points along a numeric axis, so several results can share an axis
        without overlapping.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    WsaEvalError
        ``result`` is not a result with a tidy effects table, or it has no effects to plot
        (or matplotlib is not installed).

    See Also
    --------
    event_study_plot : the event-study version, with simultaneous bands.

    Notes
    -----
    The intervals are those of the result (pointwise, at its ``alpha``); a dashed line
    marks zero.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from wsa_eval.datasets import load_mpdta
    >>> from wsa_eval.did import sun_abraham
    >>> from wsa_eval.plotting import effects_plot
    >>> r = sun_abraham(load_mpdta(), outcome="lemp", unit="countyreal", time="year",
    ...                 first_treated="first.treat")
    >>> ax = effects_plot(r, label="Sun & Abraham")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('event time', 'effect estimate')
    >>> plt.close(ax.figure)
    """
    eff = _effects(result, "effects_plot")
    ax = get_ax(ax)
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

    Parameters
    ----------
    report : PanelReport or result
        A :class:`~wsa_eval.panel.PanelReport` (``validate_panel(...)``) or any object with
        ``cohorts`` (first treated period by unit, ``inf`` for never treated) and
        ``times``.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure sized to the number of units).
    max_units : int
        At most this many units are drawn, the latest treated first (default 60).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    WsaEvalError
        ``report`` has no treatment timing (not a ``validate_panel`` report, or no timing
        was given to it), or matplotlib is not installed.

    Notes
    -----
    A quick check of a staggered design before estimation: the estimators of
    :mod:`wsa_eval.did` assume that treatment, once started, stays on, which the shading
    makes visible.

    Examples
    --------
    The castle-doctrine laws, from the 0/1 ``post`` column:

    >>> import matplotlib.pyplot as plt
    >>> from wsa_eval import validate_panel
    >>> from wsa_eval.datasets import load_castle
    >>> from wsa_eval.plotting import timing_plot
    >>> rep = validate_panel(load_castle(), unit="state", time="year",
    ...                      outcome="l_homicide", treatment="post")
    >>> ax = timing_plot(rep)
    >>> ax.get_title(), len(ax.get_yticks())  # one row per state
    ('Treatment timing (shaded = treated)', 50)
    >>> plt.close(ax.figure)
    """
    if not (hasattr(report, "cohorts") and hasattr(report, "times")):
        raise WsaEvalError(f"timing_plot() needs validate_panel(...)'s report (treatment timing "
                           f"by unit), not {type(report).__name__}.")
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

    Parameters
    ----------
    results : result or list of results
        Results whose effects table has an ``event_time`` column (:func:`event_study
        <wsa_eval.did.event_study>`, :func:`~wsa_eval.did.sun_abraham`,
        :func:`~wsa_eval.did.imputation`, ``callaway_santanna(...).aggregate("dynamic")``).
        Several are overlaid with small horizontal offsets, so estimators can be compared
        on one plot.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    labels : list of str, optional
        Legend labels (default: each result's ``method``).
    uniform : bool
        Draw simultaneous bands (columns ``cband_low`` / ``cband_high``, e.g. from the
        Callaway-Sant'Anna bootstrap) as a lighter, wider bar when present (default True).
    reference : float or None
        The omitted base period, marked with a hollow point at zero when it is not a row
        (default -1; None to skip).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    WsaEvalError
        An object that is not a result with a tidy effects table, a result without an
        ``event_time`` column, or matplotlib not installed.

    See Also
    --------
    effects_plot : estimates of any result.

    Notes
    -----
    Pointwise intervals cover each coefficient at the result's level; simultaneous bands
    cover all of them at once ([1]_), which is the right band for judging a whole
    pre-period at a glance. A dotted line separates the periods before and after the
    start.

    References
    ----------
    .. [1] Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with
       multiple time periods. *Journal of Econometrics* 225(2), 200-230.

    Examples
    --------
    Three event studies of the minimum-wage panel on one plot:

    >>> import matplotlib.pyplot as plt
    >>> from wsa_eval.datasets import load_mpdta
    >>> from wsa_eval.did import callaway_santanna, event_study, sun_abraham
    >>> from wsa_eval.plotting import event_study_plot
    >>> mpdta = load_mpdta()
    >>> kw = dict(outcome="lemp", unit="countyreal", time="year",
    ...           first_treated="first.treat")
    >>> cs = callaway_santanna(mpdta, **kw, inference="bootstrap", reps=199,
    ...                        random_state=1).aggregate("dynamic")
    >>> ax = event_study_plot([event_study(mpdta, **kw), sun_abraham(mpdta, **kw), cs],
    ...                       labels=["TWFE", "Sun & Abraham", "Callaway & Sant'Anna"])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['TWFE', 'Sun & Abraham', "Callaway & Sant'Anna"]
    >>> plt.close(ax.figure)
    """
    many = isinstance(results, (list, tuple))
    results = list(results) if many else [results]
    frames = [_effects(r, "event_study_plot") for r in results]
    ax = get_ax(ax)
    labels = list(labels) if labels is not None else [r.method for r in results]
    width = 0.5
    offsets = [0.0] if len(results) == 1 else [
        -width / 2 + width * i / (len(results) - 1) for i in range(len(results))]
    for i, (res, eff, lab) in enumerate(zip(results, frames, labels)):
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
    """Estimates with intervals from a tidy effects frame, for reports.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    frame : DataFrame
        Tidy effects (``estimate``, ``ci_low``, ``ci_high`` and one of ``event_time``,
        ``time`` or ``term`` for the horizontal axis).

    Returns
    -------
    None

    Raises
    ------
    WsaEvalError
        ``frame`` lacks ``estimate``, ``ci_low`` or ``ci_high``.

    See Also
    --------
    effects_plot : the same picture from a result.

    Notes
    -----
    This is the ``draw`` function of the effects figure in reports: it is called on the
    disclosure-controlled frame, never on the result, so values withheld there (NaN) are
    simply not drawn. An estimate with an infinite interval limit is drawn without a bar
    and labelled "interval unbounded".

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> import pandas as pd
    >>> from wsa_eval.plotting import draw_effects
    >>> frame = pd.DataFrame({"term": ["2019", "2020", "2021"],
    ...                       "estimate": [-0.1, np.nan, -0.3],  # 2020 withheld
    ...                       "ci_low": [-0.3, np.nan, -np.inf],
    ...                       "ci_high": [0.1, np.nan, 0.2]})
    >>> fig, ax = plt.subplots()
    >>> draw_effects(ax, frame)
    >>> [t.get_text() for t in ax.texts]
    ['interval unbounded']
    >>> plt.close(fig)
    """
    _check_columns(frame, "draw_effects", "a tidy effects frame")
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
