"""Checks shared by the functions that take a synthetic-control result."""

from __future__ import annotations

from typing import Any

from ..errors import SpecificationError

__all__ = ["fitted_problem"]


def fitted_problem(result: Any, func: str) -> Any:
    """The fitted problem a :func:`~wsa_eval.synth.synthetic_control` result carries, which
    the placebo and conformal functions refit; a clear error for any other object."""
    prob = getattr(result, "problem", None)
    if prob is None:
        hint = (" For sdid(), sc() and did(), placebo inference is their own "
                "inference='placebo' argument." if type(result).__name__ == "SDIDResult"
                else "")
        raise SpecificationError(
            f"{func}() needs the result of wsa_eval.synth.synthetic_control(), not "
            f"{type(result).__name__}.{hint}")
    return prob
