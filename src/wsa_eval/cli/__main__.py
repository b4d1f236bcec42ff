"""``python -m wsa_eval.cli``: the same as the ``wsa-eval`` command."""

import sys

from . import main

sys.exit(main())
