"""Results of the engine paths that keep person-level rows in the engine: the
proven-reoffending cohort built in SQL (:class:`LinkedCohortResult`) and (coarsened) exact
matching (:class:`ExactMatchResult`). The rows stay where the data are (a DuckDB relation or
a Spark DataFrame, passable to every survival function); the summaries are pandas."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..content import Check, Context, Section, Table
from ..engine.cohort import build_cohort
from ..errors import DataWarning
from ..results import Result, make_spec, result_dataclass

__all__ = ["LinkedCohortResult", "ExactMatchResult", "cohort_engine"]

_COUNTS = {"cohort_size": "people", "cohort_size_complete": "people", "reoffenders": "people"}


@result_dataclass
class LinkedCohortResult(Result):
    """The MoJ proven-reoffending cohort built in the engine.

    ``persons``: the per-person table (the columns of
    :class:`~wsa_eval.survival.ProvenReoffendingResult` ``.persons``), kept in the engine as a
    DuckDB relation or a Spark DataFrame: pass it to :func:`kaplan_meier`, :func:`cox`, ...;
    ``persons.df()`` (DuckDB) or ``.toPandas()`` (Spark) fetches it, ``.write_parquet(path)``
    (DuckDB) saves it. ``measures``: the headline measures. ``dropped``: rows removed from
    the input, counted by table and reason, with up to five example person ids.
    ``to_frame()`` gives the measures in one row.
    """

    persons: Any
    measures: pd.DataFrame
    dropped: pd.DataFrame
    follow_up_days: int = 365
    waiting_days: int = 183
    engine: str = "duckdb"

    _people_columns: ClassVar[dict[str, str]] = dict(_COUNTS)
    _revealing_columns: ClassVar[dict[str, Any]] = {
        "proven_reoffending_rate": ("reoffenders", "cohort_size_complete"),
        "reoffences_per_reoffender": ("reoffenders",)}

    def to_frame(self) -> pd.DataFrame:
        m = self.measures
        return pd.DataFrame([dict(zip(m["measure"], m["value"]))])

    def measure(self, name: str) -> float:
        return float(self.measures.set_index("measure")["value"][name])

    def _repr_parts(self) -> list[str]:
        return [f"engine={self.engine}", f"people={int(self.measure('cohort_size'))}"]

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method), ("Engine", self.engine),
                ("Follow-up (days)", self.follow_up_days),
                ("Waiting period (days)", self.waiting_days),
                ("Rows dropped", int(self.dropped["rows"].sum()))]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        t = [("Proven reoffending measures", self.measures)]
        if self.dropped.shape[0]:
            t.append(("Rows dropped, by reason", self.dropped))
        return t

    def interpret(self) -> str:
        n = int(self.measure("cohort_size_complete"))
        rate = 100 * self.measure("proven_reoffending_rate")
        dropped = int(self.dropped["rows"].sum())
        return (
            f"Of {n} people whose one-year follow-up and waiting period were complete, "
            f"{rate:.1f}% had a proven reoffence (an offence committed within "
            f"{self.follow_up_days} days of the index date and proven by caution or conviction "
            f"within that time or a further {self.waiting_days} days). They committed "
            f"{self.measure('reoffences_per_offender'):.2f} proven reoffences per person, and "
            f"{self.measure('reoffences_per_reoffender'):.2f} per person who reoffended."
            + (f" {dropped} input row(s) were dropped; see .dropped." if dropped else ""))

    def report_content(self, context: Context | None = None) -> Section:
        table = Table("Proven reoffending measures", self.to_frame(),
                      counts=dict(_COUNTS), reveals=dict(type(self)._revealing_columns),
                      name="measures")
        return Section(title=self.method, summary=(self.interpret(),),
                       checks=tuple(Check(f"{self.method}: warning", "amber", w)
                                    for w in self.warnings),
                       tables=(table,), spec=dict(self.spec))


def cohort_engine(index_events: Any, offences: Any, *, person: str, index_date: str,
                  offence_date: str, proven_date: str, data_end: Any, follow_up_days: int,
                  waiting_days: int, include_index_day: bool, errors: str
                  ) -> LinkedCohortResult:
    """:func:`~wsa_eval.survival.cohort.proven_reoffending` in the engine."""
    from .._utils import check_choice
    from ..errors import SpecificationError

    check_choice("errors", errors, ("drop", "raise"))
    for name, v in (("follow_up_days", follow_up_days), ("waiting_days", waiting_days)):
        if not isinstance(v, (int, np.integer)) or v < (1 if name != "waiting_days" else 0):
            raise SpecificationError(f"{name} must be a positive whole number of days, not {v!r}.")
    c = build_cohort(index_events, offences, person=person, index_date=index_date,
                     offence_date=offence_date, proven_date=proven_date, data_end=data_end,
                     follow_up_days=int(follow_up_days), waiting_days=int(waiting_days),
                     include_index_day=include_index_day, errors=errors)
    warns: list[str] = []
    if c.offence_rows_read == 0:
        warns.append("No offence rows were read, so nobody in the cohort has a proven "
                     "reoffence. Check that the offence data were passed correctly.")
    if c.dropped.shape[0]:
        warns.append("Dropped impossible records: " + "; ".join(
            f"{r.rows} {r.table} row(s) that {r.reason}" for r in c.dropped.itertuples())
            + ". See result.dropped for counts and examples.")
    if c.n_incomplete:
        warns.append(
            f"{c.n_incomplete} of {c.n_people} people have less than {follow_up_days} + "
            f"{waiting_days} days between their index date and data_end: their follow-up is "
            "incomplete, so they are left out of the reoffending rate and frequency and "
            "censored in the time to first reoffence.")
    for w in warns:
        warnings.warn(w, DataWarning, stacklevel=3)
    label = lambda x: str(x) if isinstance(x, str) else type(x).__name__  # noqa: E731
    spec = make_spec(
        "proven_reoffending",
        dict(person=person, index_date=index_date, offence_date=offence_date,
             proven_date=proven_date, data_end=str(data_end), follow_up_days=follow_up_days,
             waiting_days=waiting_days, include_index_day=include_index_day, errors=errors,
             engine=c.backend.name, index_events=label(index_events),
             offences=label(offences)),
        data_hash=None)
    return LinkedCohortResult(
        method="MoJ proven reoffending measures (one-year follow-up, six-month waiting "
               "period), built in the engine",
        spec=spec, warnings=tuple(warns),
        diagnostics={"offence_rows_read": c.offence_rows_read,
                     "offence_rows_dropped": c.offence_rows_dropped,
                     "persons_table": c.table},
        persons=c.persons, measures=c.measures, dropped=c.dropped,
        follow_up_days=int(follow_up_days), waiting_days=int(waiting_days),
        engine=c.backend.name)


@result_dataclass
class ExactMatchResult(Result):
    """Exact or coarsened exact matching (Iacus, King & Porro 2012).

    ``strata``: one row per stratum (the matching variables, banded where coarsened;
    ``n_treated``, ``n_control``, ``matched``, ``control_weight``). ``data``: the matched
    people with ``stratum`` and ``match_weight`` (1 for the treated; the CEM weight for the
    comparison group), a DuckDB relation or Spark DataFrame for engine inputs and a pandas
    frame for pandas input. ``effects``: for each outcome, the treated mean minus the
    weighted comparison mean, with ``treated_value``, ``comparison_value``, ``n_treated``,
    ``n_comparison``.
    """

    strata: pd.DataFrame
    data: Any
    effects: pd.DataFrame
    treatment: str
    covariates: tuple[str, ...]
    coarsen: Mapping[str, Any] = field(default_factory=dict)
    n_treated: int = 0
    n_matched_treated: int = 0
    n_control: int = 0
    n_matched_control: int = 0
    alpha: float = 0.05

    def to_frame(self) -> pd.DataFrame:
        return self.effects.copy() if len(self.effects) else self.strata.copy()

    def _repr_parts(self) -> list[str]:
        return [f"matched treated={self.n_matched_treated}/{self.n_treated}",
                f"strata={int(self.strata['matched'].sum())}"]

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Method", self.method), ("Matched on", ", ".join(self.covariates)),
                ("Treated", self.n_treated), ("Treated matched", self.n_matched_treated),
                ("Comparison", self.n_control),
                ("Comparison matched", self.n_matched_control)]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        out = [("Strata", self.strata)]
        if len(self.effects):
            out.insert(0, ("Outcomes: treated minus matched comparison", self.effects))
        return out

    def interpret(self) -> str:
        text = (f"{self.n_matched_treated} of {self.n_treated} treated people share their "
                f"{'banded ' if self.coarsen else ''}characteristics ("
                f"{', '.join(self.covariates)}) with at least one of {self.n_control} "
                f"comparison people; {self.n_matched_control} comparison people are matched "
                "and weighted to the treated group's mix.")
        if self.n_matched_treated < self.n_treated:
            text += (" Unmatched treated people are left out, so results describe those who "
                     "could be matched.")
        for r in self.effects.itertuples():
            text += (f" {r.term}: {r.treated_value:.3g} among the treated, "
                     f"{r.comparison_value:.3g} in the matched comparison group (difference "
                     f"{r.estimate:+.3g}, {100 * (1 - self.alpha):.0f}% CI {r.ci_low:+.3g} to "
                     f"{r.ci_high:+.3g}).")
        return text

    def report_content(self, context: Context | None = None) -> Section:
        tables = [Table("Strata", self.strata, counts={"n_treated": "people",
                                                      "n_control": "people"},
                        reveals={"control_weight": ("n_treated", "n_control")},
                        name="strata")]
        if len(self.effects):
            tables.insert(0, Table(
                "Outcomes", self.effects, counts={"n_treated": "people",
                                                  "n_comparison": "people"},
                name="effects"))
        return Section(title=self.method, summary=(self.interpret(),),
                       checks=tuple(Check(f"{self.method}: warning", "amber", w)
                                    for w in self.warnings),
                       tables=tuple(tables), spec=dict(self.spec))
