"""Placebo-in-space for the claim check: each comparison area in turn given the scheme.

The placebo fits are those of one estimator call per comparison area (the treated area left
out), number for number, but solved together on one outcome matrix by
:func:`wsa_eval.synth.sdid.placebo_fits`; :func:`placebo_gaps_reference` is the
straightforward loop, kept as the reference the fast path is tested against and as the
fallback that raises the estimator's own error when a placebo cannot be fitted.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._utils import progress_iter
from ..errors import DataWarning

__all__ = ["fit_method", "gap_path", "placebo_gaps", "placebo_gaps_reference",
           "permutation_p"]


def fit_method(method: str, df: pd.DataFrame, outcome: str, unit: str, time: str,
               treated: Any, start: Any, inference: str | None, reps: int, alpha: float,
               rng: Any, progress: bool | None) -> Any:
    """One of ``sdid``, ``sc``, ``did`` on a panel already validated by the claim check."""
    from ..synth import did, sc, sdid

    fn = {"sdid": sdid, "sc": sc, "did": did}[method]
    with warnings.catch_warnings():  # the panel's data warnings were raised once already
        warnings.simplefilter("ignore", DataWarning)
        return fn(df, outcome=outcome, unit=unit, time=time, treated=treated, start=start,
                  inference=inference, reps=reps or None, alpha=alpha, random_state=rng,
                  progress=progress)


def gap_path(fit: Any) -> pd.Series:
    """The treated-minus-estimate gap by period of an ``sdid/sc/did`` fit."""
    eff = fit.to_frame()
    return pd.Series(eff["estimate"].to_numpy(float), index=eff["time"].to_numpy())


def rmspe_ratio(g: np.ndarray, post: np.ndarray) -> tuple[float, float]:
    """Pre-period RMSPE of a gap path and its post/pre RMSPE ratio (ADH 2010)."""
    pre = float(np.sqrt(np.mean(g[~post] ** 2))) if (~post).any() else math.nan
    post_r = float(np.sqrt(np.mean(g[post] ** 2)))
    return pre, (post_r / pre if pre > 0 else math.inf)


def permutation_p(placebo: np.ndarray, observed: float, larger_is_extreme: bool = True
                  ) -> tuple[float, int]:
    """Exact permutation p-value ``(1 + #{placebos at least as extreme}) / (J + 1)`` and
    the number of placebos at least as extreme (absolute values unless ratios)."""
    x = np.asarray(placebo, dtype=float)
    if larger_is_extreme:
        n_ge = int(np.sum(np.abs(x) >= abs(observed) * (1 - 1e-12)))
    else:
        n_ge = int(np.sum(x >= observed * (1 - 1e-12)))
    return (1 + n_ge) / (len(x) + 1), n_ge


def placebo_gaps_reference(method: str, df: pd.DataFrame, outcome: str, unit: str,
                           time: str, treated: Any, start: Any, donors: list,
                           progress: bool | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Gap paths (periods x donors) and average post-period estimates, one call per donor."""
    rest = df[df[unit] != treated]
    gaps, ests = {}, []
    for d in progress_iter(donors, desc=f"placebos ({method})", progress=progress):
        r = fit_method(method, rest, outcome, unit, time, d, start, None, 0, 0.05, None,
                       False)
        gaps[d] = gap_path(r)
        ests.append(float(r.estimate))
    return pd.DataFrame(gaps), np.asarray(ests)


def placebo_gaps(method: str, df: pd.DataFrame, outcome: str, unit: str, time: str,
                 treated: Any, start: Any, donors: list, progress: bool | None
                 ) -> tuple[pd.DataFrame, np.ndarray]:
    """As :func:`placebo_gaps_reference`, all donors solved together when possible."""
    from ..synth.sdid import placebo_fits

    rest = df[df[unit] != treated]
    wide = rest.pivot(index=unit, columns=time, values=outcome)
    rows = wide.index.get_indexer(list(donors))
    times = wide.columns.to_numpy()
    fast = None
    if len(donors) and (rows >= 0).all() and len(wide) == len(donors):
        fast = placebo_fits(method, wide.to_numpy(dtype=float), times, start, rows)
    if fast is None:
        return placebo_gaps_reference(method, df, outcome, unit, time, treated, start, donors,
                                      progress)
    est, G = fast
    return pd.DataFrame(np.asarray(G).T, index=times, columns=list(donors)), np.asarray(est)
