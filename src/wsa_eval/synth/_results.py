"""The synthetic-control result (Abadie, Diamond & Hainmueller) and how it is built.

Results are immutable: ``placebo()``, ``placebo_in_time()``, ``leave_one_out()`` and
``conformal()`` return new results carrying the extra tables (and, for the two tests, the
p-values), never changing the one they are called on.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConvergenceWarning, DataWarning
from ..interpret import INCONCLUSIVE, effect_sentence, fmt_number, verdict
from ..results import EffectResult, result_dataclass, tidy_frame

__all__ = ["SyntheticControlResult", "build_result"]


@result_dataclass
class SyntheticControlResult(EffectResult):
    """A synthetic-control fit for one treated unit.

    Attributes
    ----------
    weights : Series
        Donor weights (index: donor), non-negative, summing to one.
    v_weights : Series
        Predictor weights ``V`` on the standardised predictors (index: predictor label).
    path : DataFrame
        ``time, treated, synthetic, gap, post`` for every period.
    effects : DataFrame
        Tidy table by period (``term`` = period; ``estimate`` = gap), with ``time``,
        ``treated``, ``synthetic`` and ``post``; ``p_value`` (and intervals after
        ``conformal()``) filled for post periods once inference has been run.
    estimate : float
        Mean post-period gap (treated minus synthetic).
    pre_rmspe, post_rmspe : float
        Root mean squared gap before and from ``start``.
    balance : DataFrame
        Each predictor for the treated unit, its synthetic control and the donor mean.
    placebo_table, placebo_gaps : DataFrame or None
        After ``placebo()``: RMSPEs and ratios per unit; gap paths by unit.
    in_time, loo, loo_paths, conformal_table : DataFrame or None
        After ``placebo_in_time()``, ``leave_one_out()``, ``conformal()``.
    """

    treated_unit: Any = None
    start: Any = None
    outcome: str = ""
    weights: pd.Series = field(default_factory=pd.Series)
    v_weights: pd.Series = field(default_factory=pd.Series)
    path: pd.DataFrame = field(default_factory=pd.DataFrame)
    pre_rmspe: float = math.nan
    post_rmspe: float = math.nan
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    placebo_table: pd.DataFrame | None = None
    placebo_gaps: pd.DataFrame | None = None
    in_time: pd.DataFrame | None = None
    in_time_paths: pd.DataFrame | None = None
    loo: pd.DataFrame | None = None
    loo_paths: pd.DataFrame | None = None
    conformal_table: pd.DataFrame | None = None
    problem: Any = field(default=None, repr=False)

    _plot_kinds: ClassVar[dict[str, str]] = {
        "path": "wsa_eval.plotting.synth:path_plot",
        "gap": "wsa_eval.plotting.synth:gap_plot",
        "placebo": "wsa_eval.plotting.synth:placebo_plot",
        "leave_one_out": "wsa_eval.plotting.synth:leave_one_out_plot",
        "weights": "wsa_eval.plotting.synth:weights_plot",
        "in_time": "wsa_eval.plotting.synth:in_time_plot",
        "effects": "wsa_eval.plotting:effects_plot",
    }
    _default_plot: ClassVar[str | None] = "path"

    # -- derived quantities ------------------------------------------------------------
    @property
    def n_effective_donors(self) -> float:
        """Effective number of donors, ``1 / sum(w_j^2)``."""
        w = self.weights.to_numpy(dtype=float)
        return float(1.0 / np.sum(w ** 2))

    @property
    def n_donors(self) -> int:
        return int(self.weights.shape[0])

    @property
    def smallest_p_value(self) -> float:
        """Smallest p-value the placebo-in-space test can give: ``1 / (J + 1)``."""
        if self.placebo_table is not None:
            return 1.0 / int(self.placebo_table["included"].sum())
        return 1.0 / (self.n_donors + 1)

    # -- inference and robustness (each returns a new result) ---------------------------
    def placebo(self, *, prune: float | None = None, alternative: str = "two-sided",
                n_starts: int | None = None, progress: bool | None = None,
                n_jobs: int | None = None) -> SyntheticControlResult:
        """Placebo-in-space permutation inference (ADH 2010): see
        :func:`wsa_eval.synth.placebo.placebo_in_space` (``n_jobs=-1``: refit the
        placebos on every core; same results as the default serial run)."""
        from .placebo import placebo_in_space

        return placebo_in_space(self, prune=prune, alternative=alternative,
                                n_starts=n_starts, progress=progress, n_jobs=n_jobs)

    def placebo_in_time(self, starts: Any = None, *,
                        progress: bool | None = None) -> SyntheticControlResult:
        """Fake start dates inside the pre-period (ADH 2015): see
        :func:`wsa_eval.synth.placebo.placebo_in_time`."""
        from .placebo import placebo_in_time

        return placebo_in_time(self, starts=starts, progress=progress)

    def leave_one_out(self, *, progress: bool | None = None) -> SyntheticControlResult:
        """Refit dropping each donor with positive weight (ADH 2015): see
        :func:`wsa_eval.synth.placebo.leave_one_out`."""
        from .placebo import leave_one_out

        return leave_one_out(self, progress=progress)

    def conformal(self, **kwargs: Any) -> SyntheticControlResult:
        """Conformal inference (Chernozhukov, Wuthrich & Zhu 2021): see
        :func:`wsa_eval.synth.conformal.conformal_inference`."""
        from .conformal import conformal_inference

        return conformal_inference(self, **kwargs)

    # -- presentation ------------------------------------------------------------------
    def _summary_header(self) -> list[tuple[str, Any]]:
        h = super()._summary_header()
        h[0:0] = [("Treated unit", self.treated_unit), ("Start", self.start),
                  ("Outcome", self.outcome)]
        h += [("Donors", self.n_donors),
              ("Effective donors (1/sum w^2)", round(self.n_effective_donors, 2)),
              ("Pre-period RMSPE", self.pre_rmspe),
              ("Post-period RMSPE", self.post_rmspe)]
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        w = self.weights[self.weights > 5e-4].sort_values(ascending=False)
        tables = [("Donor weights (above 0.0005)", w.rename("weight").reset_index()),
                  ("Predictor balance", self.balance)]
        post = self.effects.loc[self.effects["post"]].drop(columns=["term"])
        tables.append(("Gap by post period", post))
        if self.placebo_table is not None:
            tables.append(("Placebo-in-space (largest post/pre RMSPE ratios first)",
                           self.placebo_table.head(10)))
        if self.loo is not None:
            tables.append(("Leave one donor out", self.loo))
        if self.in_time is not None:
            tables.append(("Placebo in time", self.in_time))
        return tables

    def _inference_words(self) -> str:
        if self.conformal_table is not None and self.inference.startswith("conformal"):
            return f"Conformal inference: {self.inference}."
        if self.placebo_table is not None:
            tab = self.placebo_table
            n = int(tab["included"].sum())
            rank = int(tab.loc[tab["treated"], "rank"].iloc[0])
            return (f"Placebo-in-space test: the treated unit's post/pre RMSPE ratio ranks "
                    f"{rank} of {n} (itself and {n - 1} placebo donors), giving p = "
                    f"{self.p_value:.3g}; the smallest p-value this test can give is 1/{n} = "
                    f"{1 / n:.3g}.")
        if self.conformal_table is not None:
            return f"Conformal inference: {self.inference}."
        return ("No inference has been run yet: call .placebo() (placebo-in-space test; the "
                f"smallest attainable p-value is 1/{self.n_donors + 1} = "
                f"{1 / (self.n_donors + 1):.3g}) or .conformal().")

    def _summary_footer(self) -> list[str]:
        return [self._inference_words()] + super()._summary_footer()

    def interpret(self) -> str:
        text = effect_sentence(self)
        v = verdict(self.estimate, self.ci_low, self.ci_high, self.p_value, self.alpha)
        extra = [f"Before {_fmt(self.start)} the synthetic control tracked "
                 f"{self.treated_unit} with a root mean squared gap of "
                 f"{fmt_number(self.pre_rmspe)}; it is built from "
                 f"{self.n_effective_donors:.1f} effective donors."]
        if not self.inference.startswith("conformal"):
            extra.append(self._inference_words())
        if v == INCONCLUSIVE and math.isnan(self.p_value):
            extra.append("Without a test the estimate alone cannot be called a reduction or "
                         "an increase.")
        if self.diagnostics.get("outside_convex_hull"):
            extra.append("Caution: the treated unit lies outside the donors' range before the "
                         "start, so the pre-period fit is poor.")
        return " ".join([text, *extra])


def _fmt(t: Any) -> Any:
    if isinstance(t, (float, np.floating)) and float(t).is_integer():
        return int(t)
    return t


def build_result(prob: Any, fit: Any, *, alpha: float, spec: dict[str, Any],
                 emit: bool = True) -> SyntheticControlResult:
    """Assemble the result of the main fit (and emit its warnings)."""
    from ._qp import _degenerate, outcome_only_bound

    times = prob.times
    post = times >= prob.start
    pre = ~post
    Yt = prob.Y[prob.treated]
    gap = fit.gap
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[post] ** 2)))
    donors = pd.Index(prob.units[prob.donors], name="donor")
    weights = pd.Series(fit.w, index=donors, name="weight")
    v_w = pd.Series(fit.v, index=pd.Index(fit.labels, name="predictor"), name="v")
    path = pd.DataFrame({"time": times, "treated": Yt, "synthetic": fit.synthetic, "gap": gap,
                         "post": post})
    effects = tidy_frame([_fmt(t) for t in times], gap, alpha=alpha,
                         p_values=np.full(len(times), np.nan),
                         ci=(np.full(len(times), np.nan), np.full(len(times), np.nan)),
                         extra={"time": times, "treated": Yt, "synthetic": fit.synthetic,
                                "post": post})
    balance = pd.DataFrame({"predictor": list(fit.labels), "treated": fit.X1,
                            "synthetic": fit.X0 @ fit.w, "donor_mean": fit.X0.mean(axis=1),
                            "v_weight": fit.v})
    # -- diagnostics and warnings ------------------------------------------------------
    msgs: list[tuple[str, type]] = []
    fcols = np.isin(times, np.asarray(prob.fit_periods))
    z1, Z0 = prob.Y[prob.treated, fcols], prob.Y[np.ix_(prob.donors, fcols)].T
    lb, _ = outcome_only_bound(z1, Z0)
    above = z1 > Z0.max(axis=1)
    below = z1 < Z0.min(axis=1)
    frac_out = float(np.mean(above | below))
    hull_bad = frac_out >= 0.5
    if hull_bad:
        side = "above every donor" if above.sum() >= below.sum() else "below every donor"
        msgs.append((
            f"{prob.units[prob.treated]!r} lies outside the donors' convex hull before "
            f"{_fmt(prob.start)}: its outcome is {side} in {int((above | below).sum())} of "
            f"{len(z1)} fitting periods, and no weighted average of donors gets the pre-period "
            f"RMSPE below {math.sqrt(lb):.4g}. The synthetic control cannot match it, so the "
            "gaps may reflect poor fit, not the intervention. Consider penalty= (Abadie & "
            "L'Hour 2021), an augmented or de-meaned estimator (wsa_eval.synth.augmented / "
            "sdid), or a transformed outcome (e.g. an index or growth rate).", DataWarning))
    sd = np.std(np.column_stack([fit.X1, fit.X0]), axis=1, ddof=1)
    X1s, X0s = fit.X1 / sd, fit.X0 / sd[:, None]
    nonunique = bool(_degenerate(X1s, X0s, fit.v, fit.w, prob.penalty)
                     or fit.report.get("inner_tie", False))
    if nonunique:
        msgs.append((
            "The donor weights are not unique: other weightings of the donors fit the "
            "predictors equally well for the chosen V (ties, or the treated unit lies inside "
            "the donors' convex hull on the heavily weighted predictors). Report the "
            "sensitivity (leave_one_out()) or use penalty= (Abadie & L'Hour 2021) to pick a "
            "unique, sparse solution.", ConvergenceWarning))
    if fit.dropped:
        msgs.append((f"Predictor(s) {', '.join(map(repr, fit.dropped))} take the same value for "
                     "every unit and were dropped.", DataWarning))
    msgs += _search_warnings(fit.report)
    diagnostics = {
        "pre_rmspe": pre_rmspe,
        "post_rmspe": post_rmspe,
        "fit_mspe": fit.fit_mspe,
        "fit_periods": list(prob.fit_periods),
        "lower_bound_mspe": lb,
        "certified_optimal": bool(fit.fit_mspe <= lb * (1 + 1e-6) + 1e-12),
        "n_effective_donors": float(1.0 / np.sum(fit.w ** 2)),
        "weights_unique": not nonunique,
        "outside_convex_hull": hull_bad,
        "share_periods_outside_donor_range": frac_out,
        "optimisation": dict(fit.report),
        "objective_spread": dict(fit.report.get("spread", {})),
        "dropped_predictors": list(fit.dropped) + list(fit.report.get("train_dropped", ())),
    }
    if emit:
        for m, cat in msgs:
            warnings.warn(m, cat, stacklevel=3)
    return SyntheticControlResult(
        method="Synthetic control (Abadie, Diamond & Hainmueller 2010)",
        spec=spec, diagnostics=diagnostics, warnings=tuple(m for m, _ in msgs),
        estimate=float(np.mean(gap[post])), alpha=alpha,
        inference="none yet (call .placebo() or .conformal())",
        estimand=f"mean post-period gap in {prob.outcome} (treated minus synthetic)",
        effects=effects, n_obs=int(prob.Y.size), n_units=int(len(prob.units)), n_treated=1,
        treated_unit=prob.units[prob.treated], start=prob.start, outcome=prob.outcome,
        weights=weights, v_weights=v_w, path=path, pre_rmspe=pre_rmspe, post_rmspe=post_rmspe,
        balance=balance, problem=prob)


def _search_warnings(rep: dict[str, Any]) -> list[tuple[str, type]]:
    """ConvergenceWarnings of the nested-V search and of the inner solver."""
    msgs: list[tuple[str, type]] = []
    sp = rep.get("spread") or {}
    if rep.get("stopped_on_budget"):
        msgs.append((
            f"The nested search for V stopped on its budget of {sp.get('n_starts')} starts "
            "before two starts agreed (to 0.1%) on the best pre-period fit: a better fit may "
            "exist. The fit is the best found (see diagnostics['objective_spread']); try "
            "n_starts=200 to check.", ConvergenceWarning))
    elif rep.get("starts_disagree"):
        msgs.append((
            f"The best starts of the nested search for V disagree: the second best local "
            f"optimum is {100 * sp['second_best_gap']:.2g}% above the best (pre-period MSPE "
            f"{sp['best']:.4g}), so the best may not be the global optimum. See "
            "diagnostics['objective_spread']; try a larger n_starts.", ConvergenceWarning))
    if rep.get("starts") and not rep.get("converged", True):
        msgs.append((f"The nested optimisation of V may not have converged: a final restart "
                     f"still lowered the pre-period MSPE by {100 * rep['restart_gain']:.2g}%. "
                     "The fit is the best found (see diagnostics['optimisation']); try a "
                     "larger n_starts.", ConvergenceWarning))
    if rep.get("inner_converged") is False:
        msgs.append((
            "The solver for the donor weights stopped at its iteration limit without meeting "
            f"the optimality conditions (largest violation {rep.get('inner_kkt_gap', 0):.2g}"
            "); the weights may not be the exact minimiser for the chosen V.",
            ConvergenceWarning))
    for lab in rep.get("train_dropped", ()):
        msgs.append((
            f"Predictor {lab!r} has no data in the training window of v='train_validation' "
            "(its periods shifted back by the length of the validation window), so it gets "
            "no weight in V; it is listed in diagnostics['dropped_predictors'].",
            DataWarning))
    return msgs


def with_changes(res: SyntheticControlResult, **changes: Any) -> SyntheticControlResult:
    return replace(res, **changes)
