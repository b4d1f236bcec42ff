"""Survival analysis of reoffending: proven-reoffending measures, Kaplan-Meier, Cox,
competing risks, and Justice Data Lab style comparison groups."""

from ._jdl_results import *  # noqa: F401,F403  (result classes)
from .balance import balance, match, propensity, standardized_differences, weight
from .cohort import proven_reoffending
from .competing import cumulative_incidence, fine_gray, gray_test
from .jdl import reoffending_effects

__all__ = [
    "proven_reoffending",
    "cumulative_incidence",
    "gray_test",
    "fine_gray",
    "propensity",
    "match",
    "weight",
    "balance",
    "standardized_differences",
    "reoffending_effects",
]
