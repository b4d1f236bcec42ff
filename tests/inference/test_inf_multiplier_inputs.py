"""Bad input to the multiplier bootstrap gets the library's error (was numpy's ValueError or
IndexError, or a silently wrong cluster count)."""

from __future__ import annotations

import numpy as np
import pytest

from wsa_eval.errors import SpecificationError
from wsa_eval.inference import multiplier_draws, sup_t_critical_value

PSI = np.random.default_rng(0).normal(size=(20, 2))


@pytest.mark.parametrize("cluster", [np.array([0, 1]), np.full(20, 0.5), np.arange(20) - 1,
                                     np.zeros((20, 1), dtype=int)])
def test_cluster_codes_must_be_one_whole_number_per_row(cluster):
    with pytest.raises(SpecificationError, match="one whole-number code"):
        multiplier_draws(PSI, cluster=cluster, reps=10, random_state=1)


def test_valid_cluster_codes_still_work():
    d = multiplier_draws(PSI, cluster=np.arange(20) // 4, reps=10, random_state=1)
    assert d.n_clusters == 5 and d.draws.shape == (10, 2)


def test_sup_t_needs_one_se_per_column_and_a_valid_alpha():
    d = multiplier_draws(PSI, reps=50, random_state=1).draws
    with pytest.raises(SpecificationError, match="one value per column"):
        sup_t_critical_value(d, np.ones(3), 0.05)
    with pytest.raises(SpecificationError, match="alpha"):
        sup_t_critical_value(d, np.ones(2), 5)
    assert sup_t_critical_value(d, d.std(axis=0), 0.05) > 1.96
