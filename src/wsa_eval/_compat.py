"""Old argument names, accepted for one release with a ``FutureWarning`` naming the new one.

The shared vocabulary is in :mod:`wsa_eval.glossary`. A function whose arguments were
renamed is decorated with :func:`renamed_arguments`; where an old argument needs more than
a new name (``bootstrap=1000`` becomes ``inference="bootstrap", reps=1000``), the function
calls :func:`warn_renamed` itself.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import SpecificationError

__all__ = ["renamed_arguments", "warn_renamed", "REMOVED_IN"]

#: the release in which the old names stop working
REMOVED_IN = "0.3"

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(func: str, old: str, new: str, *, stacklevel: int = 3) -> None:
    """Emit the library's FutureWarning for a renamed argument (``new`` may be a phrase)."""
    warnings.warn(
        f"{func}(): the argument {old!r} is now {new}; the old name will stop working in "
        f"wsa_eval {REMOVED_IN}.",
        FutureWarning,
        stacklevel=stacklevel,
    )


def renamed_arguments(**renames: str) -> Callable[[F], F]:
    """Accept ``old=value`` as ``new=value`` with a FutureWarning (``@renamed_arguments(
    treated_units="treated")``). Giving both the old and the new name is an error."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise SpecificationError(
                            f"{fn.__name__}(): give {new!r} only ({old!r} is its old name).")
                    warn_renamed(fn.__name__, old, repr(new))
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        wrapper.__renamed_arguments__ = dict(renames)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
