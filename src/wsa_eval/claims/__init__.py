"""The claim check: a published before/after claim against what comparison areas saw.

:func:`check_claim` (in :mod:`wsa_eval.claims.check`) returns a :class:`ClaimResult`; the
arithmetic of its three headline numbers is in :mod:`wsa_eval.claims._arithmetic`, the
placebo machinery in :mod:`wsa_eval.claims._placebo` and its report content in
:mod:`wsa_eval.claims._content`.
"""

from .check import check_claim
from .result import METHOD_LABELS, ClaimResult

__all__ = ["check_claim", "ClaimResult", "METHOD_LABELS"]
