"""Disclosure control for every result type that can enter a report (issue 10 section 1).

Each result is computed on a tiny cohort (or panel) in which every count of people is
between 1 and 4, then put through the report: no declared count of people below 5 may be
shown in any table, figure's data or output file (HTML, Markdown, CSV, JSON), and each
result type must declare the counts it holds (``EXPECTED``), so the check cannot pass
vacuously. ``NOT_DECLARED_YET`` lists result types whose families have not declared their
counts yet (strict xfail: remove an entry once it passes).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import wsa_eval as we
from wsa_eval.reporting import build, write

THRESHOLD = 5


def tiny_cohort(n: int = 30, seed: int = 3) -> pd.DataFrame:
    """30 people in two groups (4 of them supported, ``z``); events at distinct times so each
    at-risk step is 1."""
    rng = np.random.default_rng(seed)
    g = np.r_[np.zeros(12, int), np.ones(18, int)]
    t = rng.permutation(np.arange(1, n + 1)) * 10.0
    ev = (rng.uniform(size=n) < 0.5).astype(int)
    ev2 = np.where(ev == 1, 1 + (rng.uniform(size=n) < 0.3), 0)
    return pd.DataFrame({"time": t, "event": ev, "cause": ev2, "group": g,
                         "z": np.r_[np.ones(4, int), np.zeros(n - 4, int)],
                         "x": rng.normal(size=n), "age": rng.normal(30, 5, n).round(1),
                         "reoffended": ev, "n_reoffences": ev * (1 + rng.poisson(1, n))})


def tiny_panel() -> pd.DataFrame:
    """12 areas x 2012-2020; the treated area's counts are 1-4 after 2016."""
    rng = np.random.default_rng(4)
    rows = []
    for i in range(12):
        base = 9 if i == 0 else rng.uniform(20, 80)
        for k, y in enumerate(range(2012, 2021)):
            v = [9, 8, 7, 8, 4, 3, 2, 1, 3][k] if i == 0 else round(base * (1 - 0.03 * k))
            rows.append({"area": f"A{i:02d}", "year": y, "count": float(v)})
    return pd.DataFrame(rows)


def r_claim():
    return we.check_claim(tiny_panel(), outcome="count", unit="area", time="year",
                          treated="A00", start=2016, end=2020, claimed_change=-0.6,
                          methods=("sdid",), progress=False)


def r_sdid():
    from wsa_eval.synth import sdid

    return sdid(tiny_panel(), outcome="count", unit="area", time="year", treated="A00",
                start=2016, reps=20, random_state=1)


def r_adh():
    from wsa_eval.synth import synthetic_control

    return synthetic_control(tiny_panel(), outcome="count", unit="area", time="year",
                             treated="A00", start=2016, random_state=1)


def r_km():
    from wsa_eval.survival import kaplan_meier

    return kaplan_meier(tiny_cohort(), duration="time", event="event", group="group")


def r_logrank():
    from wsa_eval.survival import logrank

    return logrank(tiny_cohort(), duration="time", event="event", group="z")


def r_cif():
    from wsa_eval.survival import cumulative_incidence

    return cumulative_incidence(tiny_cohort(), duration="time", event="cause", group="group")


def r_reoffending():
    from wsa_eval.survival import reoffending_effects

    return reoffending_effects(tiny_cohort(), treatment="z", population="women")


def r_cox():
    from wsa_eval.survival import cox

    return cox(tiny_cohort(), duration="time", event="event", covariates=["x"],
               treatment="z")


def r_rmst():
    from wsa_eval.survival import rmst

    d = tiny_cohort()
    tau = float(d.groupby("z")["time"].max().min())
    return rmst(d, duration="time", event="event", tau=tau, group="z")


def r_gray():
    from wsa_eval.survival import gray_test

    return gray_test(tiny_cohort(), duration="time", event="cause", group="group")


def r_fine_gray():
    from wsa_eval.survival import fine_gray

    return fine_gray(tiny_cohort(), duration="time", event="cause", covariates=["x"])


def r_propensity():
    from wsa_eval.survival import propensity

    return propensity(tiny_cohort(), treatment="z", covariates=["x"])


def r_match():
    from wsa_eval.survival import match

    return match(tiny_cohort(), treatment="z", covariates=["x"], random_state=1)


def r_weight():
    from wsa_eval.survival import weight

    return weight(tiny_cohort(), treatment="z", covariates=["x"])


def r_balance():
    from wsa_eval.survival import balance, match

    d = tiny_cohort()
    return balance(d, treatment="z", covariates=["x", "age"],
                   matched=match(d, treatment="z", covariates=["x"], random_state=1))


def r_proven():
    """30 people; 3 reoffenders (5 proven reoffences); 4 people with follow-up cut short."""
    from wsa_eval.survival import proven_reoffending

    start = pd.Timestamp("2019-01-01")
    days = np.r_[np.arange(26) * 7, 700 + np.arange(4) * 5]
    idx = pd.DataFrame({"person_id": range(30),
                        "index_date": start + pd.to_timedelta(days, "D")})
    off = pd.DataFrame({"person_id": [1, 1, 5, 9, 9],
                        "offence_date": start + pd.to_timedelta([40, 90, 60, 120, 200], "D"),
                        "proven_date": start + pd.to_timedelta([50, 100, 90, 150, 260], "D")})
    return proven_reoffending(idx, off, data_end="2021-06-30")


def r_ppml():
    from wsa_eval.did import ppml

    return ppml(tiny_panel(), outcome="count", unit="area", time="year", treated="A00",
                start=2016)


RESULTS = {"PPMLResult": r_ppml, "ClaimResult": r_claim, "SDIDResult": r_sdid,
           "SyntheticControlResult": r_adh,
           "KaplanMeierResult": r_km, "LogRankResult": r_logrank,
           "CumulativeIncidenceResult": r_cif, "ReoffendingEffectsResult": r_reoffending,
           "CoxResult": r_cox, "RMSTResult": r_rmst, "GrayTestResult": r_gray,
           "FineGrayResult": r_fine_gray, "PropensityResult": r_propensity,
           "MatchResult": r_match, "WeightResult": r_weight, "BalanceResult": r_balance,
           "ProvenReoffendingResult": r_proven}

#: declared count columns each result type must have (in some table of its report)
EXPECTED = {"PPMLResult": {"observed"}, "ClaimResult": {"actual"}, "SDIDResult": {"treated"},
            "SyntheticControlResult": {"treated"},
            "KaplanMeierResult": {"n_at_risk", "n_events", "n_censored", "n"},
            "LogRankResult": {"n", "observed"},
            "CumulativeIncidenceResult": {"n_at_risk", "n_events"},
            "ReoffendingEffectsResult": {"n_treated", "n_comparison"},
            "CoxResult": {"n", "n_events"},
            "RMSTResult": {"n", "n_events", "n_at_risk"},
            "GrayTestResult": {"n", "n_events"},
            "FineGrayResult": {"n"},
            "PropensityResult": {"n", "n_treated", "n_comparison"},
            "MatchResult": {"n", "matched", "unmatched"},
            "WeightResult": {"n"},
            "BalanceResult": {"n", "n_adjusted"},
            "ProvenReoffendingResult": {"cohort_size", "cohort_size_complete", "reoffenders",
                                        "proven_reoffences"}}

NOT_DECLARED_YET: dict[str, str] = {}


def _small_cells(values: pd.DataFrame, mask: pd.DataFrame, col: str, scale) -> list:
    v = pd.to_numeric(values[col], errors="coerce").to_numpy(float)
    if isinstance(scale, str):
        v = v * pd.to_numeric(values[scale], errors="coerce").to_numpy(float)
    elif scale is not None:
        v = v * float(scale)
    shown = ~mask[col].to_numpy(bool)
    return [x for x, s in zip(v, shown) if s and np.isfinite(x) and 0 < round(x, 6) < THRESHOLD]


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason=NOT_DECLARED_YET[n])]
                 if n in NOT_DECLARED_YET else []) for n in sorted(RESULTS)])
def test_no_small_count_reaches_any_output(name, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = RESULTS[name]()
    safe = build(result, threshold=THRESHOLD)
    declared, masked, merged = set(), 0, 0
    for t in list(safe.tables) + [f.data for f in safe.figures]:
        src = t.source
        merged += len(src.frame) - len(t.values)
        for col in src.counts:
            if col not in t.values.columns:
                continue
            declared.add(col)
            masked += int(t.mask[col].sum())
            bad = _small_cells(t.values, t.mask, col, src.scale.get(col))
            assert not bad, (src.title, col, bad)
    assert EXPECTED[name] <= declared, f"{name} declares {declared}, needs {EXPECTED[name]}"
    assert masked + merged > 0, "the tiny data must trigger suppression or merging"
    files = write(safe, tmp_path / "out")
    labels = {}
    for t in safe.tables:
        for col in t.source.counts:
            if col in t.values.columns:
                labels[t.source.labels.get(col, col)] = col
    for csv in files.tables:
        frame = pd.read_csv(csv, dtype=str)
        for c in frame.columns:
            if any(c.startswith(lab) for lab in labels):
                assert not frame[c].str.fullmatch(r"[1-4](\.0+)?").any(), (csv.name, c)
    md = Path(files.markdown).read_text()
    assert "<5" in md or "fewer than 5" in md
