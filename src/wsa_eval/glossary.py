"""The words wsa_eval uses, once, for every family (difference-in-differences, synthetic
control, survival, inference, the claim check).

An argument with a name below means the same thing in every function that takes it; learn
one family and you can guess the next. Old spellings keep working for one release and
raise a ``FutureWarning`` naming the new one (:data:`DEPRECATED`).

Panel structure
---------------
data
    A pandas DataFrame in long form (one row per unit and period, or per person). It is
    never modified.
outcome, unit, time
    Column names: the outcome, the unit identifier (an area, e.g. ``"pfa"``), the period.
treated
    **Unit label(s)**: the area (``"Greater Manchester"``) or a list of areas that received
    the scheme. Never a column name.
treatment
    **The name of a 0/1 column**: 1 in the unit-periods (or for the people) that received
    the scheme, 0 otherwise.
first_treated
    The name of a column giving each unit's first treated period (0, NaN or infinity for
    units never treated): the way to describe staggered adoption.
start
    The first treated period of the units named in ``treated``.
end, baseline
    The last period of a claim and the period its change is measured from.
exclude, donors
    Units to leave out of the comparison pool, or the only units allowed in it.
covariates, weights, cluster
    Column names: control variables, analytic/case weights, cluster identifier.
control_group
    Which units serve as comparisons in staggered designs: ``"never_treated"``,
    ``"not_yet_treated"`` or ``"last_cohort"``.
anticipation
    Number of periods before ``start`` in which the scheme may already have acted.

Inference and randomness
------------------------
inference
    How uncertainty is measured, in words a paper would use: ``"analytic"``,
    ``"bootstrap"``, ``"placebo"``, ``"jackknife"``, ``"permutation"``, ``"robust"``,
    ``"model"``... Each function lists the values it accepts.
reps
    The number of replications, draws or permutations of any resampling method.
alpha
    One minus the confidence level of every interval (default 0.05).
random_state
    ``None`` (default everywhere), an int seed or a ``numpy.random.Generator``. The global
    numpy seed is never used. Every result records the seed actually used in
    ``result.spec["seed"]`` (a seed is drawn and recorded when none is given), so any run
    can be repeated exactly.
progress
    ``None`` shows a progress bar on long loops only when the output is a terminal;
    ``True``/``False`` force it on or off.
n_jobs
    Worker processes for loops that can run in parallel (default: one, serial).

Survival data (one row per person or spell)
-------------------------------------------
duration, event, entry
    Columns: follow-up time, event indicator (1 event, 0 censored; competing-risk codes
    where documented), and delayed-entry time.
group, strata
    Columns defining the groups compared, and strata within which comparisons are made.
conf_type
    Transformation for pointwise confidence intervals of curves: ``"log-log"`` (default),
    ``"log"`` or ``"plain"``.

Result columns
--------------
Tidy tables (``to_frame()``) use the same column names for the same quantity in every
family: ``term, estimate, std_error, statistic, p_value, ci_low, ci_high`` for effects, and
``time``, ``group``, ``n_at_risk``, ``n_events``, ``n_censored``, ``n_entered`` for
survival tables.

Examples
--------
The vocabulary is also available as data, e.g. to check a signature or to translate an old
argument name:

>>> from wsa_eval.glossary import ARGUMENTS, DEPRECATED, RESULT_COLUMNS
>>> {"treated", "treatment", "first_treated", "start", "reps"} <= ARGUMENTS
True
>>> DEPRECATED["treated_units"], DEPRECATED["n_permutations"]
('treated', 'reps')
>>> RESULT_COLUMNS["n_at_risk"]  # names a tidy table must not use for this quantity
('n_risk', 'at_risk', 'nrisk')
"""

from __future__ import annotations

__all__ = ["ARGUMENTS", "DEPRECATED", "RESULT_COLUMNS"]

#: every argument name of the shared vocabulary (see the module docstring)
ARGUMENTS: frozenset[str] = frozenset({
    "data", "outcome", "unit", "time", "treated", "treatment", "first_treated", "start",
    "end", "baseline", "exclude", "donors", "covariates", "weights", "cluster",
    "control_group", "anticipation", "inference", "reps", "alpha", "random_state",
    "progress", "n_jobs", "duration", "event", "entry", "group", "strata", "conf_type",
})

#: old argument name -> new name (accepted for one release with a FutureWarning)
DEPRECATED: dict[str, str] = {
    "treated_units": "treated",
    "treat": "treatment",
    "control": "control_group",
    "se": "inference",
    "robust": "inference",
    "bootstrap": "inference",
    "max_draws": "reps",
    "n_permutations": "reps",
    "sims": "reps",
}

#: canonical result column names and synonyms that must not appear in any tidy table
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "std_error": ("se", "std_err", "stderr"),
    "p_value": ("pvalue", "p", "pval"),
    "ci_low": ("lower", "ci_lower", "lo", "conf_low"),
    "ci_high": ("upper", "ci_upper", "hi", "conf_high"),
    "n_at_risk": ("n_risk", "at_risk", "nrisk"),
    "n_events": ("n_event", "events", "nevent"),
    "n_censored": ("n_censor", "censored", "ncensor"),
    "n_entered": ("n_entry", "entered"),
}
