"""The library's own exceptions and warnings.

Every error a user can cause by what they pass in is a :class:`WsaEvalError`, which is a
subclass of :class:`ValueError`, so ``except ValueError`` keeps working. Messages name the
column, unit or period at fault and say what to do about it.

Advice that means "change this setting"
---------------------------------------
The same mistake reaches an analyst through three interfaces: Python
(``check_claim(..., scale="level")``), the TOML configuration of ``wsa-eval run``
(``scale = "level"`` under ``[claim]``) and the flags of ``wsa-eval check``
(``--scale level``). So an error does not spell the change in one syntax; it carries it as
data, an :class:`Advice` (the Python keyword and its new value, plus an optional condition in
words), and each interface renders it with an :class:`AdviceStyle`::

    raise PanelError(
        "The outcome 'custody' is 0 at ('Riverton', 2017); it cannot be analysed on the "
        "log scale.",
        advice=[Advice("scale", "level", when="to analyse the outcome in its own units")],
    )

``str(exc)`` ends with the Python spelling ("To analyse the outcome in its own units, use
scale='level'."), so notebooks and tracebacks read well with no extra step;
``exc.render(TomlStyle({"scale": "claim"}))`` gives the configuration line instead, and
``exc.render(FlagStyle({"scale": "--scale"}))`` the flag. ``exc.text`` is the message without
its advice. A :class:`PanelError` that gathers several failed checks keeps each one's advice
(``exc.details``: :class:`Problem` objects), and so does ``PanelReport.details``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    "Advice",
    "Problem",
    "AdviceStyle",
    "PythonStyle",
    "TomlStyle",
    "FlagStyle",
    "PYTHON",
]


# ------------------------------------------------------------------------------------------
# structured advice
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Advice:
    """One change of setting that gets past an error or warning.

    Parameters
    ----------
    parameter : str
        The keyword argument as spelt in Python (``"scale"``, ``"outcome_is_count"``).
    value : object
        Its new value (``"level"``, ``False``, ``["Area X"]``).
    when : str
        Optional condition or purpose in words, lower case, e.g. ``"if 'custody' is not a
        count of people"``; it opens the rendered sentence.
    """

    parameter: str
    value: Any
    when: str = ""

    def render(self, style: AdviceStyle | None = None) -> str:
        """The advice as one sentence for an interface (Python when ``style`` is None)."""
        return (style or PYTHON).sentence(self)


class AdviceStyle:
    """How one interface spells a change of setting. Subclasses override :meth:`setting`
    (the change as the user types it, or None when the interface has no such setting) and
    may override :meth:`sentence`. A style with a ``fallback`` uses it for the settings it
    lacks."""

    #: verb for the sentence, e.g. "use" -> "Use scale='level'."
    verb = "use"

    def __init__(self, fallback: AdviceStyle | None = None):
        self.fallback = fallback

    def setting(self, parameter: str, value: Any) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def sentence(self, advice: Advice) -> str:
        text = self.setting(advice.parameter, advice.value)
        style: AdviceStyle = self
        while text is None and style.fallback is not None:
            style = style.fallback
            text = style.setting(advice.parameter, advice.value)
        if text is None:  # nobody can spell it: say it in words
            text = f"set {advice.parameter.replace('_', ' ')} to {advice.value!r}"
            verb = ""
        else:
            verb = style.verb + " "
        body = f"{verb}{text}"
        if advice.when:
            return f"{_capital(advice.when)}, {body}."
        return f"{_capital(body)}."


class PythonStyle(AdviceStyle):
    """``scale='level'``: keyword arguments of the function the user called."""

    verb = "pass"

    def setting(self, parameter: str, value: Any) -> str | None:
        return f"{parameter}={value!r}"


class TomlStyle(AdviceStyle):
    """A line of the ``wsa-eval run`` configuration: ``scale = "level"`` under ``[claim]``.

    ``sections`` maps a parameter to its section, or to ``(section, key)`` when the key is
    spelt differently from the Python keyword. Parameters not in the mapping go to the
    fallback (if any)."""

    verb = "put the line"

    def __init__(self, sections: Mapping[str, str | tuple[str, str]],
                 fallback: AdviceStyle | None = None):
        super().__init__(fallback)
        self.sections = dict(sections)

    def setting(self, parameter: str, value: Any) -> str | None:
        where = self.sections.get(parameter)
        if where is None:
            return None
        section, key = (where, parameter) if isinstance(where, str) else where
        return f"{key} = {toml_value(value)} under [{section}] in the configuration file"


class FlagStyle(AdviceStyle):
    """A command-line flag: ``--scale level``, ``--outcome-is-not-count``.

    ``flags`` maps a parameter to its option (the value follows it), or
    ``(parameter, value)`` to a complete flag (for switches such as ``--allow-unbalanced``
    for ``balanced=False``). Parameters not in the mapping go to the fallback (if any)."""

    verb = "add"

    def __init__(self, flags: Mapping[Any, str], fallback: AdviceStyle | None = None):
        super().__init__(fallback)
        self.flags = dict(flags)

    def setting(self, parameter: str, value: Any) -> str | None:
        try:
            whole = self.flags.get((parameter, value))
        except TypeError:  # unhashable value (a list)
            whole = None
        if whole is not None:
            return f"{whole} to the command"
        opt = self.flags.get(parameter)
        if opt is None:
            return None
        vals = value if isinstance(value, (list, tuple)) else [value]
        return " ".join(f"{opt} {_shell_word(v)}" for v in vals) + " to the command"


#: the default: Python keyword arguments
PYTHON = PythonStyle()


def toml_value(value: Any) -> str:
    """A value as TOML writes it: ``"level"``, ``false``, ``5``, ``["A", "B"]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def _shell_word(value: Any) -> str:
    text = str(value)
    if text and all(c.isalnum() or c in "-_./:" for c in text):
        return text
    return '"' + text.replace('"', '\\"') + '"'


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_advice(advice: Iterable[Advice], style: AdviceStyle | None = None) -> str:
    """Several pieces of advice as consecutive sentences."""
    return " ".join(a.render(style) for a in advice)


def _join(text: str, advice: Sequence[Advice], style: AdviceStyle | None) -> str:
    if not advice:
        return text
    return f"{text} {render_advice(advice, style)}" if text else render_advice(advice, style)


@dataclass(frozen=True)
class Problem:
    """A message and the settings that would fix it (see :class:`Advice`)."""

    text: str
    advice: tuple[Advice, ...] = ()

    def render(self, style: AdviceStyle | None = None) -> str:
        return _join(self.text, self.advice, style)

    def __str__(self) -> str:
        return self.render()


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
class WsaEvalError(ValueError):
    """Base class of every error raised by wsa_eval for bad input or an impossible request.

    ``advice`` (keyword only) lists :class:`Advice`; ``str(exc)`` ends with it in Python
    syntax and :meth:`render` phrases it for another interface.

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

    def __init__(self, *args: Any, advice: Iterable[Advice] = ()):
        self.advice: tuple[Advice, ...] = tuple(advice)
        self.text: str = str(args[0]) if args else ""
        if self.advice:
            args = (_join(self.text, self.advice, None), *args[1:])
        super().__init__(*args)

    def render(self, style: AdviceStyle | None = None) -> str:
        """The message with its advice phrased for an interface (Python when None)."""
        if not self.advice:
            return str(self)
        return _join(self.text, self.advice, style)


class ColumnError(WsaEvalError, KeyError):
    """A column named in the call is not in the data (or has the wrong type).

    Also a ``KeyError`` for code that looks columns up; ``str()`` gives the plain message.
    """

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class PanelError(WsaEvalError):
    """The panel fails a check (duplicates, missing outcomes, gaps, treatment timing, ...).

    ``problems`` holds every failed check's message (as text, advice in Python syntax), not
    only the first; ``details`` the same as :class:`Problem` objects, whose advice
    :meth:`render` phrases for the interface in use.
    """

    def __init__(self, message: str, problems: Sequence[str | Problem] | None = None, *,
                 advice: Iterable[Advice] = ()):
        super().__init__(message, advice=advice)
        given = list(problems) if problems else [Problem(self.text, self.advice)]
        self.details: tuple[Problem, ...] = tuple(
            p if isinstance(p, Problem) else Problem(str(p)) for p in given)
        self.problems: tuple[str, ...] = tuple(p.render() for p in self.details)

    def render(self, style: AdviceStyle | None = None) -> str:
        if len(self.details) > 1 and self.text.startswith("The panel fails"):
            head = self.text.split("\n", 1)[0]
            return head + "\n" + "\n".join(f"  - {p.render(style)}" for p in self.details)
        if len(self.details) == 1 and self.details[0].text == self.text:
            return self.details[0].render(style)
        return super().render(style)


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
