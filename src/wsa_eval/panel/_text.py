"""How messages write units and periods: ``'Riverton'``, ``2014``, ``('A', '2015/16')``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def fmt_t(t: Any) -> str:
    if isinstance(t, (float, np.floating)) and float(t).is_integer():
        return str(int(t))
    return str(t)


def fmt_u(u: Any) -> str:
    if isinstance(u, (float, np.floating)) and float(u).is_integer():
        return str(int(u))
    return repr(u) if isinstance(u, str) else str(u)


def pairs(frame: pd.DataFrame, unit: str, time: str, limit: int = 5,
          labels: Mapping[float, str] | None = None) -> str:
    """``('A', 2014), ('B', 2015) and 3 more``: where in the panel a problem is."""
    def t_text(t: Any) -> str:
        if labels:
            try:
                lab = labels.get(float(t))
            except (TypeError, ValueError):
                lab = None
            if lab is not None:
                return repr(lab)
        return fmt_t(t)

    n = len(frame)
    head = frame.iloc[:limit]
    shown = ", ".join(f"({fmt_u(u)}, {t_text(t)})" for u, t in zip(head[unit], head[time]))
    return shown + (f" and {n - limit} more" if n > limit else "")
