"""Reference numbers for wsa_eval.synth.augmented from pysyncon's AugSynth (pysyncon 1.7.0).

Basque Country (Abadie & Gardeazabal 2003) GDP per capita, 1955-1997, treated from 1970,
the 16 other Spanish regions as comparison units (Spain as a whole removed), outcomes only
(``use_covariates=False``), ridge ASCM as in Ben-Michael, Feller & Rothstein (2021).

    python -m venv peer-env && peer-env/bin/pip install "pysyncon==1.7.0"
    peer-env/bin/python tests/reference/synth_sdid/make_reference_pysyncon_ascm.py [CSV]

(from the repository root; the data default to the copy in ``src/wsa_eval/datasets/data``).

Writes ``basque_pysyncon_ascm.json``: the cross-validated lambda, the augmented and SCM
weights, and the ATT over 1970-1997, both with pysyncon's own lambda and with lambda fixed
at 1.0 (to compare the weight formula without the grid). pysyncon's lambda grid is
``lambda_max * s^(k - 1), k = 0..20`` while augsynth's is ``lambda_max * s^k``, so the
cross-validated choice is compared on pysyncon's grid via ``lambdas`` below.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from pysyncon import AugSynth, Dataprep

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parents[2] / "src" / "wsa_eval" / "datasets" / "data"
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR / "basque.csv"
TREATED = "Basque Country (Pais Vasco)"


def main() -> None:
    df = pd.read_csv(DATA)
    df = df[df.regionname != "Spain (Espana)"]
    controls = sorted(set(df.regionname) - {TREATED})
    dp = Dataprep(foo=df, predictors=[], predictors_op="mean",
                  time_predictors_prior=range(1955, 1970), dependent="gdpcap",
                  unit_variable="regionname", time_variable="year",
                  treatment_identifier=TREATED, controls_identifier=controls,
                  time_optimize_ssr=range(1955, 1970))
    out = {"source": "pysyncon 1.7.0 AugSynth.fit(dataprep, use_covariates=False)",
           "data": "basque.csv (pysyncon copy), Spain removed, treated 1970"}
    for label, lam in (("cv", None), ("lambda_1", 1.0)):
        m = AugSynth()
        m.fit(dataprep=dp, lambda_=lam, use_covariates=False)
        att = m.att(time_period=range(1970, 1998))
        res = {"lambda": float(m.lambda_), "att": float(att["att"]),
               "weights": {k: float(v) for k, v in zip(controls, np.asarray(m.W))},
               "scm_weights": {k: float(v) for k, v in zip(controls, np.asarray(m.synw))}}
        if lam is None:
            res["lambdas"] = [float(x) for x in m.cv_result.lambdas]
            res["cv_errors"] = [float(x) for x in m.cv_result.errors_mean]
        out[label] = res
        print(label, res["lambda"], res["att"])
    (HERE / "basque_pysyncon_ascm.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
