"""Survival analysis of reoffending: proven-reoffending measures, Kaplan-Meier, Cox,
competing risks, and Justice Data Lab style comparison groups."""

from ._engine_results import ExactMatchResult, LinkedCohortResult
from ._jdl_results import *  # noqa: F401,F403  (result classes)
from ._results import CoxResult, KaplanMeierResult, LogRankResult, PHTestResult, RMSTResult
from .balance import balance, match, propensity, standardized_differences, weight
from .cohort import proven_reoffending
from .competing import cumulative_incidence, fine_gray, gray_test
from .cox import cox
from .exact_match import exact_match
from .jdl import reoffending_effects
from .km import kaplan_meier
from .logrank import logrank
from .rmst import rmst
from .zph import proportional_hazards_test

__all__ = [
    "kaplan_meier", "logrank", "cox", "proportional_hazards_test", "rmst",
    "KaplanMeierResult", "LogRankResult", "CoxResult", "PHTestResult", "RMSTResult",
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
    "exact_match",
    "LinkedCohortResult",
    "ExactMatchResult",
]
