"""The placebo-in-space fast path used by the claim check (:mod:`wsa_eval.claims`): every
comparison unit in turn treated, all solves run together."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._utils import check_choice
from . import _sdid_core as core
from ._sdid_prepare import _options
from ._sdid_result import _NAMES

__all__ = ["placebo_fits"]

def placebo_fits(kind: str, Y: np.ndarray, times: np.ndarray, start: Any,
                 donors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Placebo-in-space fits: each unit (row of ``Y``) in turn treated from ``start``.

    ``Y`` (units x periods, rows in the order ``data.pivot(index=unit, columns=time)`` gives,
    treated units already removed) holds the comparison units only; ``donors`` (row indices,
    default all) are the units given the placebo treatment, the other rows being their
    comparisons. Returns the estimates (J,) and the effect curves (J, T), each bit for bit
    what ``sdid`` / ``sc`` / ``did`` with ``se=None`` returns when that unit is ``treated``
    and the others are its comparisons -- the same preparation, tuning (``zeta`` and the
    stopping rule from that placebo's own noise level) and Frank-Wolfe iterations -- but
    with the solves of all placebos run together (``_sdid_core.fit_cohort_many``) and
    without re-validating the panel once per placebo. Returns None when a placebo would
    have to raise an error (fewer than two comparisons, no pre-period variation), so the
    caller can run the one-by-one fits, which explain it.
    """
    check_choice("kind", kind, tuple(_NAMES))
    Y = np.asarray(Y, dtype=float)
    N, T = Y.shape
    donors = np.arange(N) if donors is None else np.asarray(donors, dtype=int)
    T0 = int((np.asarray(times) < start).sum())
    if N - 1 < 2 or T0 < 2 or T0 >= T or not np.isfinite(Y).all():
        return None
    Ys, opts = [], []
    for d in donors:
        Yd = Y[np.concatenate([np.arange(N)[np.arange(N) != d], [d]])]
        noise = core.noise_level(Yd[: N - 1, :T0])
        if kind != "did" and not (noise > 0):
            return None
        o = _options(kind, noise if noise > 0 else 1.0, 1, T - T0, None)
        if o.pop("lambda_zero", False):
            o["lambda_init"] = np.zeros(T0)
        Ys.append(Yd)
        opts.append(o)
    fits = core.fit_cohort_many(Ys, N - 1, T0, opts)
    w = np.array([1.0])  # one cohort: aggregation weight 1, as in _estimate
    est = np.array([float(np.array([f.tau[0]]) @ w) for f in fits])
    return est, np.stack([f.gaps[0] for f in fits]) if fits else np.empty((0, T))
