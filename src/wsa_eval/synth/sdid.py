"""Synthetic difference-in-differences, with synthetic control and DiD from the same machinery.

Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. & Wager, S. (2021).
"Synthetic Difference-in-Differences". *American Economic Review* 111(12): 4088-4118.
Staggered adoption as in Clarke, D., Pailañir, D., Athey, S. & Imbens, G. (2023),
"Synthetic Difference-in-Differences Estimation" (the Stata ``sdid`` command), IZA DP 15907.

The estimator reweights comparison units (unit weights ``omega``, chosen so that their
pre-treatment path runs parallel to the treated units', with a ridge penalty) and
pre-treatment periods (time weights ``lambda``, chosen so that the weighted pre-period
predicts the post-period for the comparison units), then takes a weighted
difference-in-differences. :func:`sc` (synthetic control: unit weights without an
intercept, no time weights) and :func:`did` (uniform weights) are the two special cases
the paper compares it with; all three take the same arguments and return the same result
type, so ``wsa_eval.results.compare([sdid(...), sc(...), did(...)])`` gives the paper's
side-by-side table.

The weights are computed as in the authors' R package ``synthdid`` (Frank-Wolfe, the
paper's regularisation ``zeta = (N_tr * T_post)^(1/4) * sd(first differences of control
outcomes before treatment)``, sparsification), so estimates agree with it to rounding.

Assumptions: a balanced panel; treatment, once started, stays on (block or staggered
adoption); comparison units are never treated and unaffected by the treatment (no
spill-overs); the outcome follows (approximately) a low-rank factor model plus noise,
which is what makes the weighted comparison unbiased (Arkhangelsky et al., Section 4).

Inference (``inference=``):

* ``"placebo"`` (Algorithm 4): comparison units are given the treated units' treatment
  timing and the estimator is rerun; the spread of these placebo estimates is the standard
  error. The one method that works with a single treated unit; it assumes the treated
  units' noise is like the comparison units' (homoskedasticity across units). With ONE
  treated unit there are exactly J placebos (each comparison unit treated once): by default
  (``reps=None``) all J are used, exactly, without random draws; an explicit ``reps`` draws
  that many at random as R synthdid does (a warning when ``reps < J``). With several
  treated units ``reps`` random assignments (default 200). The p-value is never below the
  smallest a placebo test of that size can give: ``1/(J + 1)`` with one treated unit,
  ``1/(reps + 1)`` otherwise.
* ``"bootstrap"`` (Algorithm 2): units are resampled with replacement.
* ``"jackknife"`` (Algorithm 3): leave-one-unit-out with the weights held fixed.

The bootstrap and jackknife need several treated units and raise an error with one; they
never return NaN.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import renamed_arguments
from .._utils import check_alpha, check_choice, hash_frame, resolve_random_state
from ..errors import ConvergenceWarning, InferenceWarning, SpecificationError
from ..results import make_spec, tidy_frame
from ._sdid_fast import placebo_fits  # noqa: F401  (re-exported: wsa_eval.claims uses it)
from ._sdid_prepare import cohort_specs, fit_cohorts, prepare_panel
from ._sdid_result import _NAMES, _SE_TEXT, SDIDResult
from ._sdid_variance import (
    _fmt,
    bootstrap_replications,
    jackknife_replications,
    placebo_replications,
)

__all__ = ["SDIDResult", "sdid", "sc", "did", "placebo_fits"]

_INFERENCE = ("placebo", "bootstrap", "jackknife", None)


def _check_args(inference: Any, reps: Any, zeta: Any, alpha: float) -> float:
    check_choice("inference", inference, _INFERENCE)
    if inference is not None and reps is not None and (
            isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 2):
        raise SpecificationError(f"reps must be a whole number of at least 2 (or None), not "
                                 f"{reps!r}.")
    if zeta is not None and not (np.isfinite(zeta) and zeta >= 0):
        raise SpecificationError(f"zeta must be a non-negative number, not {zeta!r}.")
    return check_alpha(alpha)


def _replications(kind, inference, panel, specs, fits, reps, rng, progress):
    """Replication estimates, effect curves, SE, per-period SEs, the smallest attainable
    p-value, and the words for ``result.inference``."""
    n_co = panel.n_co
    n_tr = panel.Y.shape[0] - n_co
    floor = 0.0
    if inference == "placebo":
        exact = n_tr == 1 and reps is None
        if n_tr == 1 and reps is not None and reps < n_co:
            warnings.warn(
                f"reps={reps} placebo draws with one treated unit: there are exactly {n_co} "
                f"placebos (each comparison unit treated once). The default (reps=None) uses "
                f"all {n_co}, exactly; {reps} random draws give a noisier standard error.",
                InferenceWarning, stacklevel=4)
        draws = 200 if reps is None else int(reps)
        est, gaps = placebo_replications(kind, panel, specs, fits, draws, rng, progress,
                                         exact=exact)
        floor = 1.0 / (n_co + 1) if n_tr == 1 else 1.0 / (draws + 1)
        what = (f"all {n_co} placebos (each comparison unit treated once; exact, no random "
                "draws)" if exact else f"{est.size} random placebo assignments")
    elif inference == "bootstrap":
        est, gaps = bootstrap_replications(kind, panel, specs, fits, 200 if reps is None
                                           else int(reps), rng, progress)
        floor = 1.0 / (est.size + 1)
        what = f"{est.size} bootstrap replications"
    else:
        est, gaps = jackknife_replications(panel, specs, fits)
        what = f"{est.size} leave-one-out fits"
    if inference == "jackknife":
        n = est.size
        se = float(np.sqrt((n - 1) / n * np.sum((est - est.mean()) ** 2)))
        se_t = [np.sqrt((n - 1) / n * np.sum((g - g.mean(0)) ** 2, axis=0)) for g in gaps]
    else:
        se = float(np.std(est))
        se_t = [np.std(g, axis=0) for g in gaps]
    words = f"{_SE_TEXT[inference]}; {what}; normal-approximation interval"
    if floor:
        words += f"; p-values not below {floor:.3g}, the smallest this test can give"
    return est, se, se_t, floor, words


def _headline(estimate: float, se: float, alpha: float, floor: float):
    """Normal-approximation interval and p-value (the p-value floored at ``floor``)."""
    if not (np.isfinite(se) and se > 0):
        return (math.nan, math.nan), math.nan
    z = stats.norm.ppf(1 - alpha / 2)
    p = float(2 * stats.norm.sf(abs(estimate / se)))
    return (estimate - z * se, estimate + z * se), max(p, floor)


def _weights_tables(panel, specs, fits, unit, time):
    co_units = panel.units[: panel.n_co]
    times = panel.times
    if len(specs) == 1:
        uw = pd.Series(fits[0].omega[0], index=pd.Index(co_units, name=unit), name="weight")
        tw = pd.Series(fits[0].lam[0], index=pd.Index(times[:specs[0].T0], name=time),
                       name="weight")
        return uw, tw, fits[0].omega[0]
    uw = pd.concat({sp.start: pd.Series(f.omega[0], index=pd.Index(co_units, name=unit))
                    for sp, f in zip(specs, fits)}, names=["cohort", unit]).rename("weight")
    tw = pd.concat({sp.start: pd.Series(f.lam[0], index=pd.Index(times[:sp.T0], name=time))
                    for sp, f in zip(specs, fits)}, names=["cohort", time]).rename("weight")
    return uw, tw, sum(sp.weight * f.omega[0] for sp, f in zip(specs, fits))


def _effects_table(panel, specs, fits, se_t, alpha) -> pd.DataFrame:
    times = panel.times
    T = len(times)
    rows_eff = []
    for sp, f, st in zip(specs, fits, se_t):
        lab = [f"{_fmt(t)}" if len(specs) == 1 else f"{_fmt(sp.start)}:{_fmt(t)}"
               for t in times]
        rows_eff.append(tidy_frame(
            lab, f.gaps[0], st, alpha=alpha,
            extra={"time": times, "cohort": [sp.start] * T, "post": times >= sp.start,
                   "treated": f.treated_path[0], "synthetic": f.synthetic_path[0],
                   "comparison": f.synthetic_path[0] - f.offset[0]}))
    return pd.concat(rows_eff, ignore_index=True)


def _cohorts_table(panel, specs, fits) -> pd.DataFrame:
    T = len(panel.times)
    return pd.DataFrame({
        "cohort": [sp.start for sp in specs],
        "n_treated": [len(sp.rows) for sp in specs],
        "treated_units": [", ".join(map(str, [panel.units[r] for r in sp.rows[:5]]))
                          + (" ..." if len(sp.rows) > 5 else "") for sp in specs],
        "n_pre": [sp.T0 for sp in specs],
        "n_post": [T - sp.T0 for sp in specs],
        "weight": [sp.weight for sp in specs],
        "estimate": [f.tau[0] for f in fits],
        "zeta": [sp.opts["zeta_omega"] for sp in specs],
        "noise_level": [sp.noise for sp in specs],
    })


def _warnings(inference, panel, fits) -> list[str]:
    msgs: list[tuple[str, type]] = []
    n_co = panel.n_co
    n_tr = panel.Y.shape[0] - n_co
    if inference == "placebo" and n_co < 2 * n_tr + 3:
        msgs.append((f"Only {n_co} comparison units for {n_tr} treated: the placebo standard "
                     "error rests on few distinct placebo assignments and may be unreliable.",
                     InferenceWarning))
    if any(f.capped for f in fits):
        msgs.append(("The Frank-Wolfe solver for the weights stopped at its iteration cap "
                     "(10,000 after sparsifying, as R synthdid) before its stopping rule was "
                     "met: the weights may not be fully converged.", ConvergenceWarning))
    for m, cat in msgs:  # _warnings < _estimate < sdid/sc/did < renamed_arguments < caller
        warnings.warn(m, cat, stacklevel=5)
    return [m for m, _ in msgs]


def _estimate(kind, data, outcome, unit, time, treated, start, first_treated, inference, reps,
              alpha, random_state, progress, zeta, exclude, args) -> SDIDResult:
    alpha = _check_args(inference, reps, zeta, alpha)
    panel = prepare_panel(data, outcome, unit, time, treated, start, first_treated, exclude)
    specs = cohort_specs(kind, panel, outcome, zeta)
    C0 = [np.arange(panel.n_co)[None, :] for _ in specs]
    fits = fit_cohorts(kind, panel, C0, [sp.rows[None, :] for sp in specs], specs)
    estimate = float(sum(sp.weight * f.tau[0] for sp, f in zip(specs, fits)))
    reps_est, seed, floor = None, None, 0.0
    words = "none (inference=None)"
    se, se_t = math.nan, [np.full(len(panel.times), np.nan) for _ in specs]
    if inference is not None:
        rng, seed = resolve_random_state(random_state)
        reps_est, se, se_t, floor, words = _replications(kind, inference, panel, specs, fits,
                                                         reps, rng, progress)
    ci, p = _headline(estimate, se, alpha, floor)
    effects = _effects_table(panel, specs, fits, se_t, alpha)
    uw, tw, agg_omega = _weights_tables(panel, specs, fits, unit, time)
    warn_list = _warnings(inference, panel, fits)
    diagnostics = {
        "pre_period_rmse": float(np.sqrt(np.mean(
            effects.loc[~effects["post"], "estimate"] ** 2))),
        "frank_wolfe_iterations": [f.iters for f in fits],
        "frank_wolfe_capped": bool(any(f.capped for f in fits)),
        "n_comparison_units": panel.n_co,
        "noise_level": [sp.noise for sp in specs],
    }
    if reps_est is not None:
        diagnostics["replication_estimates_mean"] = float(np.mean(reps_est))
        diagnostics["smallest_p_value"] = floor
    spec = make_spec(f"wsa_eval.synth.{kind}", args, data_hash=hash_frame(data), seed=seed)
    Y = panel.Y
    return SDIDResult(
        method=_NAMES[kind], spec=spec, diagnostics=diagnostics, warnings=tuple(warn_list),
        estimate=estimate, se=se, ci_low=ci[0], ci_high=ci[1], p_value=p, alpha=alpha,
        inference=words, estimand="average effect on the treated over post-treatment periods",
        effects=effects, n_obs=int(Y.size), n_units=int(Y.shape[0]),
        n_treated=int(Y.shape[0] - panel.n_co), estimator=kind, unit_weights=uw,
        time_weights=tw, n_effective_donors=float(1.0 / np.sum(agg_omega ** 2)),
        cohorts=_cohorts_table(panel, specs, fits), replications=reps_est,
        treated_units=tuple(panel.units[panel.n_co:]),
    )


_DOC_ARGS = """
    Parameters
    ----------
    data : DataFrame
        A balanced panel, one row per unit and period. Never modified.
    outcome, unit, time : str
        Column names (``time`` numeric, e.g. the year).
    treated : label or list of labels
        The treated unit(s). With ``start`` a single period, all start together (block
        design); with ``start`` a dict ``{unit: first treated period}``, or with
        ``first_treated=`` (a column, 0 / NaN = never treated) instead of both, adoption may
        be staggered: each cohort is estimated against the never-treated units and the
        cohort estimates are averaged with weights proportional to their treated
        unit-periods (Clarke et al. 2023).
    start : period or dict
        First treated period.
    first_treated : str, optional
        Column alternative to ``treated`` and ``start``.
    inference : {"placebo", "bootstrap", "jackknife", None}
        How the standard error is computed (see the module notes; formerly ``se=``).
        ``"placebo"`` (default) is the only one valid with a single treated unit; the others
        raise an error there. None: no standard error.
    reps : int or None
        Placebo or bootstrap replications (formerly also ``n_permutations``). None
        (default): with one treated unit every one of the J placebos, exactly; otherwise
        200 random draws (as R synthdid). An explicit number draws that many at random.
    alpha : float
        1 - confidence level of the normal-approximation interval.
    random_state : int, Generator or None
        Seed for the placebo / bootstrap draws (None: a seed is drawn; the seed used is
        recorded in ``spec["seed"]``).
    progress : bool or None
        Show a progress bar for the replications.
    zeta : float, optional
        Ridge regularisation of the unit weights; default as in the paper and R synthdid.
    exclude : label or list, optional
        Units to drop before estimation (e.g. areas that had a similar scheme and must not
        be used as comparisons).
    """


@renamed_arguments(se="inference", n_permutations="reps")
def sdid(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any = None,
    start: Any = None,
    first_treated: str | None = None,
    inference: Literal["placebo", "bootstrap", "jackknife"] | None = "placebo",
    reps: int | None = None,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    zeta: float | None = None,
    exclude: Any = None,
) -> SDIDResult:
    """Synthetic difference-in-differences estimate of the effect on the treated.

    .. shared sections: Parameters, Returns, Raises, Warns (_DOC_ARGS)

    See Also
    --------
    sc, did : the synthetic control and difference-in-differences special cases.
    wsa_eval.compare : the three side by side.

    Notes
    -----
    Unit weights (with an intercept and ridge penalty ``zeta^2 * T_pre``) make the weighted
    comparison units' pre-period path parallel to the treated mean; time weights (with an
    intercept and a tiny penalty) pick pre-periods that resemble the post-period; the
    estimate is the doubly weighted difference-in-differences (Algorithm 1 of [1]_). The
    weights are computed as in R ``synthdid``, so estimates agree with it to rounding.
    With staggered adoption each cohort is estimated against the never-treated units and
    the cohort estimates are averaged with weights proportional to their treated
    unit-periods ([2]_).

    Assumptions: a balanced panel; treatment that stays on once started; comparison units
    never treated and unaffected by the scheme (no spill-overs); an outcome that follows,
    approximately, a low-rank factor model plus noise. The placebo standard error
    (``inference="placebo"``, the only one valid with one treated unit) also assumes that
    the treated unit's noise is like the comparison units'.

    References
    ----------
    .. [1] Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S.
       (2021). Synthetic difference-in-differences. *American Economic Review* 111(12),
       4088-4118.
    .. [2] Clarke, D., Pailanir, D., Athey, S. and Imbens, G. (2023). Synthetic
       difference-in-differences estimation. IZA Discussion Paper 15907.

    Examples
    --------
    California's Proposition 99 (1989), cigarette sales per capita, 38 comparison states.
    The estimate is the -15.604 of R ``synthdid_estimate``; the standard error uses all 38
    placebos, each comparison state treated in turn (so no random draws). The weights
    solver stops at its iteration cap here (R synthdid's cap), and a ConvergenceWarning
    says so:

    >>> from wsa_eval.datasets import load_prop99
    >>> from wsa_eval.synth import sdid
    >>> prop99 = load_prop99()
    >>> r = sdid(prop99, outcome="cigsale", unit="state", time="year",
    ...          treated="California", start=1989, inference="placebo")
    >>> print(f"{r.estimate:.3f} (placebo SE {r.se:.3f})")
    -15.604 (placebo SE 9.371)
    >>> r.unit_weights.sort_values(ascending=False).head(3).round(3).to_dict()
    {'Nevada': 0.124, 'New Hampshire': 0.105, 'Connecticut': 0.078}
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                first_treated=first_treated, inference=inference, reps=reps, alpha=alpha,
                zeta=zeta,
                exclude=exclude)
    return _estimate("sdid", data, outcome, unit, time, treated, start, first_treated,
                     inference, reps, alpha, random_state, progress, zeta, exclude, args)


@renamed_arguments(se="inference", n_permutations="reps")
def sc(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any = None,
    start: Any = None,
    first_treated: str | None = None,
    inference: Literal["placebo", "bootstrap", "jackknife"] | None = "placebo",
    reps: int | None = None,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    zeta: float | None = None,
    exclude: Any = None,
) -> SDIDResult:
    """Synthetic control computed by the SDID machinery (R ``synthdid::sc_estimate``).

    .. shared sections: Parameters, Returns, Raises, Warns (_DOC_ARGS)

    See Also
    --------
    sdid, did : the other two estimators of the same family.
    synthetic_control : the classic synthetic control with predictors and nested weights.

    Notes
    -----
    Unit weights without an intercept and with a very small ridge penalty
    (``zeta = 1e-6 * noise level``), no time weights: the estimate is the mean post-period
    gap between the treated unit(s) and the synthetic control, as in the comparison of
    [1]_. The weights fit the pre-period outcomes only (no predictors).

    Assumptions: a balanced panel; comparison units untreated and unaffected; the treated
    unit's untreated outcome close to a convex combination of the comparison units' (a
    close pre-period fit, which the result's ``effects`` show).

    References
    ----------
    .. [1] Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S.
       (2021). Synthetic difference-in-differences. *American Economic Review* 111(12),
       4088-4118.

    Examples
    --------
    Proposition 99: the -19.620 of R ``sc_estimate`` (no standard error asked for here):

    >>> from wsa_eval.datasets import load_prop99
    >>> from wsa_eval.synth import sc
    >>> prop99 = load_prop99()
    >>> r = sc(prop99, outcome="cigsale", unit="state", time="year",
    ...        treated="California", start=1989, inference=None)
    >>> print(f"{r.estimate:.3f}")
    -19.620
    >>> print(f"{r.n_effective_donors:.1f} effective comparison states")
    3.8 effective comparison states
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                first_treated=first_treated, inference=inference, reps=reps, alpha=alpha,
                zeta=zeta,
                exclude=exclude)
    return _estimate("sc", data, outcome, unit, time, treated, start, first_treated,
                     inference, reps, alpha, random_state, progress, zeta, exclude, args)


@renamed_arguments(se="inference", n_permutations="reps")
def did(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any = None,
    start: Any = None,
    first_treated: str | None = None,
    inference: Literal["placebo", "bootstrap", "jackknife"] | None = "placebo",
    reps: int | None = None,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    zeta: float | None = None,
    exclude: Any = None,
) -> SDIDResult:
    """Plain difference-in-differences in the SDID form (R ``synthdid::did_estimate``).

    .. shared sections: Parameters, Returns, Raises, Warns (_DOC_ARGS)

    See Also
    --------
    sdid, sc : the other two estimators of the same family.
    wsa_eval.did.twfe : the regression form, with cluster-robust standard errors.

    Notes
    -----
    Uniform unit and time weights (``zeta`` is ignored): the estimate is the post-minus-pre
    change of the treated unit(s) minus that of the average comparison unit, which in a
    balanced panel with a common start equals the two-way fixed effects coefficient. It
    is the baseline of [1]_.

    Assumptions: a balanced panel, parallel trends between the treated unit(s) and the
    average comparison unit, no anticipation, comparison units unaffected. With one
    treated area use the placebo standard error (the default), not cluster-robust ones.

    References
    ----------
    .. [1] Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S.
       (2021). Synthetic difference-in-differences. *American Economic Review* 111(12),
       4088-4118.

    Examples
    --------
    Proposition 99: the -27.349 of R ``did_estimate``, with the placebo standard error from
    all 38 comparison states:

    >>> from wsa_eval.datasets import load_prop99
    >>> from wsa_eval.synth import did
    >>> prop99 = load_prop99()
    >>> r = did(prop99, outcome="cigsale", unit="state", time="year",
    ...         treated="California", start=1989)
    >>> print(f"{r.estimate:.3f} (placebo SE {r.se:.3f}), p = {r.p_value:.3f}")
    -27.349 (placebo SE 17.287), p = 0.114
    """
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                first_treated=first_treated, inference=inference, reps=reps, alpha=alpha,
                zeta=zeta,
                exclude=exclude)
    return _estimate("did", data, outcome, unit, time, treated, start, first_treated,
                     inference, reps, alpha, random_state, progress, zeta, exclude, args)


_DOC_RETURNS = """
    Returns
    -------
    SDIDResult
        ``estimate`` (average effect on the treated over the post-period), ``se``,
        ``ci_low``/``ci_high`` (normal approximation) and ``p_value``; ``effects`` (the gap
        by period, with the treated and synthetic paths), ``unit_weights``,
        ``time_weights``, ``replications`` and ``cohorts``.

    Raises
    ------
    SpecificationError
        ``inference``, ``reps``, ``zeta`` or ``alpha`` outside their allowed values, or the
        treatment timing given in more than one way (or in none).
    ColumnError
        A named column is not in ``data``.
    PanelError
        The panel is not balanced, repeats a unit and period, has missing outcomes, or the
        treated labels or ``start`` do not fit the data.
    EstimationError
        ``inference="bootstrap"`` or ``"jackknife"`` with one treated unit, or too few
        comparison units.

    Warns
    -----
    InferenceWarning
        Few comparison units for the placebo standard error, or fewer placebo draws
        (``reps``) than placebos.
    ConvergenceWarning
        The Frank-Wolfe solver stopped at its iteration cap (10,000 iterations, R
        synthdid's cap; it happens on Proposition 99): the weights may not be fully
        converged.
"""

#: the line of each docstring replaced by the shared Parameters, Returns, Raises and Warns
_SHARED = "    .. shared sections: Parameters, Returns, Raises, Warns (_DOC_ARGS)\n"

for _f in (sdid, sc, did):
    if _f.__doc__:  # None under python -OO
        _f.__doc__ = _f.__doc__.replace(_SHARED, _DOC_ARGS.lstrip("\n") + _DOC_RETURNS)
