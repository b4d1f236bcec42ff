"""Schoenfeld-residual PH tests against R survival 3.5-3 ``cox.zph`` (the algorithm of
survival >= 3.0: score test with the full information matrix; older versions differ).
Reference: tests/reference/survival_core/reference_values.csv and zph_y_*.csv
(make_reference.R). Tolerance 1e-6 on chi-squared (seen ~1e-12); scaled residuals 1e-6."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rossi_reference import COV, COV_S, REF, rossi_derived, rossi_split

from wsa_eval.errors import SpecificationError
from wsa_eval.survival.cox import cox
from wsa_eval.survival.zph import proportional_hazards_test

TOL = 1e-6


def _ref(case, quantity):
    r = pd.read_csv(REF / "reference_values.csv")
    return r[(r.case == case) & (r.quantity == quantity)].value.to_numpy(float)


@pytest.fixture(scope="module")
def rossi(reference_dir):
    return rossi_derived(reference_dir)


def _check(case, fit):
    for tr in ("km", "rank", "identity"):
        z = proportional_hazards_test(fit, transform=tr)
        t = z.to_frame()
        assert t["term"].tolist()[-1] == "GLOBAL"
        np.testing.assert_allclose(t["chisq"], _ref(case, f"zph_{tr}_chisq"), atol=TOL)
        np.testing.assert_allclose(t["p_value"], _ref(case, f"zph_{tr}_p"), atol=TOL)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_zph_cases(rossi, ties):
    kw = dict(duration="week", event="arrest", ties=ties, concordance=False)
    _check(f"plain_{ties}", cox(rossi, covariates=COV, **kw))
    _check(f"strata_{ties}", cox(rossi, covariates=COV_S, strata="wexp", **kw))
    _check(f"entry_{ties}", cox(rossi, covariates=COV, entry="entry", **kw))
    _check(f"weightsnaive_{ties}", cox(rossi, covariates=COV, weights="wi", **kw))
    sp = rossi_split(rossi)
    kw2 = dict(duration="tstop", event="arrest", entry="tstart", ties=ties)
    _check(f"startstop_{ties}", cox(sp, covariates=COV + ["prio_late"], **kw2))
    _check(f"startstopall_{ties}", cox(sp, covariates=COV_S + ["prio_late"], cluster="id",
                                       strata="wexp", weights="w", **kw2))


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_scaled_schoenfeld_residuals(rossi, ties):
    fit = cox(rossi, duration="week", event="arrest", covariates=COV, ties=ties)
    z = proportional_hazards_test(fit)
    y = pd.read_csv(REF / f"zph_y_{ties}.csv")
    np.testing.assert_allclose(z.scaled_residuals.to_numpy(), y.iloc[:, 2:].to_numpy(),
                               atol=TOL)
    np.testing.assert_allclose(z.g_time, y["x"], atol=TOL)
    np.testing.assert_allclose(z.event_time, y["time"], atol=0)


def test_bad_arguments_and_outputs(rossi):
    fit = cox(rossi, duration="week", event="arrest", covariates=["fin", "age"])
    with pytest.raises(SpecificationError, match="transform"):
        proportional_hazards_test(fit, transform="weird")
    with pytest.raises(SpecificationError, match="cox"):
        proportional_hazards_test("not a fit")
    z = proportional_hazards_test(fit, transform="log")
    assert np.isfinite(z.to_frame()["chisq"]).all()
    assert "age" in z.interpret()  # age's effect changes over time in these data (p ~ 0.01)
    assert hasattr(z.plot(term="age"), "plot")
    with pytest.raises(SpecificationError, match="term"):
        z.plot(term="nope")
