"""wsa_eval: evaluate Whole System Approaches and diversion schemes for women.

Difference-in-differences (``wsa_eval.did``), synthetic control (``wsa_eval.synth``) and
survival analysis of reoffending (``wsa_eval.survival``), with inference that is valid when
one or a few areas are treated, plain-English output and the real police-force-area data
behind the Greater Manchester case study (``wsa_eval.datasets``).
"""

from . import data, datasets, did, inference, survival, synth  # noqa: E402  (subpackages)
from ._version import __version__
from .claims import ClaimResult, check_claim
from .errors import (
    ColumnError,
    ConvergenceWarning,
    DataFormatError,
    DataWarning,
    EstimationError,
    InferenceWarning,
    PanelError,
    SpecificationError,
    WsaEvalError,
    WsaEvalWarning,
)
from .panel import PanelReport, validate_panel
from .planning import PlanResult, plan_evaluation
from .pooled import PooledResult, pooled_evaluation

# ``wsa_eval.report`` is the report function; its module is ``wsa_eval.reporting``
from .reporting import report
from .results import TIDY_COLUMNS, EffectResult, Result, compare

__all__ = [
    "__version__",
    "validate_panel",
    "PanelReport",
    "Result",
    "EffectResult",
    "TIDY_COLUMNS",
    "compare",
    "check_claim",
    "plan_evaluation",
    "PlanResult",
    "pooled_evaluation",
    "PooledResult",
    "report",
    "ClaimResult",
    "data",
    "datasets",
    "did",
    "synth",
    "survival",
    "inference",
    "WsaEvalError",
    "ColumnError",
    "PanelError",
    "SpecificationError",
    "DataFormatError",
    "EstimationError",
    "WsaEvalWarning",
    "DataWarning",
    "InferenceWarning",
    "ConvergenceWarning",
]
