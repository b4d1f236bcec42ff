"""Inference for one or a few treated areas: wild cluster bootstrap, randomization
inference across areas, Conley-Taber intervals, and the multiplier bootstrap."""

from .conley_taber import ConleyTaberResult, conley_taber
from .multiplier import multiplier_draws, sup_t_critical_value
from .randomization import RandomizationResult, randomization_inference, randomization_test
from .wild import WildBootstrapResult, wild_bootstrap_twfe, wild_cluster_bootstrap

__all__ = [
    "wild_cluster_bootstrap", "wild_bootstrap_twfe", "randomization_inference",
    "randomization_test", "conley_taber", "multiplier_draws", "sup_t_critical_value",
    "WildBootstrapResult", "RandomizationResult", "ConleyTaberResult",
]
