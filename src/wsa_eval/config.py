"""TOML configuration for ``wsa-eval run``: the template, loading and validation.

A configuration names the data (``[data]``: CSV path and the unit / time / outcome columns),
optional settings (``[study]``), an optional table of scheme start dates (``[start_dates]``,
whose areas are left out of the comparison group) and one or more designs, each in its own
section:

* ``[claim]``: :func:`wsa_eval.claims.check_claim` (a claimed change against comparison areas);
* ``[sdid]``, ``[sc]``, ``[did]``: the synthetic difference-in-differences family
  (:mod:`wsa_eval.synth.sdid`);
* ``[staggered]``: Callaway & Sant'Anna (2021) with a first-treated column
  (:mod:`wsa_eval.did.staggered`);
* ``[reoffending]``: an individual-level CSV of a cohort with a treatment flag and
  covariates, matched or weighted (:mod:`wsa_eval.survival.balance`) and compared on the
  Justice Data Lab's proven-reoffending measures (:mod:`wsa_eval.survival.jdl`).

Every mistake (a misspelt or unknown key, a missing key, a value of the wrong type or not
among the allowed values) raises :class:`~wsa_eval.errors.SpecificationError` naming the key
and the section. ``tomllib`` is used on Python 3.11+, ``tomli`` on 3.10 when installed.
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SpecificationError

__all__ = ["load_config", "parse_config", "TEMPLATE", "SCHEMA", "DESIGNS", "Config"]

#: design sections, in the order they are described
DESIGNS: tuple[str, ...] = ("claim", "sdid", "sc", "did", "staggered", "reoffending")
PANEL_DESIGNS = ("claim", "sdid", "sc", "did", "staggered")

# key -> (type, required, default, allowed values or None, help)
_K = tuple
SCHEMA: dict[str, dict[str, _K]] = {
    "study": {
        "title": ("str", False, None, None, "report title"),
        "area": ("str", False, None, None, "the funded area, for the report header"),
        "scheme": ("str", False, "the scheme", None, "the scheme in words"),
        "data_source": ("str", False, "", None, "where the data come from, with edition"),
        "seed": ("int", False, 2024, None, "random seed"),
        "reps": ("int", False, 200, None, "placebo / bootstrap repetitions"),
        "alpha": ("number", False, 0.05, None, "1 - confidence level"),
        "threshold": ("int", False, 5, None, "counts of individuals below this are hidden"),
    },
    "data": {
        "path": ("str", True, None, None, "CSV file, one row per area and period"),
        "unit": ("str", True, None, None, "column naming the area"),
        "time": ("str", True, None, None, "column with the period (year)"),
        "outcome": ("str", True, None, None, "column with the outcome"),
        "outcome_is_count": ("bool", False, None, None,
                             "true: the outcome counts people; false: it does not; "
                             "leave out to infer it (whole numbers = a count)"),
    },
    "start_dates": {
        "path": ("str", True, None, None, "CSV of scheme start dates by area"),
        "unit": ("str", True, None, None, "column naming the area in that table"),
        "start": ("str", True, None, None, "column with the year each scheme started"),
    },
    "claim": {
        "treated": ("str", True, None, None, "the area making the claim"),
        "start": ("period", True, None, None, "first year the scheme could have an effect"),
        "end": ("period", True, None, None, "last year of the claim"),
        "claimed_change": ("number", True, None, None, "-60 or -0.6 for a 60% fall"),
        "baseline": ("period", False, None, None, "year the claim measures from"),
        "exclude": ("list[str]", False, [], None, "areas to leave out of the comparison"),
        # defaults = check_claim's, chosen from the size/power study (validation/RESULTS.md)
        "methods": ("list[str]", False, ["sdid", "sc", "did"], ("sdid", "sc", "did"),
                    "estimators"),
        "primary": ("str", False, "sdid", ("sdid", "sc", "did"), "method for the verdict"),
        "scale": ("str", False, "log", ("log", "level"), "log: effects as % changes"),
    },
    "staggered": {
        "first_treated": ("str", True, None, None, "column: first treated year, 0 = never"),
        "control_group": ("str", False, "never_treated", ("never_treated", "not_yet_treated"),
                          "comparison units"),
        "method": ("str", False, "dr", ("dr", "ipw", "reg"), "covariate adjustment"),
        "anticipation": ("int", False, 0, None, "periods of anticipation"),
        "covariates": ("list[str]", False, [], None, "covariate columns"),
        "bootstrap": ("bool", False, False, None, "multiplier bootstrap with `reps` draws"),
    },
    "reoffending": {
        "path": ("str", True, None, None, "CSV, one row per person"),
        "treatment": ("str", True, None, None, "column: 1 = received the service, 0 = not"),
        "covariates": ("list[str]", False, [], None, "columns for matching / weighting"),
        "adjust": ("str", False, "match", ("match", "weight", "none"), "comparison method"),
        "caliper": ("number", False, 0.2, None, "matching caliper (SD of logit score)"),
        "ratio": ("int", False, 1, None, "comparison people per treated person"),
        "reoffended": ("str", False, "reoffended", None, "column: 0/1 reoffended in a year"),
        "n_reoffences": ("str", False, "n_reoffences", None, "column: proven reoffences"),
        "time": ("str", False, "time", None, "column: days to reoffence or censoring"),
        "event": ("str", False, "event", None, "column: 1 = reoffended, 0 = censored"),
        "horizon": ("number", False, 365, None, "follow-up in days"),
        "population": ("str", False, "people", None, "who the sentences talk about"),
    },
}
for _d in ("sdid", "sc", "did"):
    SCHEMA[_d] = {
        "treated": ("str", True, None, None, "the treated area"),
        "start": ("period", True, None, None, "first treated year"),
        "exclude": ("list[str]", False, [], None, "areas to leave out of the comparison"),
        "inference": ("str", False, None, ("placebo", "bootstrap", "jackknife"),
                      "how uncertainty is measured (default placebo)"),
        "se": ("str", False, "placebo", ("placebo", "bootstrap", "jackknife"),
               "old name of `inference`"),
    }

_MODULES = {"claim": "wsa_eval.synth.sdid", "sdid": "wsa_eval.synth.sdid",
            "sc": "wsa_eval.synth.sdid", "did": "wsa_eval.synth.sdid",
            "staggered": "wsa_eval.did.staggered", "reoffending": "wsa_eval.survival.jdl"}

_TYPE_WORDS = {"str": "text in quotes (e.g. \"pfa\")", "int": "a whole number (e.g. 2014)",
               "number": "a number (e.g. 0.05)", "bool": "true or false",
               "period": "a period: a year such as 2014, or as the data spell it in quotes "
                         "(e.g. \"2015/16\", \"2019 Q1\", \"2019-03\")",
               "list[str]": "a list of text values (e.g. [\"Area A\", \"Area B\"])"}


def _available(design: str) -> bool:
    try:
        return importlib.util.find_spec(_MODULES[design]) is not None
    except ModuleNotFoundError:  # pragma: no cover - parent package missing
        return False


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        try:
            import tomli as tomllib
        except ImportError:
            raise SpecificationError(
                "Reading a TOML configuration on Python 3.10 needs the 'tomli' package: "
                "pip install tomli (Python 3.11 and later include it)."
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecificationError(f"The configuration is not valid TOML: {exc}. Check quotes "
                                 "around text, and [section] headers.") from None


def _suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _check_type(section: str, key: str, value: Any, kind: str) -> Any:
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "period": isinstance(value, (int, float, str)) and not isinstance(value, bool),
        "list[str]": isinstance(value, list) and all(isinstance(v, str) for v in value),
    }[kind]
    if not ok:
        raise SpecificationError(
            f"In section [{section}], key '{key}' must be {_TYPE_WORDS[kind]}, not {value!r}.")
    return float(value) if kind == "number" else value


@dataclass(frozen=True)
class Config:
    """A validated configuration: ``sections`` (with defaults filled in), ``designs`` in
    the order they appear, and ``base`` (the folder relative paths are read from)."""

    sections: Mapping[str, Mapping[str, Any]]
    designs: tuple[str, ...]
    base: Path

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        return self.sections[name]

    def __contains__(self, name: object) -> bool:
        return name in self.sections

    def path(self, section: str) -> Path:
        """The ``path`` of a section, resolved against the configuration's folder."""
        p = Path(self.sections[section]["path"]).expanduser()
        return p if p.is_absolute() else self.base / p


def parse_config(raw: Mapping[str, Any], base: str | Path = ".") -> Config:
    """Validate a parsed TOML mapping; fill in defaults. Raises SpecificationError."""
    sections: dict[str, dict[str, Any]] = {}
    raw = {"study": {}, **raw}  # [study] is optional: its defaults always apply
    for name, body in raw.items():
        if name not in SCHEMA:
            raise SpecificationError(
                f"Unknown section [{name}] in the configuration.{_suggest(name, SCHEMA)} "
                f"Sections are: {', '.join(f'[{s}]' for s in SCHEMA)}.")
        if not isinstance(body, Mapping):
            raise SpecificationError(f"'{name}' must be a [section] with keys under it.")
        schema = SCHEMA[name]
        out: dict[str, Any] = {}
        for key, value in body.items():
            if key not in schema:
                elsewhere = [s for s in SCHEMA if key in SCHEMA[s] and s != name]
                hint = (f" '{key}' belongs in section [{elsewhere[0]}]." if elsewhere
                        else _suggest(key, schema))
                raise SpecificationError(
                    f"Unknown key '{key}' in section [{name}].{hint} Keys allowed there: "
                    f"{', '.join(schema)}.")
            kind, _, _, allowed, _ = schema[key]
            value = _check_type(name, key, value, kind)
            vals = value if isinstance(value, list) else [value]
            if allowed is not None and any(v not in allowed for v in vals):
                bad = next(v for v in vals if v not in allowed)
                raise SpecificationError(
                    f"In section [{name}], key '{key}' = {bad!r} is not allowed."
                    f"{_suggest(bad, allowed)} Choose from: {', '.join(map(repr, allowed))}.")
            out[key] = value
        for key, (_, required, default, _, helptext) in schema.items():
            if key not in out:
                if required:
                    raise SpecificationError(
                        f"Section [{name}] is missing the key '{key}' ({helptext}). Add a line "
                        f"such as: {key} = ...")
                out[key] = list(default) if isinstance(default, list) else default
        sections[name] = out
    designs = tuple(s for s in raw if s in DESIGNS)
    if not designs:
        raise SpecificationError(
            "The configuration has no design to run: add one of the sections "
            f"{', '.join(f'[{d}]' for d in DESIGNS)} (see `wsa-eval init`).")
    for d in designs:
        if not _available(d):
            raise SpecificationError(
                f"The design [{d}] is not available in this version of wsa_eval "
                f"({_MODULES[d]} is not installed). Remove the section or update wsa_eval.")
        if d in PANEL_DESIGNS and "data" not in sections:
            raise SpecificationError(f"The design [{d}] needs a [data] section (the CSV of "
                                     "areas by year and its unit / time / outcome columns).")
    if "start_dates" in sections and not set(designs) & {"claim", "sdid", "sc", "did"}:
        raise SpecificationError(
            "The [start_dates] section is used only by the [claim], [sdid], [sc] and [did] "
            "designs (to leave areas with schemes of their own out of the comparison); "
            "remove it, or add one of those designs.")
    st = sections["study"]
    if not 0 < st["alpha"] < 1:
        raise SpecificationError(f"In section [study], key 'alpha' must be between 0 and 1 "
                                 f"(e.g. 0.05), not {st['alpha']!r}.")
    if st["reps"] < 1:
        raise SpecificationError("In section [study], key 'reps' must be at least 1.")
    if st["threshold"] < 1:
        raise SpecificationError("In section [study], key 'threshold' must be at least 1.")
    if "claim" in sections and sections["claim"]["primary"] not in sections["claim"]["methods"]:
        raise SpecificationError("In section [claim], 'primary' must be one of 'methods'.")
    return Config(sections=sections, designs=designs, base=Path(base))


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read and validate a TOML configuration; ``overrides`` replace keys of ``[study]``
    (the command line's ``--seed``, ``--reps``, ``--alpha``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecificationError(f"Configuration file not found: {path}. Create one with "
                                 "`wsa-eval init`.") from None
    raw = _toml_loads(text)
    if overrides:
        raw = dict(raw)
        study = dict(raw.get("study", {}))
        study.update({k: v for k, v in overrides.items() if v is not None})
        raw["study"] = study
    return parse_config(raw, base=path.resolve().parent)


TEMPLATE = '''\
# wsa-eval configuration. Run it with:   wsa-eval run THIS_FILE.toml --out results
# Lines starting with # are comments. Text goes in "quotes"; years are plain numbers.
# Paths are relative to the folder this file is in.

[study]
title = "Did the Whole System Approach change women's custody in Our Area?"
area = "Our Area"                      # for the report header
scheme = "the Whole System Approach"   # how the report names the scheme
data_source = "MoJ Criminal Justice System statistics, December 2022 edition"
seed = 2024          # random seed: the same seed gives the same numbers
reps = 200           # placebo / bootstrap repetitions (more = slower, steadier)
alpha = 0.05         # 0.05 gives 95% confidence intervals
threshold = 5        # counts of individuals below this are shown as "<5"

# The data: one row per area and year.
[data]
path = "panel.csv"
unit = "pfa"                   # column naming the area
time = "year"                  # column with the year
outcome = "immediate_custody"  # column with the outcome (a count or rate)
# outcome_is_count = true      # true if the outcome counts people (small counts are hidden
                               # in reports), false if not; leave out to infer it (a column
                               # of whole numbers is read as a count)
# Periods may be years (2014), financial years ("2015/16" = 2015), quarters ("2019 Q1") or
# months ("2019-03"); `wsa-eval check` states how they are numbered.

# Optional: a table of scheme start dates. Areas listed here that started a scheme of
# their own before the end of the study are left out of the comparison group.
# Area names must be spelt exactly as in the data.
# [start_dates]
# path = "start_dates.csv"
# unit = "pfa"          # column naming the area
# start = "start_year"  # column with the year the scheme started

# ---------------------------------------------------------------------------------------
# Designs: keep the sections you want (one or more) and delete or comment out the rest.
# ---------------------------------------------------------------------------------------

# Check a claim such as "a 60% fall since 2014" against what comparison areas saw.
[claim]
treated = "Our Area"       # must match the data's area names exactly
start = 2014               # first year the scheme could have an effect
end = 2020                 # last year of the claim
claimed_change = -60       # -60 (or -0.6) means "a 60% fall"
# baseline = 2014          # year the claim measures from (default: start)
# exclude = ["Area X"]     # areas to leave out of the comparison
# methods = ["sdid", "sc", "did"]
# primary = "sdid"         # the method the verdict is read from
# scale = "log"            # "log": effects as % changes; "level": in outcome units

# Synthetic difference-in-differences ([sdid]), synthetic control ([sc]) or
# difference-in-differences ([did]) for one treated area; the same keys for each.
# [sdid]
# treated = "Our Area"
# start = 2014
# exclude = []
# inference = "placebo"    # placebo (one treated area), bootstrap or jackknife
#                           (configurations written before 0.2 say se = "placebo": still read)

# Several areas starting in different years (Callaway & Sant'Anna 2021).
# [staggered]
# first_treated = "first_treated"   # column: first year of the scheme; 0 = never
# control_group = "never_treated"   # or "not_yet_treated"
# method = "dr"                     # "dr", "ipw" or "reg" (matters with covariates)
# anticipation = 0
# covariates = []
# bootstrap = false                 # true: multiplier bootstrap with `reps` draws

# Reoffending of the women supported against a matched comparison group
# (one row per person; Justice Data Lab measures).
# [reoffending]
# path = "cohort.csv"
# treatment = "supported"           # column: 1 = received support, 0 = comparison
# covariates = ["age", "previous_offences"]
# adjust = "match"                  # "match", "weight" or "none"
# caliper = 0.2
# ratio = 1
# reoffended = "reoffended"         # column: 1 = proven reoffence within a year
# n_reoffences = "n_reoffences"     # column: number of proven reoffences
# time = "time"                     # column: days to first reoffence or end of follow-up
# event = "event"                   # column: 1 = reoffended, 0 = follow-up ended
# horizon = 365
# population = "women"
'''
