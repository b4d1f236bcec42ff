"""Small shared helpers: random generators, progress bars, hashing, column checks."""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .errors import ColumnError, SpecificationError, format_examples

T = TypeVar("T")

RandomState = "int | np.random.Generator | None"


def as_generator(random_state: int | np.random.Generator | None) -> np.random.Generator:
    """Turn ``random_state`` (an int seed, a Generator, or None) into a numpy Generator.

    Never touches numpy's global seed.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(random_state)
    raise SpecificationError(
        "random_state must be an int, a numpy.random.Generator or None, "
        f"not {type(random_state).__name__}."
    )


def resolve_random_state(
    random_state: int | np.random.Generator | None,
) -> tuple[np.random.Generator, Any]:
    """The Generator to draw from and what a result records so the run can be repeated.

    * an int: ``default_rng(seed)``; the int is recorded;
    * None: a fresh seed is drawn from the operating system's entropy, used and recorded,
      so a run made without a seed can still be repeated exactly (pass the recorded
      ``spec["seed"]`` back as ``random_state``);
    * a Generator: used as it is; its bit generator's state *before* the call is recorded
      (``{"bit_generator": ..., "state": ...}``; rebuild it with :func:`generator_from_seed`).
    """
    if isinstance(random_state, np.random.Generator):
        state = random_state.bit_generator.state
        return random_state, {"bit_generator": type(random_state.bit_generator).__name__,
                              "state": state}
    if random_state is None:
        seed = int(np.random.SeedSequence().entropy)
        return np.random.default_rng(seed), seed
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state)), int(random_state)
    raise SpecificationError(
        "random_state must be an int, a numpy.random.Generator or None, "
        f"not {type(random_state).__name__}."
    )


def generator_from_seed(seed: Any) -> np.random.Generator:
    """Rebuild the Generator a result used from its recorded ``spec["seed"]``."""
    if isinstance(seed, Mapping) and "state" in seed:
        bg = getattr(np.random, str(seed.get("bit_generator", "PCG64")))()
        bg.state = dict(seed["state"])
        return np.random.Generator(bg)
    return np.random.default_rng(seed)


def seed_for_spec(random_state: int | np.random.Generator | None) -> Any:
    """What to record in a result's ``spec`` for the seed (prefer :func:`resolve_random_state`,
    which also records a seed drawn when none was given)."""
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    if random_state is None:
        return None
    return "numpy.random.Generator (state not recorded)"


def _interactive() -> bool:
    try:
        return sys.stderr.isatty()
    except Exception:  # pragma: no cover - exotic streams
        return False


class _TextProgress:
    """A minimal progress bar on stderr, used when tqdm is not installed."""

    def __init__(self, total: int, desc: str):
        self.total, self.desc, self.n = total, desc, 0
        self.t0 = self._last = time.perf_counter()

    def update(self, k: int = 1) -> None:
        self.n += k
        now = time.perf_counter()
        if now - self._last > 0.2 or self.n >= self.total:
            self._last = now
            frac = self.n / self.total if self.total else 1.0
            bar = "#" * int(30 * frac)
            sys.stderr.write(
                f"\r{self.desc}: {self.n}/{self.total} [{bar:<30}] {now - self.t0:.1f}s"
            )
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


def progress_iter(
    iterable: Iterable[T], *, total: int | None = None, desc: str = "", progress: bool | None = None
) -> Iterator[T]:
    """Wrap a long loop (bootstrap, placebo) in a progress bar.

    ``progress=None`` shows the bar only when stderr is a terminal; ``False`` never shows it.
    Uses tqdm when it is installed (nicer in notebooks), else a plain text bar.
    """
    show = _interactive() if progress is None else bool(progress)
    if not show:
        yield from iterable
        return
    if total is None and isinstance(iterable, Sequence):
        total = len(iterable)
    try:
        from tqdm.auto import tqdm  # optional
    except ImportError:
        tqdm = None
    if tqdm is not None:
        yield from tqdm(iterable, total=total, desc=desc, leave=False)
        return
    bar = _TextProgress(total or 0, desc)
    try:
        for item in iterable:
            yield item
            bar.update()
    finally:
        bar.close()


def hash_frame(data: pd.DataFrame) -> str:
    """A short, stable hash of a DataFrame's values and column names (for ``spec``)."""
    h = hashlib.sha1()
    h.update(",".join(map(str, data.columns)).encode())
    try:
        for j in range(data.shape[1]):
            col = data.iloc[:, j]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biufcmM":
                # plain numpy column: its raw bytes (fast on millions of rows)
                arr = np.ascontiguousarray(col.to_numpy())
                h.update(arr.dtype.str.encode())
                h.update(arr.view(np.uint8))
            else:
                values = pd.util.hash_pandas_object(col, index=False).to_numpy()
                h.update(values.tobytes())
    except TypeError:  # unhashable cells (lists, dicts): fall back to their text
        h = hashlib.sha1()
        h.update(",".join(map(str, data.columns)).encode())
        h.update(data.to_csv(index=False).encode())
    return h.hexdigest()[:16]


def require_frame(data: Any, what: str = "data") -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise SpecificationError(
            f"{what} must be a pandas DataFrame, not {type(data).__name__}."
        )
    if data.shape[0] == 0:
        raise SpecificationError(f"{what} has no rows.")
    return data


def require_columns(data: pd.DataFrame, columns: dict[str, str | Sequence[str] | None]) -> None:
    """Raise ColumnError naming every argument whose column is missing, and the columns found.

    ``columns`` maps an argument name (``"outcome"``) to the column(s) the user named.
    """
    missing: list[str] = []
    for arg, cols in columns.items():
        if cols is None:
            continue
        for c in [cols] if isinstance(cols, str) or not isinstance(cols, Sequence) else cols:
            if c not in data.columns:
                missing.append(f"{arg}={c!r}")
    if missing:
        found = format_examples([str(c) for c in data.columns], limit=20)
        raise ColumnError(
            f"Column(s) not found in the data: {', '.join(missing)}. "
            f"The data has these columns: {found}. Check the spelling (names are case-sensitive)."
        )


def check_alpha(alpha: float) -> float:
    if not (isinstance(alpha, (int, float, np.floating)) and 0 < float(alpha) < 1):
        raise SpecificationError(f"alpha must be between 0 and 1 (e.g. 0.05), not {alpha!r}.")
    return float(alpha)


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    if value not in choices:
        raise SpecificationError(
            f"{name}={value!r} is not one of the allowed values: "
            f"{format_examples(list(choices), 20)}."
        )
    return value
