"""The result contract, checked on every public result class (issue 11 section 2).

Every class that a public function returns is discovered from the public namespaces and
built by a factory below on small data; a class without a factory fails
``test_every_public_result_class_has_a_factory``. Each instance must be:

* frozen deeply (no attribute can be set, arrays are read-only, mappings cannot be changed,
  a frame read from it can be changed without changing the result);
* printable on one line (``repr``), summarised (``summary()``), tidy (``to_frame()`` a
  non-empty frame whose columns use the glossary's names), plottable (``plot()`` returns
  Axes) where it offers plots;
* free of fields that shadow methods, and honest about its seed (``spec["seed"]``);
* reportable: ``report_content()`` gives a :class:`~wsa_eval.content.Section` that the
  report layer renders.

Entries of ``KNOWN_GAPS`` are checks a class does not pass yet; each is an xfail(strict),
so it must be removed from the list once the class is fixed.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from wsa_eval._frozen import FrozenDict
from wsa_eval.content import Section
from wsa_eval.glossary import RESULT_COLUMNS
from wsa_eval.results import Result

NAMESPACES = ["wsa_eval", "wsa_eval.did", "wsa_eval.synth", "wsa_eval.survival",
              "wsa_eval.inference", "wsa_eval.claims", "wsa_eval.panel"]


def public_result_classes() -> dict[str, type]:
    out = {}
    for ns in NAMESPACES:
        mod = importlib.import_module(ns)
        for name in getattr(mod, "__all__", dir(mod)):
            obj = getattr(mod, name, None)
            if inspect.isclass(obj) and issubclass(obj, Result) and obj not in (
                    Result,) and obj.__name__ != "EffectResult":
                out[obj.__name__] = obj
    return out


# ----------------------------------------------------------------------------- data
def _panel(n=10, years=range(2008, 2020), start=2014, seed=0, effect=-0.3):
    rng = np.random.default_rng(seed)
    years = list(years)
    f = np.cumsum(rng.normal(0, 0.05, len(years)))
    rows = []
    for i in range(n):
        lev, load = rng.normal(4, 0.3), rng.uniform(0.5, 1.5)
        for k, t in enumerate(years):
            y = lev + load * f[k] - 0.02 * k + rng.normal(0, 0.03)
            if i == 0 and t >= start:
                y += effect
            rows.append({"area": f"A{i:02d}", "year": t, "y": y, "x1": lev + rng.normal(),
                         "g": start if i in (0, 1) else 0})
    return pd.DataFrame(rows)


def _mpdta():
    from wsa_eval.datasets import load_mpdta

    return load_mpdta()


def _rossi():
    from wsa_eval.datasets import load_rossi

    return load_rossi()


def _mgus():
    from wsa_eval.datasets import load_mgus2_cr

    return load_mgus2_cr().iloc[:400]


def _cohort(n=300, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(int)
    reo = (rng.uniform(size=n) < 0.35).astype(int)
    days = np.where(reo == 1, rng.integers(5, 360, n), 365)
    return pd.DataFrame({"z": z, "age": 30 + 5 * x, "x": x, "reoffended": reo,
                         "n_reoffences": reo * (1 + rng.poisson(1, n)), "time": days,
                         "event": reo})


# ----------------------------------------------------------------------------- factories
def _mp_kw():
    return dict(outcome="lemp", unit="countyreal", time="year", first_treated="first.treat")


def f_panel_report():
    from wsa_eval import validate_panel

    return validate_panel(_mpdta(), unit="countyreal", time="year", outcome="lemp",
                          first_treated="first.treat")


def f_twfe():
    from wsa_eval.did import twfe

    return twfe(_mpdta(), **_mp_kw())


def f_event_study():
    from wsa_eval.did import event_study

    return event_study(_mpdta(), **_mp_kw())


def f_sun_abraham():
    from wsa_eval.did import sun_abraham

    return sun_abraham(_mpdta(), **_mp_kw())


def f_imputation():
    from wsa_eval.did import imputation

    return imputation(_mpdta(), **_mp_kw())


def f_bacon():
    from wsa_eval.did import bacon_decomposition

    return bacon_decomposition(_mpdta(), **_mp_kw())


def f_cs():
    from wsa_eval.did import callaway_santanna

    return callaway_santanna(_mpdta(), **_mp_kw())


def f_cs_aggregate():
    return f_cs().aggregate("simple")


def f_pretrend():
    from wsa_eval.did import pretrend_test

    return pretrend_test(f_event_study())


def f_honest():
    from wsa_eval.did import honest_did

    return honest_did(f_event_study(), random_state=1)


def f_sdid():
    from wsa_eval.synth import sdid

    return sdid(_panel(), outcome="y", unit="area", time="year", treated="A00", start=2014,
                reps=20, random_state=1)


def f_synthetic_control():
    from wsa_eval.synth import synthetic_control

    return synthetic_control(_panel(), outcome="y", unit="area", time="year", treated="A00",
                             start=2014, random_state=1)


def f_augmented():
    from wsa_eval.synth import augmented

    return augmented(_panel(), outcome="y", unit="area", time="year", treated="A00",
                     start=2014)


def f_randomization():
    from wsa_eval.inference import randomization_inference

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return randomization_inference(_panel(), outcome="y", unit="area", time="year",
                                       treated_units="A00", start=2014, random_state=1)


def f_conley_taber():
    from wsa_eval.inference import conley_taber

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return conley_taber(_panel(n=25), outcome="y", unit="area", time="year",
                            treated_units="A00", start=2014, random_state=1)


def f_wild():
    from wsa_eval.inference import wild_bootstrap_twfe

    p = _panel(n=14)
    p["d"] = ((p["area"] == "A00") & (p["year"] >= 2014)).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            return wild_bootstrap_twfe(p, outcome="y", unit="area", time="year",
                                       treatment="d", reps=199, random_state=1)
        except TypeError:
            return wild_bootstrap_twfe(p, outcome="y", unit="area", time="year", treated="d",
                                       reps=199, random_state=1)


def f_claim():
    from wsa_eval import check_claim

    p = _panel()
    p["count"] = np.round(np.exp(p["y"]))
    return check_claim(p, outcome="count", unit="area", time="year", treated="A00",
                       start=2014, end=2019, claimed_change=-0.4, methods=("sdid",),
                       progress=False)


def f_km():
    from wsa_eval.survival import kaplan_meier

    return kaplan_meier(_rossi(), duration="week", event="arrest", group="fin")


def f_logrank():
    from wsa_eval.survival import logrank

    return logrank(_rossi(), duration="week", event="arrest", group="fin")


def f_cox():
    from wsa_eval.survival import cox

    return cox(_rossi(), duration="week", event="arrest", covariates=["fin", "age"])


def f_ph():
    from wsa_eval.survival import proportional_hazards_test

    return proportional_hazards_test(f_cox())


def f_rmst():
    from wsa_eval.survival import rmst

    return rmst(_rossi(), duration="week", event="arrest", tau=40, group="fin")


def f_cif():
    from wsa_eval.survival import cumulative_incidence

    return cumulative_incidence(_mgus(), duration="etime", event="event", group="sex")


def f_gray():
    from wsa_eval.survival import gray_test

    return gray_test(_mgus(), duration="etime", event="event", group="sex")


def f_fine_gray():
    from wsa_eval.survival import fine_gray

    return fine_gray(_mgus(), duration="etime", event="event", covariates=["age"])


def f_propensity():
    from wsa_eval.survival import propensity

    return propensity(_cohort(), treatment="z", covariates=["x"])


def f_match():
    from wsa_eval.survival import match

    return match(_cohort(), treatment="z", covariates=["x"], random_state=1)


def f_weight():
    from wsa_eval.survival import weight

    return weight(_cohort(), treatment="z", covariates=["x"])


def f_balance():
    from wsa_eval.survival import balance

    return balance(_cohort(), treatment="z", covariates=["x", "age"])


def f_reoffending():
    from wsa_eval.survival import match, reoffending_effects

    c = _cohort()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = match(c, treatment="z", covariates=["x"], random_state=1)
        return reoffending_effects(c, treatment="z", weights=m, population="women")


def f_proven():
    from wsa_eval.survival import proven_reoffending

    start = pd.Timestamp("2019-01-01")
    idx = pd.DataFrame({"person_id": range(40),
                        "index_date": start + pd.to_timedelta(np.arange(40) * 3, "D")})
    off = pd.DataFrame({"person_id": [1, 1, 5, 9, 30],
                        "offence_date": start + pd.to_timedelta([40, 90, 60, 120, 200], "D"),
                        "proven_date": start + pd.to_timedelta([50, 100, 90, 150, 260], "D")})
    return proven_reoffending(idx, off, data_end="2021-06-30")


def f_linked_cohort():
    import duckdb

    from wsa_eval.survival import proven_reoffending

    start = pd.Timestamp("2019-01-01")
    con = duckdb.connect()
    con.register("idx", pd.DataFrame({"person_id": range(40), "index_date": start
                                      + pd.to_timedelta(np.arange(40) * 3, "D")}))
    con.register("off", pd.DataFrame({
        "person_id": [1, 1, 5, 9, 30],
        "offence_date": start + pd.to_timedelta([40, 90, 60, 120, 200], "D"),
        "proven_date": start + pd.to_timedelta([50, 100, 90, 150, 260], "D")}))
    return proven_reoffending(con.sql("SELECT * FROM idx"), con.sql("SELECT * FROM off"),
                              data_end="2021-06-30")


def f_exact_match():
    from wsa_eval.survival import exact_match

    c = _cohort().assign(band=lambda d: np.round(d["x"]))
    return exact_match(c, treatment="z", covariates=["band"], outcomes=["reoffended"])


def f_ppml():
    from wsa_eval.did import ppml

    p = _panel()
    p["count"] = np.round(np.exp(p["y"]))
    return ppml(p, outcome="count", unit="area", time="year", treated="A00", start=2014)


def f_plan():
    from wsa_eval import plan_evaluation

    return plan_evaluation(_panel(n=22), outcome="y", unit="area", time="year",
                           treated="A00", start=2014, random_state=1)


def f_pooled():
    from wsa_eval import pooled_evaluation

    p = _panel(n=14)
    p["count"] = np.exp(p["y"])
    return pooled_evaluation(p, outcome="count", unit="area", time="year",
                             start_dates={"A00": [2014, 2015], "A01": 2015, "A02": 2016},
                             reps=19, sdid_reps=5, bounds_reps=19, random_state=1)


FACTORIES = {
    "PanelReport": f_panel_report, "TWFEResult": f_twfe, "EventStudyResult": f_event_study,
    "SunAbrahamResult": f_sun_abraham, "ImputationResult": f_imputation,
    "BaconResult": f_bacon, "CallawaySantAnnaResult": f_cs, "CSAggregateResult": f_cs_aggregate,
    "PretrendTest": f_pretrend, "HonestResult": f_honest, "SDIDResult": f_sdid,
    "SyntheticControlResult": f_synthetic_control, "AugSynthResult": f_augmented,
    "RandomizationResult": f_randomization, "ConleyTaberResult": f_conley_taber,
    "WildBootstrapResult": f_wild, "ClaimResult": f_claim, "KaplanMeierResult": f_km,
    "LogRankResult": f_logrank, "CoxResult": f_cox, "PHTestResult": f_ph,
    "RMSTResult": f_rmst, "CumulativeIncidenceResult": f_cif, "GrayTestResult": f_gray,
    "FineGrayResult": f_fine_gray, "PropensityResult": f_propensity, "MatchResult": f_match,
    "WeightResult": f_weight, "BalanceResult": f_balance,
    "ReoffendingEffectsResult": f_reoffending, "ProvenReoffendingResult": f_proven,
    "LinkedCohortResult": f_linked_cohort, "ExactMatchResult": f_exact_match,
    "PPMLResult": f_ppml, "PlanResult": f_plan, "PooledResult": f_pooled,
}

#: (class, check) -> why it does not pass yet; strict xfails, to be emptied by the families
KNOWN_GAPS: dict[tuple[str, str], str] = {}

CHECKS = ["repr", "frozen", "to_frame", "summary", "plot", "no_shadowing", "seed",
          "report_content"]


def test_every_public_result_class_has_a_factory():
    missing = sorted(set(public_result_classes()) - set(FACTORIES))
    assert not missing, f"add factories for: {missing}"


_CACHE: dict[str, Result] = {}


def instance(name: str) -> Result:
    if name not in _CACHE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _CACHE[name] = FACTORIES[name]()
    r = _CACHE[name]
    assert type(r).__name__ == name, f"factory for {name} returned {type(r).__name__}"
    return r


def _params():
    for name in sorted(FACTORIES):
        for check in CHECKS:
            marks = []
            if (name, check) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[(name, check)]))
            yield pytest.param(name, check, marks=marks, id=f"{name}-{check}")


def _fields(r):
    return {f.name: object.__getattribute__(r, f.name) for f in dataclasses.fields(r)}


def check_repr(r):
    s = repr(r)
    assert "\n" not in s and len(s) <= 200, s
    assert s.startswith(f"<{type(r).__name__}")


def check_frozen(r):
    f = next(iter(_fields(r)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(r, f, None)
    for name, v in _fields(r).items():
        if isinstance(v, np.ndarray):
            assert not v.flags.writeable, name
            with pytest.raises(ValueError):
                v[...] = 0
        elif isinstance(v, dict):
            assert isinstance(v, FrozenDict), name
            with pytest.raises(TypeError):
                v["new"] = 1
        elif isinstance(v, list):
            raise AssertionError(f"{name} is a list (mutable)")
        elif isinstance(v, (pd.DataFrame, pd.Series)):
            got = getattr(r, name)
            before = getattr(r, name).copy()
            if isinstance(got, pd.DataFrame):
                got["__new__"] = 1
                if len(got) and got.shape[1] > 1:
                    got.iloc[0, 0] = None
                pd.testing.assert_frame_equal(getattr(r, name), before)
            elif len(got):
                got.iloc[0] = None
                pd.testing.assert_series_equal(getattr(r, name), before)


def check_to_frame(r):
    t = r.to_frame()
    assert isinstance(t, pd.DataFrame) and len(t) > 0
    synonyms = {s for syns in RESULT_COLUMNS.values() for s in syns}
    bad = sorted(set(map(str, t.columns)) & synonyms)
    assert not bad, f"use the glossary's column names instead of {bad}"


def check_summary(r):
    s = str(r.summary())
    assert s.strip() and "\n" in s
    assert r.summary()._repr_html_()


def check_plot(r):
    if not r.plot_kinds:
        return
    import matplotlib.pyplot as plt

    ax = r.plot()
    assert isinstance(ax, matplotlib.axes.Axes)
    plt.close("all")


def check_no_shadowing(r):
    cls = type(r)
    names = {f.name for f in dataclasses.fields(r)}
    methods = {n for n in dir(cls) if not n.startswith("_") and (
        callable(getattr(cls, n, None)) or isinstance(getattr(cls, n, None), property))}
    assert not (names & methods), f"fields shadow methods: {sorted(names & methods)}"


def check_seed(r):
    assert "seed" in r.spec and "wsa_eval_version" in r.spec, dict(r.spec)


def check_report_content(r):
    from wsa_eval.reporting import build

    sec = r.report_content()
    assert isinstance(sec, Section)
    safe = build(r)
    assert safe.title and safe.disclosure


@pytest.mark.parametrize("name, check", list(_params()))
def test_contract(name, check):
    globals()[f"check_{check}"](instance(name))
