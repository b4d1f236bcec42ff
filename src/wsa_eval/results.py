"""Result objects shared across the library.

Every estimator returns a frozen result (changing inference means calling again, never
mutating a result). :class:`Result` is the common base: ``summary()``, ``to_frame()``,
``plot(kind=None, ax=None)``, ``interpret()`` and ``spec``. :class:`EffectResult` adds the
headline effect (``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``alpha``,
``inference``) and a tidy ``effects`` table whose columns are the same everywhere:

``term, estimate, std_error, statistic, p_value, ci_low, ci_high``

(families may append columns, e.g. ``time`` or ``cohort``; they never rename these).
Subclasses add what a family needs (donor weights, group-time cells, survival curves).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd
from scipy import stats

from ._frozen import freeze, reader_copy
from ._version import __version__
from .content import Check, Context, Figure, Section, Table, Text, Value, text

__all__ = [
    "TIDY_COLUMNS",
    "result_dataclass",
    "Result",
    "EffectResult",
    "Summary",
    "tidy_frame",
    "compare",
    "make_spec",
]

TIDY_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
)


_C = TypeVar("_C", bound=type)


def result_dataclass(cls: _C) -> _C:
    """Declare a result class: a frozen, keyword-only dataclass that keeps the base
    class's one-line ``repr`` and identity equality.

    Use it (never a bare ``@dataclass``) on every subclass of :class:`Result`; the contract
    test in ``tests/test_result_contract.py`` checks that each public result class does.
    """
    return dataclass(frozen=True, kw_only=True, eq=False, repr=False)(cls)


def tidy_frame(
    terms: Sequence[Any],
    estimates: Sequence[float] | np.ndarray,
    std_errors: Sequence[float] | np.ndarray | None = None,
    *,
    alpha: float = 0.05,
    df: float | None = None,
    p_values: Sequence[float] | np.ndarray | None = None,
    ci: tuple[np.ndarray, np.ndarray] | None = None,
    extra: Mapping[str, Sequence[Any]] | None = None,
) -> pd.DataFrame:
    """Build the tidy effects table.

    By default ``statistic = estimate / std_error``, two-sided p-values and
    ``estimate -/+ z_{1-alpha/2} * std_error`` intervals from the normal distribution (or
    Student's t with ``df``). Pass ``p_values`` or ``ci`` to use values from another method
    (permutation, bootstrap, conformal); NaN is used only where a quantity does not exist for
    that method (e.g. no standard error for a permutation test).
    """
    est = np.asarray(estimates, dtype=float)
    se = np.full_like(est, np.nan) if std_errors is None else np.asarray(std_errors, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, est / se, np.nan)
    dist = stats.norm if df is None else stats.t(df)
    if p_values is None:
        p = 2 * dist.sf(np.abs(stat))
    else:
        p = np.asarray(p_values, dtype=float)
    if ci is None:
        crit = dist.ppf(1 - alpha / 2)
        lo, hi = est - crit * se, est + crit * se
    else:
        lo, hi = (np.asarray(c, dtype=float) for c in ci)
    out = pd.DataFrame(
        {
            "term": list(terms),
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "p_value": p,
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    if extra:
        for k, v in extra.items():
            out[k] = list(v)
    return out


def make_spec(
    method: str,
    arguments: Mapping[str, Any],
    *,
    data_hash: str | None = None,
    seed: Any = None,
) -> dict[str, Any]:
    """What a result records about how it was made."""
    clean = {}
    for k, v in arguments.items():
        if isinstance(v, pd.DataFrame):
            continue  # recorded through data_hash
        if isinstance(v, np.random.Generator):
            v = "numpy.random.Generator"
        clean[k] = v
    return {
        "method": method,
        "arguments": clean,
        "seed": seed,
        "data_hash": data_hash,
        "wsa_eval_version": __version__,
    }


class Summary:
    """What ``result.summary()`` returns: prints as plain text, renders as HTML in notebooks."""

    def __init__(
        self,
        title: str,
        header: Sequence[tuple[str, Any]],
        tables: Sequence[tuple[str, pd.DataFrame]] = (),
        footer: Sequence[str] = (),
    ):
        self.title = title
        self.header = list(header)
        self.tables = list(tables)
        self.footer = [f for f in footer if f]

    @staticmethod
    def _fmt(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            if math.isnan(v):
                return "-"
            return f"{v:.4g}"
        return str(v)

    def as_text(self) -> str:
        width = 78
        lines = [self.title.center(width), "=" * width]
        if self.header:
            kw = max(len(k) for k, _ in self.header)
            lines += [f"{k:<{kw}} : {self._fmt(v)}" for k, v in self.header]
            lines.append("-" * width)
        for name, table in self.tables:
            if name:
                lines.append(name)
            with pd.option_context(
                "display.width", width, "display.max_columns", 20, "display.max_rows", 200,
                "display.float_format", lambda x: f"{x:.4g}",
            ):
                lines.append(table.to_string(index=False))
            lines.append("-" * width)
        for f in self.footer:
            lines.append(f)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        if self.header:
            rows = "".join(
                f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                f"<td style='text-align:left'>{html.escape(self._fmt(v))}</td></tr>"
                for k, v in self.header
            )
            parts.append(f"<table>{rows}</table>")
        for name, table in self.tables:
            if name:
                parts.append(f"<p><b>{html.escape(name)}</b></p>")
            parts.append(table.to_html(index=False, float_format=lambda x: f"{x:.4g}"))
        if self.footer:
            parts.append("<p>" + "<br>".join(html.escape(f) for f in self.footer) + "</p>")
        return "\n".join(parts)


@result_dataclass
class Result:
    """Base of every result: a method name, a specification, diagnostics and warnings.

    Attributes
    ----------
    method : str
        The estimator in words, with its paper (e.g. ``"Callaway & Sant'Anna (2021)"``).
    spec : dict
        Every argument, the seed, the library version and a hash of the input data.
    diagnostics : dict
        Checks a reader should see (pre-trend test, pre-period RMSPE, balance, ...).
    warnings : tuple of str
        Plain-English warnings raised while fitting (also emitted as Python warnings).
    """

    method: str
    spec: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    #: plot kinds: name -> dotted path "module:function" taking (result, ax=..., **kw)
    _plot_kinds: ClassVar[dict[str, str]] = {}
    _default_plot: ClassVar[str | None] = None
    #: columns of ``to_frame()`` that count people (column -> noun), for disclosure control
    _people_columns: ClassVar[dict[str, str]] = {}
    #: columns of ``to_frame()`` that would reveal a count column of the same row
    _revealing_columns: ClassVar[dict[str, str]] = {}

    # -- immutability ----------------------------------------------------------------------
    def __post_init__(self) -> None:
        """Freeze every field deeply (arrays read-only, mappings read-only, frames private).

        Subclasses that define ``__post_init__`` call ``super().__post_init__()`` last.
        """
        for f in fields(self):
            object.__setattr__(self, f.name, freeze(object.__getattribute__(self, f.name)))

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if isinstance(value, (pd.DataFrame, pd.Series)) and not name.startswith("_"):
            return reader_copy(value)  # a caller's changes never reach the result
        return value

    # -- things subclasses override -------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def _repr_parts(self) -> list[str]:
        """Short ``key=value`` strings for the one-line ``repr`` (subclasses add theirs)."""
        return []

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method)]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("", self.to_frame())]

    def _summary_footer(self) -> list[str]:
        return list(self.warnings)

    # -- shared behaviour ----------------------------------------------------------------
    def summary(self) -> Summary:
        """A printable summary (plain text; HTML in notebooks)."""
        return Summary(
            self.method,
            self._summary_header(),
            self._summary_tables(),
            self._summary_footer(),
        )

    def plot(self, kind: str | None = None, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the result on ``ax`` (a new figure when None) and return the matplotlib Axes.

        ``kind`` chooses among the plots this result offers (see ``plot_kinds``).
        """
        from .errors import SpecificationError

        kinds = type(self)._plot_kinds
        kind = kind or type(self)._default_plot
        if not kinds or kind is None:
            raise SpecificationError(f"{type(self).__name__} has no plots.")
        if kind not in kinds:
            raise SpecificationError(
                f"plot kind {kind!r} is not available for {type(self).__name__}; "
                f"choose one of {sorted(kinds)}."
            )
        import importlib

        module, func = kinds[kind].split(":")
        fn = getattr(importlib.import_module(module, package=__package__), func)
        return fn(self, ax=ax, **kwargs)

    @property
    def plot_kinds(self) -> list[str]:
        return sorted(type(self)._plot_kinds)

    def interpret(self) -> str:
        """A plain-English reading of the result."""
        return self.summary().title

    # -- report content (see wsa_eval.content) ---------------------------------------------
    def _report_table(self, context: Context) -> Table | None:
        """``to_frame()`` with the class's declarations of counts of people."""
        frame = self.to_frame()
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            return None
        return Table(self.method, frame, counts=dict(type(self)._people_columns),
                     reveals=dict(type(self)._revealing_columns), name="results")

    def report_content(self, context: Context | None = None) -> Section:
        """What a report shows about this result (a :class:`wsa_eval.content.Section`).

        The default: the plain-English reading, the result's table with its declared
        counts of people, and its warnings. Results with verdicts, figures or checks of
        their own override this.
        """
        context = context or Context()
        table = self._report_table(context)
        return Section(
            title=self.method, summary=(self.interpret(),),
            checks=tuple(Check(f"{self.method}: warning", "amber", w) for w in self.warnings),
            tables=(table,) if table is not None else (), spec=dict(self.spec))


    def __repr__(self) -> str:
        parts = [p for p in self._repr_parts() if p]
        text = f"<{type(self).__name__}: {self.method}"
        return text + ("; " + ", ".join(parts) if parts else "") + ">"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def replace(self, **changes: Any) -> Result:
        """A copy with some fields changed (results themselves are immutable)."""
        return replace(self, **changes)


@result_dataclass
class EffectResult(Result):
    """A treatment-effect estimate with its uncertainty and a tidy table of component effects.

    Attributes
    ----------
    estimate, se, ci_low, ci_high, p_value : float
        The headline effect (e.g. the overall ATT, or the mean post-period gap), its standard
        error (NaN only when the inference method has none, e.g. a permutation test), its
        ``1 - alpha`` confidence interval and two-sided p-value.
    alpha : float
        The level used for the interval.
    inference : str
        How the uncertainty was computed, in words.
    estimand : str
        What ``estimate`` is, in words.
    effects : DataFrame
        Tidy table (``TIDY_COLUMNS`` first) by event time, period, cohort or term.
    n_obs, n_units, n_treated : int or None
        Sizes of the analysed data.
    """

    estimate: float
    se: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan
    alpha: float = 0.05
    inference: str = ""
    estimand: str = "average treatment effect on the treated"
    effects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TIDY_COLUMNS))
    n_obs: int | None = None
    n_units: int | None = None
    n_treated: int | None = None

    _plot_kinds: ClassVar[dict[str, str]] = {"effects": ".plotting:effects_plot"}
    _default_plot: ClassVar[str | None] = "effects"

    def to_frame(self) -> pd.DataFrame:
        """The tidy effects table (a copy); the headline row when there is no table."""
        eff = self.effects
        return eff if eff.shape[0] else self.headline_frame()

    def _outcome_counts(self, context: Context) -> bool:
        """Whether the effects table's outcome levels count people: the report's say-so,
        else what the estimator recorded, else whole-number levels."""
        if context.outcome_is_count is not None:
            return bool(context.outcome_is_count)
        rec = self.diagnostics.get("outcome_is_count") if self.diagnostics else None
        if rec is not None:
            return bool(rec)
        eff = self.effects
        if "treated" not in eff.columns or eff.empty:
            return False
        v = pd.to_numeric(eff["treated"], errors="coerce").dropna().to_numpy(float)
        return bool(len(v)) and bool(np.all(v >= 0)) and bool(np.all(v == np.round(v)))

    def _report_table(self, context: Context) -> Table | None:
        frame = self.to_frame()
        counts, reveals, scale = dict(type(self)._people_columns), dict(
            type(self)._revealing_columns), {}
        if "treated" in frame.columns and self._outcome_counts(context):
            # trajectory tables: the treated units' mean outcome, and the gap from a shown
            # comparison path, reveal the treated units' count
            counts["treated"] = context.outcome_label or "people"
            scale["treated"] = float(self.n_treated or 1)
            for c in ("estimate", "ci_low", "ci_high", "synthetic"):
                if c in frame.columns:
                    reveals[c] = "treated"
        return Table(self.method, frame, counts=counts, reveals=reveals, scale=scale,
                     name="effects")

    def _report_checks(self) -> list[Check]:
        """Traffic-light checks from the diagnostics an estimator recorded."""
        from .interpret import caution_few_donors, caution_pre_fit, caution_pretrend

        out, diag, name = [], dict(self.diagnostics or {}), f"{self.method}: "
        eff = self.effects
        if "pre_period_rmse" in diag and {"post", "treated"} <= set(eff.columns):
            pre = eff[~eff["post"].astype(bool)]
            level = float(pre["treated"].abs().mean()) if len(pre) else math.nan
            if level == level:
                status, text = caution_pre_fit(float(diag["pre_period_rmse"]), level)
                out.append(Check(name + "fit before the scheme", status, text))
        if "n_comparison_units" in diag:
            n = int(diag["n_comparison_units"])
            text = caution_few_donors(n, alpha=self.alpha)
            status = "green" if text is None else ("red" if 1 / (n + 1) > self.alpha
                                                    else "amber")
            out.append(Check(name + "number of comparison areas", status,
                             text or f"{n} comparison areas."))
        neff = getattr(self, "n_effective_donors", math.nan)
        if isinstance(neff, float) and neff == neff:
            out.append(Check(name + "effective number of comparison areas",
                             "green" if neff >= 5 else ("amber" if neff >= 2 else "red"),
                             f"{neff:.1f}: the weights are spread over about this many areas."))
        pt = diag.get("pretrend_test")
        if isinstance(pt, Mapping):
            status, text = caution_pretrend(float(pt.get("p_value", math.nan)),
                                            alpha=self.alpha)
            out.append(Check(name + "pre-trend test", status, text))
        return out

    def _p_label(self) -> str:
        """How the p-value was obtained, for sentences ("permutation p", "p")."""
        inf = (self.inference or "").lower()
        return "permutation p" if ("permutation" in inf or "placebo" in inf
                                   or "randomization" in inf) else "p"

    def _outcome_words(self, context: Context) -> str:
        """The unit of the estimate in words ("in the outcome's units (lemp)")."""
        name = context.outcome_label or (self.spec.get("arguments", {}) or {}).get("outcome")
        return f"in the units of the outcome ({name})" if name else "in the outcome's units"

    def _report_sentences(self, context: Context) -> tuple[Text, ...]:
        """The estimate with its interval and unit (the verdict is the report's headline)."""
        level = f"{100 * (1 - self.alpha):.0f}%"
        out = [text(f"The estimated {self.estimand} is {{e}} {self._outcome_words(context)}"
                    + (f" ({level} confidence interval {{lo}} to {{hi}})."
                       if math.isfinite(self.ci_low) and math.isfinite(self.ci_high) else "."),
                    e=Value(self.estimate), lo=Value(self.ci_low), hi=Value(self.ci_high))]
        if not (self.ci_low > 0 or self.ci_high < 0):
            out.append(text("The data are consistent both with no change and with changes of "
                            "the size shown by the interval; this is not evidence that the "
                            "scheme had no effect."))
        return tuple(out)

    def report_content(self, context: Context | None = None) -> Section:
        """Verdict with its reason, sentences, the effects table and figure, checks."""
        from .interpret import explain_verdict

        context = context or Context()
        diag = dict(self.diagnostics or {})
        n_co = diag.get("n_comparison_units", diag.get("n_controls"))
        v = explain_verdict(self.estimate, self.ci_low, self.ci_high, self.p_value, self.alpha,
                            n_comparison=int(n_co) if n_co else None,
                            min_p_value=diag.get("min_p_value"), scale="num",
                            what="the effect", p_label=self._p_label())
        table = self._report_table(context)
        figures = ()
        if table is not None and {"estimate", "ci_low", "ci_high"} <= set(table.frame.columns):
            from .plotting import draw_effects

            figures = (Figure(f"{self.method}: estimated effects with "
                              f"{100 * (1 - self.alpha):.0f}% confidence intervals", table,
                              draw_effects, name="effects"),)
        checks = tuple(self._report_checks()) + tuple(
            Check(f"{self.method}: warning", "amber", w) for w in self.warnings)
        how = [f"Uncertainty was measured by {self.inference}."] if self.inference else []
        numbers = {k: Value(float(getattr(self, a)), kind) for k, a, kind in (
            ("estimate", "estimate", "num"), ("std_error", "se", "num"),
            ("ci_low", "ci_low", "num"), ("ci_high", "ci_high", "num"),
            ("p_value", "p_value", "p"), ("alpha", "alpha", "num"))}
        from .interpret import can_cannot_say

        what = context.outcome_label or (self.spec.get("arguments", {}) or {}).get(
            "outcome") or "the outcome"
        can, cannot = can_cannot_say(v.label, what=str(what), scheme=context.scheme)
        return Section(title=self.method, verdict=v, summary=self._report_sentences(context),
                       can_say=tuple(can), cannot_say=tuple(cannot),
                       how_sure=tuple(how), checks=checks,
                       tables=(table,) if table is not None else (), figures=figures,
                       spec=dict(self.spec), headline_numbers=numbers)

    def headline_frame(self) -> pd.DataFrame:
        """The headline effect as a one-row tidy table."""
        return pd.DataFrame(
            {
                "term": [self.estimand],
                "estimate": [self.estimate],
                "std_error": [self.se],
                "statistic": [self.estimate / self.se if self.se and self.se > 0 else math.nan],
                "p_value": [self.p_value],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
            }
        )

    def _summary_header(self) -> list[tuple[str, Any]]:
        h: list[tuple[str, Any]] = [("Estimand", self.estimand)]
        h += [
            ("Estimate", self.estimate),
            ("Std. error", self.se),
            (f"{100 * (1 - self.alpha):.0f}% CI", f"[{self.ci_low:.4g}, {self.ci_high:.4g}]"),
            ("p-value", self.p_value),
            ("Inference", self.inference or "-"),
        ]
        for name, v in (("Observations", self.n_obs), ("Units", self.n_units),
                        ("Treated units", self.n_treated)):
            if v is not None:
                h.append((name, v))
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        if self.effects.shape[0] == 0:
            return []
        return [("Effects", self.effects)]

    def _summary_footer(self) -> list[str]:
        foot = []
        seed = self.spec.get("seed") if self.spec else None
        if seed is not None:
            foot.append(f"Seed: {seed}.")
        foot.append(f"wsa_eval {__version__}.")
        return foot + [f"Warning: {w}" for w in self.warnings]

    def interpret(self) -> str:
        from .interpret import effect_sentence

        return effect_sentence(self)

    def _repr_parts(self) -> list[str]:
        return [
            f"estimate={self.estimate:.4g}",
            f"se={self.se:.4g}",
            f"{100 * (1 - self.alpha):.0f}% CI [{self.ci_low:.4g}, {self.ci_high:.4g}]",
            f"p={self.p_value:.3g}",
        ]


def compare(results: Mapping[str, EffectResult] | Sequence[EffectResult]) -> pd.DataFrame:
    """Stack the headline effects of several results into one tidy table (a ``model`` column).

    Pass a mapping ``{"name": result}`` to name the rows, or a sequence to use each method.
    """
    items = results.items() if isinstance(results, Mapping) else [(r.method, r) for r in results]
    rows = []
    for name, r in items:
        row = r.headline_frame()
        row.insert(0, "model", name)
        row["inference"] = r.inference
        rows.append(row)
    return pd.concat(rows, ignore_index=True)


def _field_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]
