"""Panel validation: :func:`validate_panel`, the first step of every estimator and of the
command line's ``check`` and ``run``; it returns a :class:`PanelReport`.

The work is split by concern: arguments and the order of the checks (``_validate``), the
time column (``_periods``), numbers written as text (``_values``), unit names
(``_units``), the outcome and covariates (``_outcome``), treatment timing (``_timing``),
the report and its checks table (``_report``) and fast paths for large data (``_fast``).
"""

from ._fast import duplicated_pairs as _duplicated_pairs
from ._fast import sorted_by as _sorted_by
from ._report import PanelReport
from ._timing import never_treated_mask
from ._validate import validate_panel

__all__ = ["validate_panel", "PanelReport", "never_treated_mask"]

# private helpers that tests of the fast paths import by their old names
_ = (_duplicated_pairs, _sorted_by)
