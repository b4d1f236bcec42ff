"""The result of synthetic difference-in-differences, synthetic control and DiD in the
synthdid form (:func:`wsa_eval.synth.sdid`, :func:`~wsa_eval.synth.sc`,
:func:`~wsa_eval.synth.did`)."""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..results import EffectResult, result_dataclass

__all__ = ["SDIDResult"]

_NAMES = {
    "sdid": "Synthetic difference-in-differences (Arkhangelsky et al. 2021)",
    "sc": "Synthetic control, synthdid form (Arkhangelsky et al. 2021)",
    "did": "Difference-in-differences, synthdid form (Arkhangelsky et al. 2021)",
}
_SE_TEXT = {
    "placebo": "placebo standard error (Arkhangelsky et al. 2021, Algorithm 4)",
    "bootstrap": "unit bootstrap standard error (Arkhangelsky et al. 2021, Algorithm 2)",
    "jackknife": "fixed-weight jackknife standard error (Arkhangelsky et al. 2021, Algorithm 3)",
}


@result_dataclass
class SDIDResult(EffectResult):
    """Result of :func:`sdid`, :func:`sc` or :func:`did`.

    The attributes below are those it adds to :class:`~wsa_eval.results.EffectResult`.

    Attributes
    ----------
    estimator : {"sdid", "sc", "did"}
    unit_weights : Series
        Weight of each comparison unit (``omega``), indexed by unit; with several adoption
        cohorts the index is (cohort, unit).
    time_weights : Series
        Weight of each pre-treatment period (``lambda``), indexed by period (or
        (cohort, period)). All zero for synthetic control, uniform for DiD.
    n_effective_donors : float
        ``1 / sum(omega^2)`` (R synthdid's "effective N0"); with several cohorts, of the
        treated-unit-period-weighted average of the cohorts' unit weights.
    cohorts : DataFrame
        One row per adoption cohort: start, treated units, pre/post periods, aggregation
        weight, estimate, regularisation ``zeta``, noise level.
    replications : ndarray or None
        The placebo / bootstrap / leave-one-out estimates behind ``se``.
    effects : DataFrame
        By cohort and period: ``estimate`` is the gap between the treated mean and the
        (intercept-shifted) synthetic comparison; columns ``time``, ``cohort``, ``post``,
        ``treated``, ``synthetic`` follow the tidy columns. The mean of the post-period gaps
        of a cohort is its estimate.
    """

    estimator: str = "sdid"
    unit_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    time_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    n_effective_donors: float = math.nan
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)
    replications: np.ndarray | None = None
    treated_units: tuple = ()

    _plot_kinds: ClassVar[dict[str, str]] = {
        "trajectories": "wsa_eval.plotting.sdid:trajectory_plot",
        "weights": "wsa_eval.plotting.sdid:unit_weights_plot",
        "effects": "wsa_eval.plotting.sdid:gap_plot",
    }
    _default_plot: ClassVar[str | None] = "trajectories"

    def _summary_header(self) -> list[tuple[str, Any]]:
        h = super()._summary_header()
        h.append(("Effective comparison units", round(self.n_effective_donors, 1)))
        if len(self.cohorts) > 1:
            h.append(("Adoption cohorts", len(self.cohorts)))
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        w = self.unit_weights[self.unit_weights > 0].sort_values(ascending=False)
        tabs = [("Cohorts", self.cohorts)]
        tabs.append(("Comparison units with non-zero weight",
                     w.rename("weight").reset_index().head(15)))
        post = self.effects.loc[self.effects["post"]]
        tabs.append(("Effects by period (after treatment)",
                     post[["cohort", "time", "treated", "synthetic", "estimate", "std_error"]]))
        return tabs

    def _summary_footer(self) -> list[str]:
        foot = [
            "Estimate: average over treated units and post-treatment periods of the gap "
            "between treated and weighted comparison units, differenced against the "
            "weighted pre-treatment gap.",
        ]
        return foot + super()._summary_footer()


# -- data preparation ------------------------------------------------------------------
