"""``wsa-eval plan config.toml``: the planner from the command line.

The configuration is the one ``wsa-eval run`` reads (``wsa-eval init`` writes a template):
``[data]`` names the CSV and its columns; the area, start and end come from the first of
``[claim]``, ``[sdid]``, ``[sc]``, ``[did]``; its ``exclude`` list and the areas of
``[start_dates]`` with a scheme starting by the end year are left out of the comparison pool,
as ``wsa-eval run`` does. ``[study]`` gives ``seed``, ``reps`` and ``alpha``.

For the command line's maintainer: ``add_plan_parser(subparsers, add_common)`` adds the
sub-command (``add_common`` is the function that adds ``--seed/--reps/--alpha/
--no-progress``); its ``func`` is :func:`plan_command`, which returns the exit code.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import PanelError, SpecificationError, WsaEvalWarning

__all__ = ["plan_command", "add_plan_parser"]

_SECTIONS = ("claim", "sdid", "sc", "did")


def _read(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise SpecificationError(f"{what} not found: {path}.") from None


def _scheme_areas(cfg: Any, end: float, treated: str, units: set) -> list[str]:
    """Areas of ``[start_dates]`` with a scheme starting by ``end`` (or undated)."""
    if "start_dates" not in cfg:
        return []
    sd = cfg["start_dates"]
    tab = _read(cfg.path("start_dates"), "[start_dates] path")
    for key in ("unit", "start"):
        if sd[key] not in tab.columns:
            raise SpecificationError(f"[start_dates] {key} = {sd[key]!r} is not a column of "
                                     f"{cfg.path('start_dates').name}.")
    unknown = sorted({str(a) for a in tab[sd["unit"]] if a not in units})
    if unknown:
        raise PanelError(f"Area(s) {', '.join(unknown[:5])} of the start-date table are not in "
                         "the data; spell them exactly as in the data.")
    year = pd.to_numeric(tab[sd["start"]].astype(str).str[:4], errors="coerce")
    keep = year.isna() | (year <= end)
    return sorted({str(a) for a, k in zip(tab[sd["unit"]], keep) if k and a != treated})


def plan_command(args: argparse.Namespace) -> int:
    """Run the planner from a configuration; print the plan; write a report with ``--out``.

    ``args``: ``config`` (path), and optionally ``out``, ``end``, ``power``, ``statistic``,
    ``seed``, ``reps``, ``alpha`` (None: the configuration's ``[study]`` values).
    Returns 0 (ok) or 1 (finished with warnings); errors raise ``WsaEvalError``.
    """
    from ..config import load_config
    from .plan import plan_evaluation

    cfg = load_config(args.config, overrides={"seed": getattr(args, "seed", None),
                                              "reps": getattr(args, "reps", None),
                                              "alpha": getattr(args, "alpha", None)})
    section = next((s for s in cfg.designs if s in _SECTIONS), None)
    if section is None:
        raise SpecificationError("wsa-eval plan needs a [claim], [sdid], [sc] or [did] section "
                                 "naming the treated area and the start year.")
    d, data_cfg, st = cfg[section], cfg["data"], cfg["study"]
    df = _read(cfg.path("data"), "[data] path")
    for key in ("unit", "time", "outcome"):
        if data_cfg[key] not in df.columns:
            raise SpecificationError(f"[data] {key} = {data_cfg[key]!r} is not a column of "
                                     f"{cfg.path('data').name}.")
    end = getattr(args, "end", None) or (d["end"] if section == "claim" else None)
    last = float(pd.to_numeric(df[data_cfg["time"]], errors="coerce").max())
    units = set(df[data_cfg["unit"]])
    exclude = sorted(set(d["exclude"]) | set(_scheme_areas(cfg, end or last, d["treated"],
                                                            units)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WsaEvalWarning)
        plan = plan_evaluation(
            df, outcome=data_cfg["outcome"], unit=data_cfg["unit"], time=data_cfg["time"],
            treated=d["treated"], start=d["start"], end=end,
            method=d["primary"] if section == "claim" else section,
            alpha=st["alpha"], power=getattr(args, "power", None) or 0.8, reps=st["reps"],
            random_state=st["seed"], exclude=exclude or None,
            statistic=getattr(args, "statistic", None) or "end")
    msgs = [str(w.message) for w in caught] + list(plan.warnings)
    print(plan.sentence)
    print(f"Planned for {plan.statistic_words}.")
    print(plan.power.to_string(index=False))
    out = getattr(args, "out", None)
    if out:
        from ..reporting import report

        files = report(plan, out, scheme=st["scheme"], title=st["title"],
                       threshold=st["threshold"])
        print(f"Report written to {getattr(files, 'html', out)}.")
    for m in dict.fromkeys(msgs):
        print(f"Warning: {m}")
    return 1 if msgs else 0


def add_plan_parser(subparsers: Any, add_common: Any = None) -> argparse.ArgumentParser:
    """Add ``plan`` to the ``wsa-eval`` sub-commands."""
    p = subparsers.add_parser(
        "plan", help="how large an effect could an evaluation detect?",
        description="Before collecting data: the smallest reduction the claim check could "
                    "detect for the area and start year in the configuration, from the "
                    "comparison areas' own series (each given the scheme in turn, a known "
                    "effect added). Prints the plan; --out writes the report.")
    p.add_argument("config", help="configuration file (TOML), as for `wsa-eval run`")
    p.add_argument("--out", help="folder for the report (optional)")
    p.add_argument("--end", type=int, help="last year of the evaluation (default: the "
                                           "claim's end, else the last year of the data)")
    p.add_argument("--power", type=float, default=0.8, help="power for the minimum "
                                                            "detectable effect (default 0.8)")
    p.add_argument("--statistic", choices=["end", "average"], default="end",
                   help="plan for the end-year effect (the claim check's verdict) or the "
                        "average effect")
    if add_common is not None:
        add_common(p, defaults=False)
    p.set_defaults(func=plan_command)
    return p
