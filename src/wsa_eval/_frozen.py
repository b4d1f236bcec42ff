"""Deep immutability for result objects.

A result is a record of what an estimator found; nothing a caller does to what it reads
from a result may change the result (``sc.weights[:] = 0`` must not alter a later
``.placebo()``). :func:`freeze` makes a value safe to store in a frozen result:

* numpy arrays become read-only copies;
* mappings become :class:`FrozenDict` (read-only, values frozen recursively);
* lists and sets become tuples / frozensets (items frozen);
* pandas objects are stored as private copies; :func:`reader_copy` hands out a copy that
  cannot write back (a copy-on-write shallow copy under pandas >= 3, a deep copy before).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["freeze", "FrozenDict", "reader_copy", "thaw"]


def _cow() -> bool:
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    try:
        return bool(pd.options.mode.copy_on_write)
    except (AttributeError, KeyError):  # pragma: no cover - very old pandas
        return False


def reader_copy(obj: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """A copy of a stored frame that a caller may change freely without touching the store."""
    return obj.copy(deep=not _cow())


class FrozenDict(dict):
    """A read-only ``dict`` (still a ``dict``, so ``json.dumps`` and ``dict(...)`` work).

    Mutating methods raise ``TypeError``; frames inside are handed out as copies.
    """

    __slots__ = ()

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("this mapping belongs to a result and cannot be changed; "
                        "copy it with dict(...) first")

    __setitem__ = __delitem__ = _readonly  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]
    __ior__ = _readonly  # type: ignore[assignment]

    def __getitem__(self, key: Any) -> Any:
        v = dict.__getitem__(self, key)
        return reader_copy(v) if isinstance(v, (pd.DataFrame, pd.Series)) else v

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def copy(self) -> dict:  # type: ignore[override]
        return thaw(self)

    def __reduce__(self) -> Any:  # pickling (process pools) rebuilds a FrozenDict
        return (FrozenDict, (dict(self.items()),))

    def __repr__(self) -> str:
        return dict.__repr__(self)


def freeze(value: Any) -> Any:
    """A deeply immutable version of ``value`` (see the module docstring)."""
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, np.ndarray):
        if not value.flags.writeable and value.base is None:
            return value
        out = np.array(value, copy=True)
        out.setflags(write=False)
        return out
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return value.copy(deep=True)
    if isinstance(value, Mapping):
        d = FrozenDict()
        for k, v in value.items():
            dict.__setitem__(d, k, freeze(v))
        return d
    if isinstance(value, (list, tuple)):
        frozen = tuple(freeze(v) for v in value)
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # namedtuple
            return type(value)(*frozen)
        return frozen
    if isinstance(value, set):
        return frozenset(value)
    return value


def thaw(value: Any) -> Any:
    """A plain, mutable copy of a frozen value (dicts, lists, writable arrays)."""
    if isinstance(value, Mapping):
        return {k: thaw(dict.__getitem__(value, k) if isinstance(value, FrozenDict) else v)
                for k, v in value.items()}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return [thaw(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy()
    return value
