"""Synthetic control with nested predictor weights (Abadie, Diamond & Hainmueller).

One treated unit, ``J`` donors, ``T0`` periods before the intervention. The synthetic control
is the convex combination of donors ``W = (w_2, ..., w_{J+1})`` (``w_j >= 0``, ``sum w_j = 1``)
that best reproduces the treated unit's predictors ``X_1`` (``K`` covariate averages and
outcome values before the start):

    W*(V) = argmin_W (X_1 - X_0 W)' V (X_1 - X_0 W),

with ``V`` a diagonal matrix of predictor weights. ``V`` is chosen (Abadie & Gardeazabal 2003;
Abadie, Diamond & Hainmueller 2010, 2011) to minimise the mean squared prediction error of
the outcome over the pre-period, ``||Z_1 - Z_0 W*(V)||^2 / T0`` ("nested" optimisation, as R
and Stata ``synth`` do), or set by the user, or chosen on a training period and validated on
a later pre-period window (Abadie, Diamond & Hainmueller 2015, AJPS). The effect in a
post-period ``t`` is the gap ``Y_1t - sum_j w_j Y_jt``.

Computation. Predictors are divided by their standard deviation across the treated unit and
donors (as Synth does), so ``V`` is reported on that standardised scale, normalised to sum
to one. The inner problem is an exact simplex least-squares problem solved by a primal
active set warm-started from the previous solution (``wsa_eval.synth._qp``). The outer
problem (``wsa_eval.synth._vsearch``) is searched over ``V`` with every weight at least
``exp(-12)`` (~6e-6) of the largest (which keeps W well defined): first a linear programme
checks whether some V makes the best convex combination of donors for the outcome (a lower
bound on the loss, reported) the inner solution -- then that V is a certified global
optimum; else R Synth's two starting points (equal and regression-based V), equal weights on
the raw scale and the best "hierarchical corners" of the V simplex each start a quasi-Newton
search with the exact gradient, the best few are polished (coordinate scan on the log
scale, Nelder-Mead, quasi-Newton), and seeded random starts are added until two starts agree
on the best fit to 0.1% (at most 60). The spread of the objective across starts is reported
in ``diagnostics["objective_spread"]``; a ConvergenceWarning says when the best starts
disagree by more than 1%, when the search stopped on its budget, or when a final restart
still improves the fit. On the six hard problems of the tests, Proposition 99 and the
Basque Country the default reaches the best fit a 200-start run and an independent brute
force find, to 0.1% (benchmarks/synth/bench_adh_hard.py). When several donor weightings fit
the predictors equally well (ties, or the treated unit inside the donors' hull on the
weighted predictors) a ConvergenceWarning says the weights are not unique.

Penalised synthetic control (Abadie & L'Hour 2021, JASA) adds
``lambda * sum_j w_j ||X_1 - X_{0j}||_V^2`` to the inner objective, which favours donors close
to the treated unit and makes the weights unique when the treated unit lies inside the
donors' convex hull.

Assumptions: the treated unit's untreated outcome follows (approximately) the same linear
factor structure as the donors' and lies inside the donors' convex hull; no donor is affected
by the intervention (exclude areas with their own schemes with ``exclude=``); no anticipation
before ``start``; a long pre-period with a close pre-treatment fit.

References
----------
Abadie, A. & Gardeazabal, J. (2003). The economic costs of conflict: a case study of the
Basque Country. American Economic Review 93(1), 113-132.
Abadie, A., Diamond, A. & Hainmueller, J. (2010). Synthetic control methods for comparative
case studies: estimating the effect of California's tobacco control program. JASA 105(490),
493-505.
Abadie, A., Diamond, A. & Hainmueller, J. (2011). Synth: an R package for synthetic control
methods in comparative case studies. Journal of Statistical Software 42(13).
Abadie, A., Diamond, A. & Hainmueller, J. (2015). Comparative politics and the synthetic
control method. American Journal of Political Science 59(2), 495-510.
Abadie, A. & L'Hour, J. (2021). A penalized synthetic control estimator for disaggregated
data. JASA 116(536), 1817-1834.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_alpha, hash_frame, resolve_random_state
from ..results import make_spec
from ._adh_problem import (  # noqa: F401  (Predictor and _design are re-exported)
    _V_METHODS,
    Predictor,
    _as_periods,
    _build_problem,
    _Design,
    _design,
    _Fit,
    _fit,
    _fmt_periods,
    _parse_predictors,
    _Problem,
    _train_validation,
    _user_v,
)
from ._qp import (  # noqa: F401  (re-exported: the maths of this estimator)
    _degenerate,
    outcome_only_bound,
    simplex_ls,
    solve_weights,
)
from ._vsearch import nested_v

__all__ = ["synthetic_control", "Predictor", "solve_weights", "nested_v"]


def synthetic_control(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    predictors: Sequence[str] | Mapping[str, Any] | None = None,
    predictor_periods: Any = None,
    special_predictors: Sequence[Any] | None = None,
    donors: Sequence[Any] | None = None,
    exclude: Sequence[Any] | None = None,
    v: str | Sequence[float] | Mapping[str, float] | np.ndarray = "nested",
    pre_period: Any = None,
    validation_periods: Any = None,
    n_starts: int | None = None,
    random_state: int | np.random.Generator | None = None,
    penalty: float | None = None,
    alpha: float = 0.05,
    progress: bool | None = None,
):
    """Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010).

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (never modified).
    outcome, unit, time : str
        Column names. ``time`` must be numeric (e.g. the year).
    treated : label
        The treated unit (e.g. ``"Greater Manchester"``).
    start : period
        Its first treated period; earlier periods are the pre-period.
    predictors : list of str or dict, optional
        Covariates averaged (ignoring missing values) over ``predictor_periods`` (default:
        every pre-period), like Synth's ``predictors`` with ``predictors.op = "mean"`` and
        ``time.predictors.prior``. A dict ``{variable: periods}`` sets the window per variable.
    special_predictors : list of tuples, optional
        ``(variable, periods, op)`` with ``op`` "mean" (default) or "median", e.g.
        ``[("cigsale", [1975]), ("cigsale", range(1980, 1989), "mean")]``.
        With neither ``predictors`` nor ``special_predictors`` the outcome in every
        pre-period is used.
    donors, exclude : lists of labels, optional
        The donor pool (default: every other unit) and units to remove from it (e.g. areas
        with their own schemes).
    v : "nested", "inverse_variance", "equal", "train_validation", array or dict
        Predictor weights: nested optimisation of the pre-period outcome MSPE (default);
        equal weights on standardised predictors ("inverse_variance"); equal weights on the
        raw predictors ("equal"); the training/validation choice of ADH (2015); or
        user weights on the standardised predictors (array in predictor order, or dict by
        predictor label, as in ``result.v_weights``).
    pre_period : periods, optional
        Periods whose outcome MSPE is minimised (Synth's ``time.optimize.ssr``); default
        every period before ``start``.
    validation_periods : periods, optional
        For ``v="train_validation"``: the validation window (default: the later half of the
        pre-period). Predictors are measured that many periods earlier for training.
    n_starts : int or None
        None (default): the adaptive search of :mod:`wsa_eval.synth._vsearch` (a linear
        programme that certifies the outcome-only optimum when some V attains it; R
        Synth's starts and screened corners of the V simplex, each followed by a
        quasi-Newton search; the best polished by a coordinate scan and Nelder-Mead; random
        starts added until two agree to 0.1% on the best fit, at most 60). An int: exactly
        that many local searches (deterministic starts first; ``n_starts=1`` is R Synth's
        single search from equal weights). ``diagnostics["objective_spread"]`` reports
        the spread of the objective across starts; a ConvergenceWarning says when the best
        starts disagree by more than 1% or the search stopped on its budget.
    random_state : int, Generator or None
        Seeds the random starting points (default None: a seed is drawn and recorded in
        ``spec["seed"]``; pass it back to repeat the run exactly).
    penalty : float, optional
        Abadie & L'Hour (2021) penalty ``lambda >= 0`` on donors far from the treated unit.
    alpha : float
        Level for intervals from later inference calls.
    progress : bool, optional
        Unused here (kept for a uniform signature; see ``result.placebo``).

    Returns
    -------
    SyntheticControlResult
        With ``weights``, ``v_weights``, ``effects`` (gap by period), ``pre_rmspe``,
        ``balance``; call ``.placebo()``, ``.conformal()``, ``.placebo_in_time()`` or
        ``.leave_one_out()`` for inference and robustness checks.

    Raises
    ------
    SpecificationError
        Predictors, donors, ``exclude``, ``v``, ``pre_period`` or ``penalty`` that cannot be
        used (unknown units or periods, a predictor given twice or not numeric, ...).
    ColumnError
        A named column is not in ``data``.
    PanelError
        The panel is not balanced or repeats a unit and period, the treated unit is not in
        the data, or ``start`` leaves no pre- or post-period (or too few pre-periods).
    EstimationError
        Too few donors left, a predictor missing everywhere, or an outcome constant over the
        pre-period.

    Warns
    -----
    ConvergenceWarning
        The best starts of the V search disagree, the search stopped on its budget, or the
        donor weights are not unique.

    See Also
    --------
    placebo_in_space, placebo_in_time, leave_one_out, conformal_inference : inference and
        robustness checks on the result.
    augmented, sc, sdid : synthetic controls with outcome models or time weights.

    Notes
    -----
    The synthetic control is the convex combination of donors whose predictors best
    reproduce the treated unit's; the predictor weights ``V`` are chosen to minimise the
    pre-period mean squared error of the outcome (the nested optimisation of R and Stata
    ``synth``) ([1]_, [2]_). The effect in a post-period is the gap between the treated
    unit and its synthetic control. The penalised estimator of [3]_ favours donors close
    to the treated unit.

    Assumptions: the treated unit's untreated outcome follows (approximately) the same
    linear factor structure as the donors' and lies inside their convex hull; donors are
    not affected by the scheme (remove areas with their own schemes with ``exclude``); no
    anticipation before ``start``; a long pre-period with a close fit (check
    ``pre_rmspe`` and ``balance``). There is no standard error: inference is by placebos
    (:func:`placebo_in_space`) or conformal inference (:func:`conformal_inference`).

    References
    ----------
    .. [1] Abadie, A. and Gardeazabal, J. (2003). The economic costs of conflict: a case
       study of the Basque Country. *American Economic Review* 93(1), 113-132.
    .. [2] Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods
       for comparative case studies: estimating the effect of California's tobacco control
       program. *Journal of the American Statistical Association* 105(490), 493-505.
    .. [3] Abadie, A. and L'Hour, J. (2021). A penalized synthetic control estimator for
       disaggregated data. *Journal of the American Statistical Association* 116(536),
       1817-1834.

    Examples
    --------
    California's Proposition 99 with the predictors of Abadie, Diamond & Hainmueller
    (2010). The donor weights are those of their Table 2 (Colorado 0.164, Connecticut
    0.069, Montana 0.199, Nevada 0.234, Utah 0.334) to within 0.005:

    >>> from wsa_eval.datasets import load_prop99
    >>> from wsa_eval.synth import synthetic_control
    >>> prop99 = load_prop99()
    >>> fit = synthetic_control(
    ...     prop99, outcome="cigsale", unit="state", time="year", treated="California",
    ...     start=1989, predictors=["lnincome", "age15to24", "retprice", "beer"],
    ...     predictor_periods=range(1980, 1989),
    ...     special_predictors=[("cigsale", [1988]), ("cigsale", [1980]),
    ...                         ("cigsale", [1975])],
    ...     random_state=0)
    >>> w = fit.weights[fit.weights > 0.01].sort_index()
    >>> print(w.round(3).to_string())
    donor
    Colorado       0.160
    Connecticut    0.068
    Montana        0.202
    Nevada         0.236
    Utah           0.335

    The gap by 2000 is the "about 26 packs" of the paper; ``estimate`` averages the gaps
    over 1989-2000:

    >>> gap = fit.effects.set_index("time")["estimate"]
    >>> print(f"2000: {gap[2000]:.1f}, mean {fit.estimate:.1f}, pre-period RMSPE "
    ...       f"{fit.pre_rmspe:.2f}")
    2000: -25.7, mean -19.0, pre-period RMSPE 1.75
    """
    from ._results import SyntheticControlResult, build_result

    alpha = check_alpha(alpha)
    rng, seed_record = resolve_random_state(random_state)
    seed = seed_record if isinstance(seed_record, int) else int(rng.integers(0, 2**31 - 1))
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                predictors=predictors, predictor_periods=predictor_periods,
                special_predictors=special_predictors, donors=donors, exclude=exclude, v=v,
                pre_period=pre_period, validation_periods=validation_periods,
                n_starts=n_starts, seed=seed, penalty=penalty)
    prob = _build_problem(data, **args)
    fit = _fit(prob, prob.treated, prob.donors, main=True)
    spec_args = {k: (list(val) if isinstance(val, range) else val) for k, val in args.items()
                 if k != "seed"}
    spec = make_spec("synthetic_control", spec_args, data_hash=hash_frame(data),
                     seed=seed_record)
    res: SyntheticControlResult = build_result(prob, fit, alpha=alpha, spec=spec)
    return res
