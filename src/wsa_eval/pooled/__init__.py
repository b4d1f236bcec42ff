"""The roll-out as one design: :func:`pooled_evaluation` estimates the average effect of the
schemes over every area that started one, with design-based randomization inference and
bounds over uncertain start dates (:func:`start_year_options`)."""

from ._dates import start_year_options
from .evaluate import pooled_evaluation
from .result import PooledResult

__all__ = ["pooled_evaluation", "PooledResult", "start_year_options"]
