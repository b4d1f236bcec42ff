"""Goodman-Bacon (2021) decomposition of the two-way fixed effects DiD estimate.

Goodman-Bacon, A. (2021), "Difference-in-differences with variation in treatment timing",
Journal of Econometrics 225(2), 254-277.

With staggered adoption in a balanced panel and no covariates or weights, the static TWFE
coefficient on the treatment dummy equals a weighted average of every 2x2 DiD comparison
between timing groups (Theorem 1):

* treated vs never treated (``"Treated vs Untreated"``): cohort ``k`` against the
  never-treated units over the whole panel;
* earlier vs later treated (``"Earlier vs Later Treated"``): cohort ``k`` against a later
  cohort ``l`` that is not yet treated, in the periods before ``l`` starts;
* later vs earlier treated (``"Later vs Earlier Treated"``): cohort ``l`` against the
  already-treated earlier cohort ``k``, in the periods from ``k``'s start on. These
  comparisons use treated units as controls; when effects change over time they are biased
  and can even have the wrong sign.

The weights are the sample shares of units in each group times the variance of treatment in
each 2x2 subsample, divided by the variance of the two-way demeaned treatment dummy; they are
positive and sum to one, and the weighted sum of the 2x2 estimates reproduces the TWFE
coefficient exactly (checked at run time). Type labels follow the R package ``bacondecomp``.

* later vs always treated (``"Later vs Always Treated"``): cohort ``k`` against the units
  treated from the first observed period (before the data start), over the whole panel.
  Their treatment never changes, so the TWFE regression uses them as controls; Goodman-Bacon
  (2021, Section 3) counts them with the untreated group ``U`` and R ``bacondecomp`` reports
  them under this label. They are already treated, so these comparisons are biased when
  their effects change over time.

Assumptions for the decomposition itself: none beyond a balanced panel, a binary treatment
that never switches off, no covariates and no weights (the decomposition with time-varying
covariates is not implemented). Every unit is kept, so the decomposition is that of the
TWFE regression on the user's whole panel (:func:`wsa_eval.did.twfe.twfe` gives the same
coefficient).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._compat import renamed_arguments
from .._utils import hash_frame
from ..errors import EstimationError
from ..results import Result, make_spec, result_dataclass
from . import _design as D

__all__ = ["bacon_decomposition", "BaconResult", "TYPES"]

EARLY_LATE = "Earlier vs Later Treated"
LATE_EARLY = "Later vs Earlier Treated"
TREAT_NEVER = "Treated vs Untreated"
LATE_ALWAYS = "Later vs Always Treated"
TYPES = (EARLY_LATE, LATE_EARLY, TREAT_NEVER, LATE_ALWAYS)


@result_dataclass
class BaconResult(Result):
    """The 2x2 comparisons behind a TWFE estimate.

    Attributes
    ----------
    estimate : float
        The TWFE coefficient (equal to ``sum(weight * estimate)`` over ``two_by_twos``).
    two_by_twos : DataFrame
        One row per comparison: ``type``, ``treated_cohort``, ``control_cohort`` (``inf``
        for never treated), ``estimate``, ``weight``.
    by_type : DataFrame
        ``type``, ``weight`` (sum), ``avg_estimate`` (weighted mean), ``n_comparisons``.
    """

    estimate: float
    two_by_twos: pd.DataFrame
    by_type: pd.DataFrame
    n_obs: int | None = None
    n_units: int | None = None

    _plot_kinds: ClassVar[dict[str, str]] = {"scatter": "wsa_eval.plotting.did:bacon_plot"}
    _default_plot: ClassVar[str | None] = "scatter"

    def to_frame(self) -> pd.DataFrame:
        return self.two_by_twos.copy()

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("TWFE estimate", self.estimate),
                ("Comparisons", self.two_by_twos.shape[0]),
                ("Observations", self.n_obs), ("Units", self.n_units)]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("By type of comparison", self.by_type), ("Every 2x2 comparison",
                                                          self.two_by_twos)]

    def _summary_footer(self) -> list[str]:
        return [self.interpret()] + [f"Warning: {w}" for w in self.warnings]

    def __repr__(self) -> str:
        return (f"<BaconResult: TWFE {self.estimate:.4g} from "
                f"{self.two_by_twos.shape[0]} comparisons>")

    @property
    def forbidden_weight(self) -> float:
        """Total weight on comparisons that use already-treated units as controls (earlier
        cohorts, and units treated before the data start)."""
        bt = self.by_type.set_index("type")["weight"]
        return float(bt.get(LATE_EARLY, 0.0) + bt.get(LATE_ALWAYS, 0.0))

    def interpret(self) -> str:
        share = self.forbidden_weight
        parts = [
            f"The two-way fixed effects estimate ({self.estimate:.4g}) is a weighted average "
            f"of {self.two_by_twos.shape[0]} simple before/after comparisons between groups "
            "treated at different times."
        ]
        if share > 0:
            parts.append(
                f"{100 * share:.1f}% of the weight comes from comparisons that use "
                "already-treated areas as the comparison group; if effects grow or fade over "
                "time these comparisons are biased, so prefer an estimator built for "
                "staggered timing (Callaway & Sant'Anna, Sun & Abraham or imputation)."
            )
        else:
            parts.append("No comparison uses already-treated units as controls.")
        return " ".join(parts)


def bacon_core(Y: np.ndarray, pos: np.ndarray) -> tuple[pd.DataFrame, float, float]:
    """Decompose TWFE on a balanced panel (pure numpy).

    ``Y`` is units x periods; ``pos[i]`` is the index of unit i's first treated period
    (``0`` for units treated from the first period, ``>= T`` for never treated). Returns the
    2x2 table, the TWFE coefficient computed directly, and the sum of the weights (1 up to
    rounding).
    """
    N, T = Y.shape
    Dm = (np.arange(T)[None, :] >= pos[:, None]).astype(float)
    Dt = Dm - Dm.mean(1, keepdims=True) - Dm.mean(0, keepdims=True) + Dm.mean()
    VD = float((Dt ** 2).mean())
    if VD <= 0:
        raise EstimationError("The treatment does not vary once unit and period effects are "
                              "removed: there is nothing to decompose.")
    beta = float((Dt * Y).sum() / (Dt ** 2).sum())
    groups = np.unique(pos)
    timing = groups[(groups > 0) & (groups < T)]  # treated within the panel
    untreated = [int(u) for u in groups if u >= T or u == 0]  # never / always treated
    ybar = {int(k): Y[pos == k].mean(0) for k in groups}
    share = {int(k): float((pos == k).mean()) for k in groups}
    dbar = {int(k): float((T - min(k, T)) / T) for k in groups}
    t = np.arange(T)
    rows = []
    for k in map(int, timing):
        for u in untreated:  # Theorem 1: timing group k against an untreated group U
            nk, nu = share[k], share[u]
            nku = nk / (nk + nu)
            s = (nk + nu) ** 2 * nku * (1 - nku) * dbar[k] * (1 - dbar[k]) / VD
            typ = LATE_ALWAYS if u == 0 else TREAT_NEVER
            rows.append((typ, k, u, _dd(ybar[k], ybar[u], t >= k, t < k), s))
        for l_ in map(int, timing[timing > k]):
            nk, nl = share[k], share[l_]
            nkl = nk / (nk + nl)
            dk, dl = dbar[k], dbar[l_]
            # earlier k treated vs later l not yet treated, periods before l starts
            s_k = (((nk + nl) * (1 - dl)) ** 2 * nkl * (1 - nkl)
                   * ((dk - dl) / (1 - dl)) * ((1 - dk) / (1 - dl)) / VD)
            b_k = _dd(ybar[k], ybar[l_], (t < l_) & (t >= k), t < k)
            rows.append((EARLY_LATE, k, l_, b_k, s_k))
            # later l treated vs already treated k, periods from k's start on
            s_l = (((nk + nl) * dk) ** 2 * nkl * (1 - nkl)
                   * (dl / dk) * ((dk - dl) / dk) / VD)
            b_l = _dd(ybar[l_], ybar[k], t >= l_, (t >= k) & (t < l_))
            rows.append((LATE_EARLY, l_, k, b_l, s_l))
    out = pd.DataFrame(rows, columns=["type", "treated_pos", "control_pos", "estimate",
                                      "weight"])
    return out, beta, float(out["weight"].sum())


def _dd(yt: np.ndarray, yc: np.ndarray, after: np.ndarray, before: np.ndarray) -> float:
    """The 2x2 DiD of two mean outcome paths between the ``before`` and ``after`` periods."""
    return float((yt[after].mean() - yt[before].mean())
                 - (yc[after].mean() - yc[before].mean()))


@renamed_arguments(treated_units="treated")
def bacon_decomposition(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str | None = None,
    first_treated: str | None = None,
    treated: Any = None,
    start: Any = None,
    tol: float = 1e-8,
) -> BaconResult:
    """Goodman-Bacon (2021) decomposition of the static TWFE estimate.

    Parameters
    ----------
    data : DataFrame
        Balanced long panel (never modified).
    outcome, unit, time : str
        Column names.
    treatment, first_treated : str
        A 0/1 treatment column, or each unit's first treated period (0/NaN = never).
    treated, start
        Alternatively, the treated unit label(s) and their first treated period (a value,
        or a dict unit -> period).
    tol : float
        The decomposition must reproduce the TWFE coefficient to this (relative) tolerance;
        otherwise an :class:`EstimationError` is raised (it would mean a bug).

    Returns
    -------
    BaconResult
        ``.to_frame()`` has one row per 2x2 comparison (``type``, ``treated_cohort``,
        ``control_cohort``, ``estimate``, ``weight``); ``.plot()`` draws estimate against
        weight by type. Units treated from the first observed period are kept as the
        "always treated" comparison group (``control_cohort`` is then the first period).
    """
    treatment, treated = D.timing_arguments("bacon_decomposition", data, unit, treatment, treated,
                                            start)
    p = D.prepare(data, outcome=outcome, unit=unit, time=time, treatment=treatment,
                  first_treated=first_treated, treated=treated, start=start, balanced=True,
                  always_treated="keep")
    N, T = len(p.units), len(p.times)
    Y = np.full((N, T), np.nan)
    Y[p.unit_codes, p.time_codes] = p.y
    g_unit = np.full(N, np.inf)
    g_unit[p.unit_codes] = p.g
    pos = np.searchsorted(p.times, g_unit).astype(int)  # T for never treated
    pos[~np.isfinite(g_unit)] = T
    tab, beta, wsum = bacon_core(Y, pos)
    if tab.empty:
        raise EstimationError("Only one timing group: there are no 2x2 comparisons.")
    recon = float((tab["estimate"] * tab["weight"]).sum())
    if abs(wsum - 1) > tol or abs(recon - beta) > tol * max(1.0, abs(beta)):
        raise EstimationError(  # pragma: no cover - would be a bug
            f"Internal check failed: weights sum to {wsum:.12g} and reproduce {recon:.12g} "
            f"instead of the TWFE estimate {beta:.12g}."
        )
    times_ext = np.append(p.times.astype(float), np.inf)
    tab.insert(1, "treated_cohort", times_ext[tab.pop("treated_pos").to_numpy()])
    tab.insert(2, "control_cohort", times_ext[tab.pop("control_pos").to_numpy()])
    by = (tab.assign(we=tab["weight"] * tab["estimate"]).groupby("type", sort=False)
          .agg(weight=("weight", "sum"), we=("we", "sum"), n_comparisons=("weight", "size"))
          .reset_index())
    by["avg_estimate"] = by["we"] / by["weight"]
    by = by[["type", "weight", "avg_estimate", "n_comparisons"]]
    by["type"] = pd.Categorical(by["type"], categories=list(TYPES), ordered=True)
    by = by.sort_values("type").reset_index(drop=True)
    by["type"] = by["type"].astype(str)
    spec = make_spec("bacon_decomposition", dict(outcome=outcome, unit=unit, time=time,
                                                 treatment=treatment,
                                                 first_treated=first_treated, treated=treated,
                                                 start=start),
                     data_hash=hash_frame(data))
    return BaconResult(
        method="Goodman-Bacon (2021) decomposition of two-way fixed effects", spec=spec,
        diagnostics={"weight_sum": wsum, "reconstructed": recon, "twfe": beta},
        warnings=tuple(p.warnings), estimate=beta, two_by_twos=tab, by_type=by,
        n_obs=len(p.y), n_units=N,
    )

