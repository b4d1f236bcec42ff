"""Difference-in-differences: 2x2, TWFE and event studies, staggered-adoption estimators
(Callaway & Sant'Anna, Sun & Abraham, Borusyak-Jaravel-Spiess imputation), the
Goodman-Bacon decomposition, pre-trend tests and Rambachan-Roth sensitivity."""

from .bacon import BaconResult, bacon_decomposition
from .honest import HonestResult, honest_did
from .imputation import ImputationResult, imputation
from .pretrend import PretrendTest, pretrend_test
from .staggered import CallawaySantAnnaResult, CSAggregateResult, callaway_santanna
from .sun_abraham import SunAbrahamResult, sun_abraham
from .twfe import EventStudyResult, TWFEResult, did2x2, event_study, twfe

__all__ = [
    "callaway_santanna", "honest_did", "pretrend_test",
    "CallawaySantAnnaResult", "CSAggregateResult", "HonestResult", "PretrendTest",
    "did2x2", "twfe", "event_study", "sun_abraham", "imputation", "bacon_decomposition",
    "TWFEResult", "EventStudyResult", "SunAbrahamResult", "ImputationResult", "BaconResult",
]
from .ppml import PPMLResult, ppml  # noqa: E402  (Poisson DiD for counts)

__all__ += ["ppml", "PPMLResult"]
