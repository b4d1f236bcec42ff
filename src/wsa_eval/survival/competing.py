"""Competing risks: cumulative incidence, Gray's test and the Fine-Gray model.

One module per estimator (:mod:`.cif`, :mod:`.gray`, :mod:`.fine_gray`); this module gathers
them under one name.

When a woman can leave follow-up for more than one reason (a proven reoffence, death, or
moving out of the data), one minus a Kaplan-Meier curve that treats the other reasons as
censoring overstates the chance of the event of interest. The cumulative incidence function
(CIF) ``F_k(t) = P(T <= t, cause = k)`` is the right summary.

* :func:`cumulative_incidence` -- the Aalen-Johansen estimator of ``F_k`` (Aalen & Johansen,
  1978), ``F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j`` with ``S`` the all-cause Kaplan-Meier
  curve, and the variance that R ``cmprsk::cuminc`` reports (Gray's delta-method estimator with
  its correction for tied event times). Confidence intervals are pointwise, on the
  ``log(-log)`` scale by default (they stay inside [0, 1]) or plain.
* :func:`gray_test` -- Gray's (1988) K-sample test that the CIFs of one cause are equal across
  groups (optionally stratified), with the weight ``(1 - F(t-))^rho``; identical to the
  ``Tests`` component of ``cuminc``.
* :func:`fine_gray` -- the proportional subdistribution hazards model of Fine & Gray (1999),
  fitted by Newton-Raphson on the inverse-probability-of-censoring weighted partial
  likelihood score; women who had a competing event stay in the risk set with weight
  ``G(t-)/G(T_i-)``, ``G`` the Kaplan-Meier estimate of the censoring distribution. The
  variance is Fine & Gray's robust sandwich ``I^{-1} (sum_i (eta_i + psi_i)^{2}) I^{-1}``,
  whose ``psi_i`` term accounts for estimating ``G``; coefficients and standard errors match
  ``cmprsk::crr``.

Assumptions: independent censoring (within censoring groups for ``fine_gray``, not offered
here: one censoring distribution); event times measured on a common clock from the index date;
for ``fine_gray``, proportional subdistribution hazards.

References
----------
Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous Markov
chains based on censored observations. *Scandinavian Journal of Statistics* 5, 141-150.
Gray, R. J. (1988). A class of K-sample tests for comparing the cumulative incidence of a
competing risk. *Annals of Statistics* 16, 1141-1154.
Fine, J. P. & Gray, R. J. (1999). A proportional hazards model for the subdistribution of a
competing risk. *Journal of the American Statistical Association* 94, 496-509.
"""

from __future__ import annotations

from .cif import aalen_johansen, cumulative_incidence
from .fine_gray import fine_gray
from .gray import gray_test

__all__ = ["cumulative_incidence", "gray_test", "fine_gray", "aalen_johansen"]
