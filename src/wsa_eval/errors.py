"""The library's own exceptions and warnings.

Every error a user can cause by what they pass in is a :class:`WsaEvalError`, which is a
subclass of :class:`ValueError`, so ``except ValueError`` keeps working. Messages name the
column, unit or period at fault and say what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "WsaEvalError",
    "ColumnError",
    "PanelError",
    "SpecificationError",
    "DataFormatError",
    "EstimationError",
    "WsaEvalWarning",
    "DataWarning",
    "InferenceWarning",
    "ConvergenceWarning",
    "format_examples",
]


class WsaEvalError(ValueError):
    """Base class of every error raised by wsa_eval for bad input or an impossible request.

    Examples
    --------
    Catch the library's errors as ``WsaEvalError``, or as ``ValueError`` in code that does not
    know about wsa_eval:

    >>> from wsa_eval.datasets import load_pfa_custody
    >>> from wsa_eval.errors import WsaEvalError
    >>> try:
    ...     load_pfa_custody("Z")
    ... except WsaEvalError as err:
    ...     print(type(err).__name__, isinstance(err, ValueError))
    SpecificationError True
    """


class ColumnError(WsaEvalError, KeyError):
    """A column named in the call is not in the data (or has the wrong type).

    Also a ``KeyError`` for code that looks columns up; ``str()`` gives the plain message.
    """

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class PanelError(WsaEvalError):
    """The panel fails a check (duplicates, missing outcomes, gaps, treatment timing, ...).

    ``problems`` holds every failed check's message, not only the first.
    """

    def __init__(self, message: str, problems: Sequence[str] | None = None):
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems or (message,))


class SpecificationError(WsaEvalError):
    """Arguments that cannot go together, or a value outside what a method allows."""


class DataFormatError(WsaEvalError):
    """A file does not have the layout a loader expects (names expected and found columns)."""


class EstimationError(WsaEvalError):
    """The data cannot identify the requested quantity (e.g. no comparison units left)."""


class WsaEvalWarning(UserWarning):
    """Base class of wsa_eval's warnings."""


class DataWarning(WsaEvalWarning):
    """Something in the data the user should know: rows dropped, suspect years, unbalanced panel."""


class InferenceWarning(WsaEvalWarning):
    """The requested inference may not be valid here (e.g. few treated clusters)."""


class ConvergenceWarning(WsaEvalWarning):
    """An optimiser stopped without meeting its tolerance, or the solution is not unique."""


def format_examples(items: Iterable[object], limit: int = 5, quote: bool = True) -> str:
    """``'a', 'b', 'c' and 4 more`` -- for error messages that list offending values.

    Examples
    --------
    >>> from wsa_eval.errors import format_examples
    >>> format_examples(["Gwent", "Dyfed-Powys", "Kent"], limit=2)
    "'Gwent', 'Dyfed-Powys' and 1 more"
    >>> format_examples([17005.0, 2014], quote=False)  # whole-number floats print as ints
    '17005, 2014'
    """
    items = list(items)

    def _one(x: object) -> str:
        if quote and isinstance(x, str):
            return repr(x)
        if isinstance(x, float) and x.is_integer():  # unit ids stored as floats: 17005, not 17005.0
            return str(int(x))
        return str(x)

    shown = ", ".join(_one(x) for x in items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown
