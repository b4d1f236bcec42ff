"""Input checks shared by the competing-risks functions (cumulative incidence, Gray's test,
Fine-Gray): time and integer event-code columns, recoding to censored / cause / competing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._utils import require_columns, require_frame
from ..engine.survival import collapse
from ..errors import (
    ColumnError,
    DataFormatError,
    EstimationError,
    SpecificationError,
    format_examples,
)

__all__ = ["competing_columns", "code_events", "competing_cells"]


def competing_columns(
    data: pd.DataFrame, duration: str, event: str, extra: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    require_frame(data)
    require_columns(data, {"duration": duration, "event": event, **extra})
    cols = [duration, event] + [
        c for v in extra.values() if v is not None for c in ([v] if isinstance(v, str) else v)
    ]
    bad = [c for c in cols if data[c].isna().any()]
    if bad:
        c = bad[0]
        rows = data.index[data[c].isna()].tolist()
        raise DataFormatError(
            f"Column {c!r} has {len(rows)} missing value(s) (rows {format_examples(rows)}). "
            "Drop or fill them before calling; wsa_eval does not drop rows silently."
        )
    t = data[duration]
    if t.dtype.kind not in "iuf":
        raise ColumnError(f"duration={duration!r} must be numeric (e.g. days or months).")
    t = t.to_numpy(dtype=float)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise DataFormatError(
            f"Column {duration!r} has negative or infinite times; durations must be >= 0."
        )
    e = data[event]
    if e.dtype.kind not in "iuf" or not np.all(e.to_numpy(float) == np.round(e.to_numpy(float))):
        raise ColumnError(
            f"event={event!r} must hold integer codes (0 = censored, 1, 2, ... = causes)."
        )
    return t, e.to_numpy(dtype=np.int64)


def code_events(e: np.ndarray, event: str, event_of_interest: int, censor_code: int) -> np.ndarray:
    """Recode to 0 = censored, 1 = event of interest, 2 = any competing event."""
    if event_of_interest == censor_code:
        raise SpecificationError("event_of_interest and censor_code must differ.")
    if not np.any(e == event_of_interest):
        raise EstimationError(
            f"No rows have {event}={event_of_interest!r} (the event_of_interest); codes found: "
            f"{format_examples(sorted(set(e.tolist())), quote=False)}."
        )
    return np.where(e == censor_code, 0, np.where(e == event_of_interest, 1, 2)).astype(np.int64)


def competing_cells(data: Any, duration: str, event: str, by: list[str], roles: dict,
                     event_of_interest: int, censor_code: int):
    """The engine's counts by ``by``, time and event code, and the recoded status."""
    col = collapse(data, duration=duration, event=event, by=by, roles=roles,
                   event_codes=True)
    cells = col.cells
    e = cells["event"].to_numpy(dtype=np.int64)
    status = code_events(e, event, event_of_interest, censor_code)
    return col, cells, status
