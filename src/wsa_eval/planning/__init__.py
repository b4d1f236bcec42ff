"""Plan an evaluation before running it (:func:`plan_evaluation`): the minimum detectable
effect and power of the claim check from the area's own panel, with more years after the
start and with a larger comparison pool."""

from .plan import EFFECTS, plan_evaluation
from .result import PlanResult

__all__ = ["plan_evaluation", "PlanResult", "EFFECTS"]
