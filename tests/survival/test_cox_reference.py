"""Cox model against R's survival package (3.5-3) on the Rossi et al. (1980) recidivism data.

Reference numbers: tests/reference/survival_core/reference_values.csv, produced by
tests/reference/survival_core/make_reference.R (coxph with eps = 1e-13). Tolerance 1e-6
(absolute) for coefficients, standard errors (model-based, robust, cluster-robust),
log-likelihoods and test statistics, as asked for the library; the agreement seen is ~1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rossi_reference import COV, COV_S, REF, rossi_derived, rossi_split

from wsa_eval.survival.cox import cox

TOL = 1e-6  # source: R survival 3.5-3 coxph; tolerance asked for by issue 4


def ref_values(case: str, quantity: str) -> np.ndarray:
    r = pd.read_csv(REF / "reference_values.csv")
    return r[(r.case == case) & (r.quantity == quantity)].value.to_numpy(float)


def check(case: str, res, conc: bool = True) -> None:
    np.testing.assert_allclose(res.coef.to_numpy(), ref_values(case, "coef"), atol=TOL, rtol=0)
    np.testing.assert_allclose(res.to_frame()["std_error"], ref_values(case, "se"), atol=TOL,
                               rtol=0)
    naive = ref_values(case, "naive_se")
    if naive.size:
        np.testing.assert_allclose(np.sqrt(np.diag(res.naive_vcov)), naive, atol=TOL, rtol=0)
    assert res.loglik == pytest.approx(ref_values(case, "loglik")[0], abs=TOL)
    assert res.loglik_null == pytest.approx(ref_values(case, "loglik_null")[0], abs=TOL)
    stat = res.tests.set_index("test")["statistic"]
    assert stat["score (log-rank)"] == pytest.approx(ref_values(case, "score_test")[0], abs=TOL)
    assert stat["Wald"] == pytest.approx(ref_values(case, "wald_test")[0], abs=TOL)
    if conc:
        assert res.concordance == pytest.approx(ref_values(case, "concordance")[0], abs=TOL)


@pytest.fixture(scope="module")
def rossi(reference_dir):
    return rossi_derived(reference_dir)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_plain_robust_cluster(rossi, ties):
    kw = dict(duration="week", event="arrest", covariates=COV, ties=ties)
    check(f"plain_{ties}", cox(rossi, **kw))
    check(f"robust_{ties}", cox(rossi, inference="robust", **kw))
    res = cox(rossi, cluster="clus", **kw)
    check(f"cluster_{ties}", res)
    assert res.robust and res.n_units == 108


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_strata_weights_entry(rossi, ties):
    kw = dict(duration="week", event="arrest", ties=ties)
    check(f"strata_{ties}", cox(rossi, covariates=COV_S, strata="wexp", **kw))
    # non-integer weights: robust standard errors by default, as R's coxph
    res = cox(rossi, covariates=COV, weights="w", **kw)
    check(f"weights_{ties}", res)
    assert res.robust and "non-integer case weights" in res.inference
    check(f"weights_{ties}", cox(rossi, covariates=COV, weights="w", inference="robust", **kw))
    check(f"weightsnaive_{ties}", cox(rossi, covariates=COV, weights="wi", **kw))
    # delayed entry: R's concordance uses counting-process risk sets, not computed here
    res = cox(rossi, covariates=COV, entry="entry", **kw)
    check(f"entry_{ties}", res, conc=False)
    assert np.isnan(res.concordance)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_start_stop(rossi, ties):
    sp = rossi_split(rossi)
    kw = dict(duration="tstop", event="arrest", entry="tstart", ties=ties)
    check(f"startstop_{ties}", cox(sp, covariates=COV + ["prio_late"], **kw), conc=False)
    check(f"startstopcluster_{ties}", cox(sp, covariates=COV + ["prio_late"], cluster="id", **kw),
          conc=False)
    check(f"startstopall_{ties}", cox(sp, covariates=COV_S + ["prio_late"], cluster="id",
                                      strata="wexp", weights="w", **kw), conc=False)


def test_split_without_time_varying_covariate_equals_unsplit(rossi):
    """Splitting follow-up into episodes must not change the fit (a property, no R needed)."""
    sp = rossi_split(rossi)
    a = cox(rossi, duration="week", event="arrest", covariates=COV)
    b = cox(sp, duration="tstop", event="arrest", entry="tstart", covariates=COV)
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-10)
    np.testing.assert_allclose(a.vcov, b.vcov, atol=1e-10)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_score_residuals_match_r(rossi, ties):
    from wsa_eval.survival._cox_core import score_residuals

    res = cox(rossi, duration="week", event="arrest", covariates=COV, ties=ties)
    fd = res.fit_data
    L = score_residuals(fd.rs, fd.X, fd.w, fd.state)  # rows in the data's order
    expected = pd.read_csv(REF / f"score_resid_{ties}.csv").to_numpy()
    np.testing.assert_allclose(L, expected, atol=TOL, rtol=0)


def test_tidy_columns_and_hazard_ratios(rossi):
    res = cox(rossi, duration="week", event="arrest", covariates=COV, alpha=0.1)
    f = res.to_frame()
    assert list(f.columns[:7]) == ["term", "estimate", "std_error", "statistic", "p_value",
                                   "ci_low", "ci_high"]
    np.testing.assert_allclose(f["hazard_ratio"], np.exp(f["estimate"]))
    np.testing.assert_allclose(np.log(f["hr_ci_low"]), f["ci_low"])
    z = 1.6448536269514722
    np.testing.assert_allclose(f["ci_high"] - f["estimate"], z * f["std_error"])
    assert res.vcov.shape == (7, 7)
    # several covariates and no treatment=: no headline, never the first by position
    assert res.term is None and np.isnan(res.estimate)
    assert "treatment=" in res.interpret() and "fin" in res.interpret()
    named = cox(rossi, duration="week", event="arrest", covariates=COV, treatment="prio")
    assert named.term == "prio" and "prio" in named.estimand
    assert named.estimate == f.set_index("term").loc["prio", "estimate"]
    # a treatment not in covariates is added to the model (first)
    alone = cox(rossi, duration="week", event="arrest", covariates=["age"], treatment="fin")
    assert alone.covariates == ("fin", "age") and alone.term == "fin"
