"""What :func:`~wsa_eval.panel.validate_panel` returns (:class:`PanelReport`), the list of
checks it fills in, and the formatting of units and periods in messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import Advice, AdviceStyle, PanelError, Problem
from ..results import Result, result_dataclass
from ._text import fmt_t, fmt_u, pairs

__all__ = ["PanelReport", "Checks", "StopChecks", "NEVER", "fmt_t", "fmt_u", "pairs"]

NEVER = np.inf  # internal code for never treated in the cohort Series


@result_dataclass
class PanelReport(Result):
    """What :func:`validate_panel` found.

    Attributes
    ----------
    data : DataFrame
        A cleaned copy of the input: rows dropped as reported, text read as numbers where
        the checks say so (thousands separators, financial years, quarters, months), sorted
        by unit then time, with a fresh RangeIndex. The caller's frame is never modified.
    checks : DataFrame
        One row per check: ``check``, ``status`` (``ok`` / ``warning`` / ``error``),
        ``message`` (advice in Python syntax).
    dropped : DataFrame
        The rows removed (original columns plus ``reason``).
    cohorts : Series
        First treated period by unit (``inf`` for never treated); empty when no treatment
        timing was given.
    units, times : ndarray
        Sorted unique units and periods after cleaning.
    balanced : bool or None
        Whether every unit is observed in every period; None when the checks stopped (on
        an error) before balance could be checked.
    count_outcomes : tuple of str
        The outcome columns read as counts of people (declared with ``outcome_is_count``
        or inferred: whole numbers). Reports hide small values of these.
    period_labels : mapping
        Period number -> the text it was read from, when the time column held financial
        years, quarters or months (empty for plain numbers).
    details : tuple of Problem
        The message of each row of ``checks`` with its advice kept as data, for
        :meth:`messages`.
    """

    data: pd.DataFrame
    checks: pd.DataFrame
    dropped: pd.DataFrame
    cohorts: pd.Series
    units: np.ndarray
    times: np.ndarray
    balanced: bool | None
    columns: dict[str, Any] = field(default_factory=dict)
    count_outcomes: tuple[str, ...] = ()
    period_labels: Mapping[float, str] = field(default_factory=dict)
    details: tuple[Problem, ...] = ()

    _plot_kinds: ClassVar[dict[str, str]] = {"timing": ".plotting:timing_plot"}
    _default_plot: ClassVar[str | None] = "timing"

    @property
    def ok(self) -> bool:
        """True when no check failed with an error."""
        return not (self.checks["status"] == "error").any()

    @property
    def has_warnings(self) -> bool:
        return bool((self.checks["status"] == "warning").any())

    @property
    def never_treated(self) -> list[Any]:
        return list(self.cohorts.index[np.isinf(self.cohorts.to_numpy(dtype=float))])

    @property
    def outcome_is_count(self) -> bool:
        """True when the outcome (every outcome, if several) is read as a count of people:
        declared so with ``outcome_is_count=True`` or inferred from whole numbers."""
        outcomes = self.columns.get("outcome") or ()
        return bool(outcomes) and set(outcomes) <= set(self.count_outcomes)

    def messages(self, style: AdviceStyle | None = None) -> list[str]:
        """The message of each check, with advice phrased for an interface (Python when
        None; see :mod:`wsa_eval.errors`)."""
        if len(self.details) != self.checks.shape[0]:  # pragma: no cover - built elsewhere
            return list(self.checks["message"])
        return [p.render(style) for p in self.details]

    def period(self, label: Any) -> float:
        """The number of a period given as the data spell it (``"2016/17"``, ``"2019 Q2"``,
        ``"2019-03"``) or as a number already."""
        from ._periods import period_number

        return period_number(label, self.period_labels, self.columns.get("time", "time"))

    def to_frame(self) -> pd.DataFrame:
        return self.checks.copy()

    def _summary_header(self) -> list[tuple[str, Any]]:
        h: list[tuple[str, Any]] = [
            ("Rows", self.data.shape[0]),
            ("Units", len(self.units)),
            ("Periods", f"{len(self.times)} ({self.label(self.times[0])} to "
                        f"{self.label(self.times[-1])})" if len(self.times) else "0"),
            ("Balanced", {True: "yes", False: "no", None: "not checked (see the errors)"}[
                self.balanced]),
            ("Rows dropped", self.dropped.shape[0]),
        ]
        if len(self.cohorts):
            g = self.cohorts.to_numpy(dtype=float)
            h.append(("Never-treated units", int(np.isinf(g).sum())))
            fin = pd.Series(g[np.isfinite(g)]).value_counts().sort_index()
            h.append(("Treatment cohorts", ", ".join(f"{self.label(k)} ({v})"
                                                     for k, v in fin.items()) or "none"))
        return h

    def label(self, t: Any) -> str:
        """A period as the data spell it."""
        if self.period_labels:
            lab = self.period_labels.get(float(t))
            if lab is not None:
                return lab
        return fmt_t(t)

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Checks", self.checks)]

    def interpret(self) -> str:
        n_err = int((self.checks["status"] == "error").sum())
        n_warn = int((self.checks["status"] == "warning").sum())
        if n_err:
            return f"The panel fails {n_err} check(s); fix them before estimating."
        if n_warn:
            return f"The panel passes, with {n_warn} warning(s) to read."
        return "The panel passes every check."


# ------------------------------------------------------------------------------------------
# the list of checks
# ------------------------------------------------------------------------------------------
class Checks:
    """Rows of the checks table, each with its message as a :class:`Problem`."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, Problem]] = []

    def _add(self, check: str, status: str, message: str, advice: Any) -> None:
        self.rows.append((check, status, Problem(message, tuple(advice or ()))))

    def ok(self, check: str, message: str = "", advice: list[Advice] | None = None) -> None:
        self._add(check, "ok", message, advice)

    def warn(self, check: str, message: str, advice: list[Advice] | None = None) -> None:
        self._add(check, "warning", message, advice)

    def error(self, check: str, message: str, advice: list[Advice] | None = None) -> None:
        self._add(check, "error", message, advice)

    def _with(self, status: str) -> list[Problem]:
        return [p for _, s, p in self.rows if s == status]

    @property
    def errors(self) -> list[Problem]:
        return self._with("error")

    @property
    def warnings(self) -> list[str]:
        return [p.render() for p in self._with("warning")]

    @property
    def details(self) -> tuple[Problem, ...]:
        return tuple(p for _, _, p in self.rows)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([(c, s, p.render()) for c, s, p in self.rows],
                            columns=["check", "status", "message"])

    def finish(self, raise_on_error: bool) -> None:
        """Raise :class:`PanelError` with every failed check (or, when the caller asked for
        a report despite errors, stop the checks that assume them fixed)."""
        errs = self.errors
        if errs and raise_on_error:
            if len(errs) == 1:
                raise PanelError(errs[0].text, errs, advice=errs[0].advice)
            msg = (f"The panel fails {len(errs)} checks:\n"
                   + "\n".join(f"  - {e.render()}" for e in errs))
            raise PanelError(msg, errs)
        if errs:
            raise StopChecks()


class StopChecks(Exception):
    """Raised by :meth:`Checks.finish` when errors are to be reported, not raised."""
