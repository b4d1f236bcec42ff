"""Test of proportional hazards from Schoenfeld residuals (Grambsch & Therneau 1994).

For each covariate the coefficient is allowed to drift with a function of time,
``beta_j(t) = beta_j + theta_j g(t)``, and ``theta_j = 0`` is tested by a score test with
``beta`` held at the Cox estimate: the score is ``U_theta = sum_k g(t_k) s_k`` (``s_k`` the
Schoenfeld residuals, summed within tied times) and the information has blocks
``sum_k g^a(t_k) V(t_k)`` (``a = 0, 1, 2``). This is the algorithm of R's ``cox.zph`` from
survival 3.0 on (Therneau & Grambsch 2000, sec. 6.2; the package's "zph" changes of 2019),
which uses the full information matrix and the tie method of the fit. Versions before 3.0
used an approximation (average variance over event times) that gives different numbers.
Reference values here come from R survival 3.5-3.

``g(t)`` (``transform``): ``"km"`` (one minus the left-continuous Kaplan-Meier estimate of the
pooled data, R's default), ``"rank"`` (rank of the exit times), ``"identity"`` or ``"log"``;
centred at its mean over events. Per-covariate tests have 1 df; the global test has ``p`` df.
"""

from __future__ import annotations

from .._utils import check_alpha, check_choice
from ..errors import SpecificationError
from ..results import make_spec
from ._results import CoxResult, PHTestResult
from ._zph_core import TRANSFORMS, schoenfeld_tests

__all__ = ["proportional_hazards_test", "TRANSFORMS"]


def proportional_hazards_test(cox_result: CoxResult, transform: str = "km",
                              alpha: float = 0.05) -> PHTestResult:
    """Schoenfeld-residual tests of proportional hazards, per covariate and global.

    Parameters
    ----------
    cox_result : CoxResult
        A fit from :func:`wsa_eval.survival.cox.cox`.
    transform : {"km", "rank", "identity", "log"}
        The function of time the coefficients may drift with (R's default is "km").
    alpha : float
        Level used by ``interpret()``.

    Returns
    -------
    PHTestResult
        ``to_frame()``: ``term`` (covariates, then ``GLOBAL``), ``chisq``, ``df``,
        ``p_value``; ``scaled_residuals`` (scaled Schoenfeld residuals, R ``cox.zph()$y``)
        against ``g_time`` for plots.

    Notes
    -----
    The null hypothesis is a constant hazard ratio; a small p-value says the effect of that
    covariate drifts with time (a single hazard ratio then averages over follow-up). A large
    p-value does not prove proportional hazards: the test can miss changes, most often with
    few events. The numbers are those of R's ``cox.zph`` from survival 3.0 on.

    References
    ----------
    Grambsch, P. M. & Therneau, T. M. (1994). Proportional hazards tests and diagnostics
    based on weighted residuals. *Biometrika* 81, 515-526.
    Therneau, T. M. & Grambsch, P. M. (2000). *Modeling Survival Data*, sec. 6.2. Springer.

    Examples
    --------
    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import cox, proportional_hazards_test
    >>> fit = cox(load_rossi(), duration="week", event="arrest", covariates=["age", "prio"],
    ...           treatment="fin")
    >>> print(proportional_hazards_test(fit).to_frame().round(3).to_string(index=False))
      term  chisq  df  p_value
       fin  0.064   1    0.801
       age  6.325   1    0.012
      prio  0.519   1    0.471
    GLOBAL  7.137   3    0.068

    The effect of age is not constant over the year (p = 0.012).
    """
    if not isinstance(cox_result, CoxResult) or cox_result.fit_data is None:
        raise SpecificationError("proportional_hazards_test needs the result of cox().")
    check_choice("transform", transform, TRANSFORMS)
    alpha = check_alpha(alpha)
    out = schoenfeld_tests(cox_result.fit_data, list(cox_result.covariates), transform)
    return PHTestResult(
        method="Schoenfeld-residual test of proportional hazards (Grambsch & Therneau 1994)",
        spec=make_spec("proportional_hazards_test",
                       dict(transform=transform, alpha=alpha, cox=cox_result.spec)),
        table=out["table"],
        transform=transform,
        alpha=alpha,
        g_time=out["g_time"],
        event_time=out["event_time"],
        scaled_residuals=out["scaled"],
        coef=cox_result.coef.copy(),
    )
