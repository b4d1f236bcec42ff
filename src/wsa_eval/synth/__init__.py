"""Synthetic control family: Abadie-Diamond-Hainmueller synthetic control with placebo and
conformal inference, augmented synthetic control, and synthetic difference-in-differences
(with plain DiD and SC from the same machinery)."""

from ._results import SyntheticControlResult
from .adh import synthetic_control
from .augmented import AugSynthResult, augmented
from .conformal import conformal_inference
from .placebo import leave_one_out, placebo_in_space, placebo_in_time
from .sdid import SDIDResult, did, sc, sdid

__all__ = [
    "synthetic_control", "placebo_in_space", "placebo_in_time", "leave_one_out",
    "conformal_inference", "augmented", "sdid", "sc", "did",
    "SyntheticControlResult", "AugSynthResult", "SDIDResult",
]
