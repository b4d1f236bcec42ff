"""Numbers in words and tables: 2-3 significant figures, no scientific notation, units.

Pure functions used by sentences (:mod:`wsa_eval.interpret`) and by the report writers.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt_num", "fmt_int", "fmt_pct", "fmt_pp", "fmt_p", "fmt_cell", "fmt_value",
           "human_label", "MISSING"]

#: how a missing or undefined number is shown in tables
MISSING = "–"


def _isnan(x: Any) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt_num(x: Any, sig: int = 3) -> str:
    """``-0.04231`` -> ``"-0.0423"``, ``1234.5`` -> ``"1,235"``, ``19.345`` -> ``"19.3"``.

    At most ``sig`` significant figures below 1,000, whole numbers with thousands
    separators above; never scientific notation; NaN -> ``"–"``.
    """
    if x is None or _isnan(x):
        return MISSING
    x = float(x)
    if math.isinf(x):
        return "unbounded" if x > 0 else "-unbounded"
    ax = abs(x)
    if ax >= 1000 or (ax >= 100 and sig <= 3):
        return f"{x:,.0f}"
    if ax == 0:
        return "0"
    decimals = max(0, sig - 1 - int(math.floor(math.log10(ax))))
    decimals = min(decimals, 8)
    out = f"{x:.{decimals}f}"
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def fmt_int(x: Any) -> str:
    """A whole number with thousands separators (``1234`` -> ``"1,234"``)."""
    if x is None or _isnan(x):
        return MISSING
    return f"{int(round(float(x))):,}"


def fmt_pct(frac: Any, *, signed: bool = True, digits: int | None = None) -> str:
    """A fraction as a percentage: ``-0.583`` -> ``"-58%"`` (``signed=False``: ``"58%"``).

    Whole percentages from 10% up; one decimal below (``0.043`` -> ``"4.3%"``).
    """
    if frac is None or _isnan(frac):
        return MISSING
    p = 100 * float(frac)
    if math.isinf(p):
        return "unbounded"
    if not signed:
        p = abs(p)
    d = digits if digits is not None else (0 if abs(p) >= 9.95 or p == 0 else 1)
    s = f"{p:+.{d}f}%" if signed else f"{p:.{d}f}%"
    return s.replace("+0%", "0%").replace("-0%", "0%")


def fmt_pp(x: Any, *, signed: bool = True) -> str:
    """Percentage points: ``-5.2`` -> ``"-5.2 percentage points"``."""
    if x is None or _isnan(x):
        return MISSING
    v = float(x)
    s = f"{v:+.1f}" if signed else f"{abs(v):.1f}"
    return f"{s} percentage points"


def fmt_p(p: Any) -> str:
    """A p-value: ``0.0371`` -> ``"0.037"``; below 0.001 -> ``"below 0.001"``."""
    if p is None or _isnan(p):
        return MISSING
    p = float(p)
    if p < 0.001:
        return "below 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def fmt_value(x: Any, kind: str = "num", unit: str = "") -> str:
    """Format ``x`` by kind (``pct``, ``pct_unsigned``, ``pct_dir``, ``pp``, ``p``, ``int``,
    ``num``) and append ``unit`` (``"num"`` and ``"int"`` only; for ``pct_dir`` the two
    words for falls and rises, ``"below|above"``)."""
    if kind == "pct":
        return fmt_pct(x)
    if kind == "pct_unsigned":
        return fmt_pct(x, signed=False)
    if kind == "pp":
        return fmt_pp(x)
    if kind == "p":
        return fmt_p(x)
    if kind == "pct_dir":  # "28% below" / "55% above" (unit: "below|above")
        neg, pos = (unit or "lower|higher").split("|")
        if x is None or _isnan(x):
            return MISSING
        word = neg if float(x) < 0 else pos
        return f"{fmt_pct(x, signed=False)} {word}" if float(x) != 0 else "no different"
    s = fmt_int(x) if kind == "int" else fmt_num(x)
    return f"{s} {unit}".rstrip() if unit and s != MISSING else s


def fmt_cell(x: Any, kind: str | None = None) -> str:
    """A table cell: booleans as yes/no, numbers by ``kind`` (default: 3 significant
    figures), missing as ``"–"``, text unchanged."""
    if x is None:
        return MISSING
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return "yes" if bool(x) else "no"
    if isinstance(x, str):
        return x
    if isinstance(x, (int, float)) or hasattr(x, "dtype"):
        try:
            xf = float(x)
        except (TypeError, ValueError):
            return str(x)
        if math.isnan(xf):
            return MISSING
        if kind == "text":  # a label such as a year: no separators, no rounding
            return str(int(xf)) if xf.is_integer() else str(x)
        if kind:
            return fmt_value(xf, kind)
        if float(xf).is_integer() and abs(xf) < 1e15:
            return fmt_int(xf)
        return fmt_num(xf)
    return str(x)


def human_label(name: str) -> str:
    """``"immediate_custody"`` -> ``"Immediate custody"``; ``"n_at_risk"`` -> ``"Number at
    risk"``."""
    special = {"n_at_risk": "Number at risk", "n_events": "Events", "n_censored": "Censored",
               "n_entered": "Entered", "std_error": "Standard error", "p_value": "p-value",
               "ci_low": "Lower limit", "ci_high": "Upper limit", "pfa": "Police force area"}
    if name in special:
        return special[name]
    s = str(name).replace("_", " ").strip()
    if s.lower().startswith("n "):
        s = "number of " + s[2:]
    return s[:1].upper() + s[1:]
