"""The ``wsa-eval`` command line.

Exit codes (for pipelines): 0 success, 1 success with warnings, 2 errors (bad input). It
never prompts.

Commands:

* ``wsa-eval check data.csv --unit pfa --time year --outcome immediate_custody
  [--first-treated COL | --treated-unit NAME --start YEAR]``: the panel checks as a table.
* ``wsa-eval init [PATH]``: writes a commented configuration template (``--force`` to
  overwrite an existing file).
* ``wsa-eval run config.toml --out DIR``: validates the configuration and the data, runs the
  designs, writes ``report.html``, ``report.md``, ``results.json``, ``tables/*.csv`` and
  ``figures/*.png`` into ``DIR`` and prints the headline. Everything is written to a
  temporary folder first and moved into place only when the run succeeds, so an error never
  leaves a partial report.
* ``wsa-eval example gm --out DIR``: reproduces the Greater Manchester case study.

Common flags: ``--seed``, ``--reps``, ``--alpha``, ``--no-progress`` (they override the
configuration's ``[study]`` values).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import WsaEvalError

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


def _read_table(path: str) -> pd.DataFrame:
    try:
        if path.lower().endswith((".xlsx", ".xls")):
            return pd.read_excel(path)
        return pd.read_csv(path)
    except FileNotFoundError:
        raise WsaEvalError(f"File not found: {path}") from None
    except Exception as exc:  # parser errors: say which file
        raise WsaEvalError(f"Could not read {path} as CSV: {exc}") from None


def _cmd_check(args: argparse.Namespace) -> int:
    from .panel import validate_panel

    data = _read_table(args.data)
    kw = {}
    if args.first_treated:
        kw["first_treated"] = args.first_treated
    if args.treated_unit:
        if args.start is None:
            raise WsaEvalError("--treated-unit needs --start (the first treated period).")
        kw["treated"] = args.treated_unit
        kw["start"] = args.start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = validate_panel(data, unit=args.unit, time=args.time, outcome=args.outcome,
                                balanced=not args.allow_unbalanced, raise_on_error=False, **kw)
    print(report.summary())
    if not report.ok:
        print("\nResult: the data fail the checks marked 'error' above. Fix them and run again.")
        return EXIT_ERROR
    if report.has_warnings:
        print("\nResult: the data pass, with warnings to read above.")
        return EXIT_WARN
    print("\nResult: the data pass every check.")
    return EXIT_OK


def _cmd_example(args: argparse.Namespace) -> int:
    from .casestudy import run_greater_manchester

    result = run_greater_manchester(out=args.out, reps=args.reps, random_state=args.seed,
                                    alpha=args.alpha, progress=not args.no_progress)
    print(result.headline_text())
    return EXIT_WARN if result.warnings else EXIT_OK


# ------------------------------------------------------------------------------------------
# init
# ------------------------------------------------------------------------------------------
def _cmd_init(args: argparse.Namespace) -> int:
    from .config import TEMPLATE

    path = Path(args.path)
    if path.is_dir():
        path = path / "wsa-eval.toml"
    if path.exists() and not args.force:
        raise WsaEvalError(f"{path} already exists. Choose another file name, or add --force "
                           "to overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE, encoding="utf-8")
    print(f"Wrote {path}. Edit it (data file, column names, design), then run:\n"
          f"  wsa-eval run {path} --out results")
    return EXIT_OK


# ------------------------------------------------------------------------------------------
# run: data checks with messages that say what to fix
# ------------------------------------------------------------------------------------------
def _suggest(word: str, options: Sequence[str]) -> str:
    import difflib

    opts = [str(o) for o in options]
    same = [o for o in opts if o.casefold() == str(word).casefold()]
    if same:
        return f" Did you mean {same[0]!r}? (names are case-sensitive)"
    close = difflib.get_close_matches(str(word), opts, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.exists():
        raise WsaEvalError(f"File not found: {path} ({what}). Check the path in the "
                           "configuration (relative paths start from the configuration's "
                           "folder).")
    df = _read_table(str(path))
    if df.shape[0] == 0:
        raise WsaEvalError(f"{path.name} has no rows.")
    return df


def _need_columns(df: pd.DataFrame, wanted: dict[str, str], file: Path, section: str) -> None:
    from .errors import ColumnError, format_examples

    for key, col in wanted.items():
        if col not in df.columns:
            raise ColumnError(
                f"Column {col!r} (key '{key}' in [{section}]) is not in {file.name}."
                f"{_suggest(col, list(map(str, df.columns)))} The file has the columns "
                f"{format_examples(list(map(str, df.columns)), 20)}. Fix the spelling in the "
                "configuration or in the CSV header (names are case-sensitive).")


def _where(df: pd.DataFrame, rows: Sequence[int], keys: Sequence[str]) -> list[str]:
    out = []
    for i in rows:
        vals = {k: df.at[i, k] for k in keys if k in df.columns}
        ident = ", ".join(f"{k}={(v.item() if hasattr(v, 'item') else v)!r}"
                          for k, v in vals.items())
        out.append(f"row {int(i) + 2}" + (f" ({ident})" if ident else ""))
    return out


def _need_numeric(df: pd.DataFrame, col: str, file: Path, keys: Sequence[str],
                  allow_missing: bool = False) -> pd.DataFrame:
    from .errors import DataFormatError, format_examples

    s = df[col]
    num = pd.to_numeric(s, errors="coerce")
    text = s.notna() & num.isna()
    if text.any():
        idx = list(df.index[text])
        vals = format_examples([str(v) for v in s[text]][:5], 5)
        raise DataFormatError(
            f"The column {col!r} in {file.name} must hold numbers, but has text ({vals}) at "
            f"{format_examples(_where(df, idx, keys), 5, quote=False)}. Replace the text with "
            "numbers (or remove those rows) and run again. Row numbers count the header as "
            "row 1.")
    if not allow_missing and num.isna().any():
        idx = list(df.index[num.isna()])
        raise DataFormatError(
            f"The column {col!r} in {file.name} has empty or missing cells (blank, NA or n/a) at "
            f"{format_examples(_where(df, idx, keys), 5, quote=False)}. Fill them in (or "
            "remove those rows) and run again.")
    if not pd.api.types.is_numeric_dtype(s):
        df = df.copy()
        df[col] = num
    return df


def _check_panel(df: pd.DataFrame, unit: str, time: str, outcome: str, file: Path
                 ) -> pd.DataFrame:
    from .errors import PanelError, format_examples

    df = _need_numeric(df, time, file, [unit])
    df = _need_numeric(df, outcome, file, [unit, time])
    if df[unit].isna().any():
        idx = list(df.index[df[unit].isna()])
        raise PanelError(f"The area column {unit!r} in {file.name} is empty at "
                         f"{format_examples(_where(df, idx, [time]), 5, quote=False)}.")
    dup = df.duplicated([unit, time], keep=False)
    if dup.any():
        first = df[dup].groupby([unit, time], sort=False).groups
        items = [f"({u!r}, {t}) at rows {', '.join(str(i + 2) for i in ix)}"
                 for (u, t), ix in list(first.items())[:5]]
        raise PanelError(
            f"{file.name} has more than one row for the same area and year: "
            f"{'; '.join(items)}. Keep exactly one row per area and year (remove the "
            "duplicates) and run again.")
    times = sorted(pd.unique(df[time]))
    have = df.groupby(unit)[time].apply(set)
    gaps = [(u, [t for t in times if t not in s]) for u, s in have.items()]
    gaps = [(u, m) for u, m in gaps if m]
    if gaps:
        u, m = gaps[0]
        fmt = (lambda t: str(int(t)) if float(t).is_integer() else str(t))  # noqa: E731
        more = f" ({len(gaps) - 1} other area(s) also have gaps)" if len(gaps) > 1 else ""
        raise PanelError(
            f"Area {u!r} has no row for {', '.join(fmt(t) for t in m[:5])} in {file.name}"
            f"{more}. Every area needs one row for every year from {fmt(times[0])} to "
            f"{fmt(times[-1])}: add the missing rows, or leave the area out with "
            "exclude = [...] in the configuration.")
    return df


def _check_area(name: str, units: Sequence[str], key: str, section: str, file: Path,
                unit: str) -> None:
    from .errors import PanelError

    if name not in set(units):
        raise PanelError(
            f"The area {name!r} (key '{key}' in [{section}]) is not in the {unit!r} column of "
            f"{file.name}.{_suggest(name, units)} Spell area names exactly as in the data.")


def _start_date_exclusions(cfg, units: Sequence[str], unit_col: str, data_file: Path,
                           treated: str, end: float) -> tuple[list[str], str | None]:
    """Areas of the start-date table with a scheme starting by ``end`` (not ``treated``)."""
    from .errors import PanelError

    if "start_dates" not in cfg:
        return [], None
    sd = cfg["start_dates"]
    file = cfg.path("start_dates")
    tab = _read_csv(file, "[start_dates] path")
    _need_columns(tab, {"unit": sd["unit"], "start": sd["start"]}, file, "start_dates")
    known = set(units)
    for i, name in zip(tab.index, tab[sd["unit"]]):
        if name not in known:
            raise PanelError(
                f"Area {name!r} in {file.name} (row {i + 2}) does not match any area in the "
                f"{unit_col!r} column of {data_file.name}.{_suggest(name, list(units))} Spell "
                "area names in the start-date table exactly as in the data.")
    year = pd.to_numeric(tab[sd["start"]].astype(str).str[:4], errors="coerce")
    keep = year.isna() | (year <= end)  # an undated scheme might predate the window
    out = sorted({str(a) for a, k in zip(tab[sd["unit"]], keep) if k and a != treated})
    note = (f"Left out of the comparison because the start-date table ({file.name}) lists a "
            f"scheme of their own starting by {end:g} or undated: "
            f"{', '.join(out) if out else 'none'}.")
    return out, note


# ------------------------------------------------------------------------------------------
# run: the designs
# ------------------------------------------------------------------------------------------
def _run_panel_design(design: str, cfg, df: pd.DataFrame, file: Path, progress):
    d, st, data = cfg[design], cfg["study"], cfg["data"]
    unit, time, outcome = data["unit"], data["time"], data["outcome"]
    units = sorted(map(str, pd.unique(df[unit])))
    included: list[str] = []
    if design == "staggered":
        from .did.staggered import callaway_santanna

        _need_columns(df, {"first_treated": d["first_treated"]}, file, "staggered")
        for c in d["covariates"]:
            _need_columns(df, {"covariates": c}, file, "staggered")
        df = _need_numeric(df, d["first_treated"], file, [unit, time], allow_missing=True)
        res = callaway_santanna(
            df, outcome=outcome, unit=unit, time=time, first_treated=d["first_treated"],
            control_group=d["control_group"], method=d["method"],
            anticipation=d["anticipation"], covariates=d["covariates"] or None,
            bootstrap=st["reps"] if d["bootstrap"] else False, alpha=st["alpha"],
            random_state=st["seed"], progress=progress)
        g = df.groupby(unit)[d["first_treated"]].first().fillna(0)
        included.append(f"{len(g)} areas: {int((g > 0).sum())} with a scheme, "
                        f"{int((g <= 0).sum())} never treated.")
        return [res], included
    _check_area(d["treated"], units, "treated", design, file, unit)
    for a in d["exclude"]:
        _check_area(a, units, "exclude", design, file, unit)
    end = d["end"] if design == "claim" else float(df[time].max())
    excl, note = _start_date_exclusions(cfg, units, unit, file, d["treated"], end)
    exclude = sorted(set(d["exclude"]) | set(excl))
    if note:
        included.append(note)
    if design == "claim":
        from .claims import check_claim

        res = check_claim(
            df, outcome=outcome, unit=unit, time=time, treated=d["treated"], start=d["start"],
            end=d["end"], claimed_change=d["claimed_change"], baseline=d["baseline"],
            exclude=exclude or None, methods=d["methods"], primary=d["primary"],
            scale=d["scale"], reps=st["reps"], alpha=st["alpha"], random_state=st["seed"],
            progress=progress)
    else:
        from .synth import did, sc, sdid

        res = {"sdid": sdid, "sc": sc, "did": did}[design](
            df, outcome=outcome, unit=unit, time=time, treated=d["treated"], start=d["start"],
            se=d["se"], reps=st["reps"], alpha=st["alpha"], random_state=st["seed"],
            progress=progress, exclude=exclude or None)
    included.insert(0, f"Treated area: {d['treated']} (from {d['start']}); "
                       f"{len(units) - 1 - len(exclude)} comparison areas.")
    return [res], included


def _run_reoffending(cfg, progress):
    from .errors import SpecificationError
    from .interpret import count_words
    from .survival.balance import balance, match, weight
    from .survival.jdl import reoffending_effects

    d, st = cfg["reoffending"], cfg["study"]
    thr = st["threshold"]
    file = cfg.path("reoffending")
    raw = _read_csv(file, "[reoffending] path")
    measures = {k: d[k] for k in ("reoffended", "n_reoffences", "time", "event")}
    _need_columns(raw, {"treatment": d["treatment"], **measures}, file, "reoffending")
    for c in d["covariates"]:
        _need_columns(raw, {"covariates": c}, file, "reoffending")
    for c in [d["treatment"], d["time"], d["event"], *d["covariates"]]:
        raw = _need_numeric(raw, c, file, [])
    for c in (d["reoffended"], d["n_reoffences"]):  # missing = follow-up incomplete
        raw = _need_numeric(raw, c, file, [], allow_missing=True)
    frame = pd.DataFrame({d["treatment"]: raw[d["treatment"]]})
    for c in d["covariates"]:
        frame[c] = raw[c]
    for std, col in measures.items():
        frame[std] = raw[col]
    bad = ~frame[d["treatment"]].isin([0, 1])
    if bad.any():
        raise SpecificationError(
            f"The treatment column {d['treatment']!r} in {file.name} must be 1 (received "
            f"support) or 0 (comparison), but row {int(frame.index[bad][0]) + 2} has "
            f"{frame[d['treatment']][bad].iloc[0]!r}.")
    if d["adjust"] != "none" and not d["covariates"]:
        raise SpecificationError(
            f"In section [reoffending], adjust = {d['adjust']!r} needs covariates = [...] "
            "(the columns to match or weight on), or set adjust = \"none\".")
    n1 = int((frame[d["treatment"]] == 1).sum())
    n0 = int((frame[d["treatment"]] == 0).sum())
    included = [f"Records read from {file.name}: {count_words(len(frame), thr)} people; "
                f"{count_words(n1, thr)} people received support and {count_words(n0, thr)} "
                "people were in the comparison pool."]
    adj = None
    if d["adjust"] == "match":
        adj = match(frame, treatment=d["treatment"], covariates=d["covariates"],
                    caliper=d["caliper"], ratio=d["ratio"], random_state=st["seed"])
        included.append(
            f"Matching: {count_words(adj.n_matched_treated, thr)} of the supported people "
            f"were matched ({count_words(adj.n_treated - adj.n_matched_treated, thr)} people "
            "without a close comparison person were left out).")
    elif d["adjust"] == "weight":
        adj = weight(frame, treatment=d["treatment"], covariates=d["covariates"])
        included.append(adj.interpret())
    eff = reoffending_effects(frame, treatment=d["treatment"], weights=adj,
                              population=d["population"], horizon=d["horizon"],
                              alpha=st["alpha"])
    included.append(
        f"Analysed for the one-year measures (complete follow-up"
        f"{', weight above zero' if adj is not None else ''}): "
        f"{count_words(eff.n_treated or 0, thr)} supported people and "
        f"{count_words(eff.n_comparison or 0, thr)} comparison people; the Kaplan-Meier "
        "measures also use people whose follow-up was cut short.")
    out = [eff]
    if d["covariates"]:
        out.append(balance(frame, treatment=d["treatment"], covariates=d["covariates"],
                           weights=adj))
    return out, included


def _headline(design: str, r) -> str:
    from .interpret import fmt_number, verdict

    if hasattr(r, "headline_text"):
        return f"[{design}] {r.headline_text()}"
    level = f"{100 * (1 - r.alpha):.0f}%"
    v = verdict(r.estimate, r.ci_low, r.ci_high, r.p_value, r.alpha)
    return (f"[{design}] {r.method}: {v}. Estimate {fmt_number(r.estimate)} "
            f"({level} CI {fmt_number(r.ci_low)} to {fmt_number(r.ci_high)}; "
            f"p = {fmt_number(r.p_value)}).")


def _versions() -> dict:
    import platform

    import numpy
    import scipy

    return {"wsa_eval": __version__, "python": platform.python_version(),
            "numpy": numpy.__version__, "pandas": pd.__version__, "scipy": scipy.__version__}


def _cmd_run(args: argparse.Namespace) -> int:
    import os
    import shutil
    import tempfile

    from .config import PANEL_DESIGNS, load_config
    from .errors import WsaEvalWarning

    cfg = load_config(args.config, overrides={"seed": args.seed, "reps": args.reps,
                                              "alpha": args.alpha})
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not args.force:
        raise WsaEvalError(f"The output folder {out} already exists and is not empty. Choose "
                           "another --out, or add --force to replace it.")
    progress = False if args.no_progress else None
    st = cfg["study"]
    results, designs_of, included = [], [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WsaEvalWarning)
        panel = None
        for design in cfg.designs:
            if design in PANEL_DESIGNS:
                if panel is None:
                    file = cfg.path("data")
                    dc = cfg["data"]
                    panel = _read_csv(file, "[data] path")
                    _need_columns(panel, {k: dc[k] for k in ("unit", "time", "outcome")},
                                  file, "data")
                    panel = _check_panel(panel, dc["unit"], dc["time"], dc["outcome"], file)
                res, inc = _run_panel_design(design, cfg, panel, file, progress)
            else:
                res, inc = _run_reoffending(cfg, progress)
            results += res
            designs_of += [design] * len(res)
            included += inc
    from .disclosure import Policy, scrub_free_text
    from .reporting import build, write

    thr = cfg["study"]["threshold"]
    policy = Policy(thr)
    warn_msgs = list(dict.fromkeys(scrub_free_text(m, policy) for m in (
        [str(w.message) for w in caught if issubclass(w.category, WsaEvalWarning)]
        + [w for r in results for w in getattr(r, "warnings", ())])))

    import matplotlib

    matplotlib.use("Agg")

    outcome = cfg["data"]["outcome"].replace("_", " ") if "data" in cfg else None
    header = {"Area": st["area"] or "-", "Data": st["data_source"] or "user data",
              "Configuration": Path(args.config).name, "Seed": st["seed"],
              "Repetitions": st["reps"]}
    if "data" in cfg:
        header["Data file"] = cfg.path("data").name
    safe = build(results, title=st["title"], scheme=st["scheme"],
                 outcome_label=None if cfg.designs[0] == "reoffending" else outcome,
                 header=header, included=included, threshold=thr)
    parent = out.resolve().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-",
                                dir=parent if parent.exists() else None))
    try:
        entries = [dict(e, design=d) for e, d in zip(safe.results, designs_of)]
        write(safe, tmp, extra={
            "results": entries,
            "warnings": warn_msgs,
            "config": {k: dict(v) for k, v in cfg.sections.items()},
            "versions": _versions(),
            "exit_code": EXIT_WARN if warn_msgs else EXIT_OK})
        parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.replace(out, old / out.name)
            shutil.move(str(tmp), str(out))
            shutil.rmtree(old, ignore_errors=True)
        else:
            shutil.move(str(tmp), str(out))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for d, r in zip(designs_of, results):
        if hasattr(r, "estimate") or hasattr(r, "primary_row"):
            print(_headline(d, r))
    for w in warn_msgs:
        print(f"Warning: {w}")
    print(f"Report written to {out / 'report.html'} (and report.md, results.json, tables/, "
          "figures/).")
    return EXIT_WARN if warn_msgs else EXIT_OK


def _add_common(p: argparse.ArgumentParser, defaults: bool) -> None:
    p.add_argument("--seed", type=int, default=2014 if defaults else None,
                   help="random seed; the same seed gives the same numbers"
                        + (" (default 2014)" if defaults else " (overrides [study] seed)"))
    p.add_argument("--reps", type=int, default=200 if defaults else None,
                   help="placebo / bootstrap repetitions (more = slower, steadier)"
                        + (" (default 200, as check_claim)" if defaults else "")
                        + ("" if defaults else "; overrides [study] reps"))
    p.add_argument("--alpha", type=float, default=0.05 if defaults else None,
                   help="1 - confidence level: 0.05 gives 95%% intervals"
                        + ("" if defaults else "; overrides [study] alpha"))
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wsa-eval",
        description="Evaluate a Whole System Approach or diversion scheme for women from a CSV "
                    "of areas by year. Exit codes: 0 ok, 1 warnings, 2 errors.",
    )
    p.add_argument("--version", action="version", version=f"wsa_eval {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="check a data file before analysis",
                       description="Check a CSV of areas by period: duplicates, missing or "
                                   "non-numeric values, missing years, treatment timing.")
    c.add_argument("data", help="CSV file, one row per area and period")
    c.add_argument("--unit", required=True, help="column naming the area (e.g. pfa)")
    c.add_argument("--time", required=True, help="column with the period (e.g. year)")
    c.add_argument("--outcome", required=True, help="column with the outcome to evaluate")
    c.add_argument("--first-treated", help="column with each area's first treated year "
                                           "(0 or empty = never treated)")
    c.add_argument("--treated-unit", help="name of the treated area (with --start)")
    c.add_argument("--start", type=float, help="first treated period of --treated-unit")
    c.add_argument("--allow-unbalanced", action="store_true",
                   help="accept areas missing some periods (reported as a warning)")
    c.set_defaults(func=_cmd_check)

    i = sub.add_parser(
        "init", help="write a commented configuration template",
        description="Write a configuration template (TOML) with every design explained in "
                    "comments. Edit it, then run `wsa-eval run FILE --out DIR`. An existing "
                    "file is never overwritten unless you add --force.")
    i.add_argument("path", nargs="?", default="wsa-eval.toml",
                   help="file to write (default wsa-eval.toml; a folder gets wsa-eval.toml)")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.set_defaults(func=_cmd_init)

    r = sub.add_parser(
        "run", help="run an evaluation from a configuration file and write the report",
        description="Check the configuration and the data, run the designs it names, and "
                    "write report.html (one file, figures inside), report.md, results.json, "
                    "tables/*.csv and figures/*.png into --out. Prints the headline. Nothing "
                    "is written if anything fails. Exit codes: 0 ok, 1 finished with "
                    "warnings (read them), 2 error (the message says what to fix).",
        epilog="Start from a template: wsa-eval init my-study.toml")
    r.add_argument("config", help="configuration file (TOML), e.g. from `wsa-eval init`")
    r.add_argument("--out", required=True, help="folder for the report (must be new or "
                                                "empty unless --force)")
    r.add_argument("--force", action="store_true",
                   help="replace the --out folder if it already has files")
    _add_common(r, defaults=False)
    r.set_defaults(func=_cmd_run)

    e = sub.add_parser("example", help="run a worked example",
                       description="Reproduce a worked example with the data shipped in "
                                   "wsa_eval.")
    e.add_argument("name", choices=["gm"], help="gm: the Greater Manchester custody claim")
    e.add_argument("--out", default="gm_report", help="folder for the report (default gm_report)")
    _add_common(e, defaults=True)
    e.set_defaults(func=_cmd_example)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WsaEvalError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug, not the user's input: still exit 2, no traceback wall
        import os
        import traceback

        if os.environ.get("WSA_EVAL_DEBUG"):
            traceback.print_exc()
        print(f"Error: unexpected {type(exc).__name__}: {exc}. This is probably a bug in "
              "wsa_eval: please report it with the command you ran (set WSA_EVAL_DEBUG=1 "
              "to see the details).", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
