"""Reference values for the Rambachan-Roth sensitivity analysis (Medicaid example).

Two sources:

1. PUBLISHED: the HonestDiD R package README (asheshrambachan/HonestDiD, "Example usage -
   Medicaid expansions"), which prints the robust intervals to 3 significant digits for
   Delta^RM (Mbar = 0.5, 1, 1.5, 2; method C-LF) and Delta^SD (M = 0, 0.01, ..., 0.05;
   FLCI). Copied into ``honest_reference.json`` under "published_R".
2. PEER: the PyPI port ``honestdid`` 0.1.1 (a Python translation of the R package), run on
   the same betahat / sigma (``medicaid_betahat_sigma.json``, from
   ``medicaid_event_study.py``). honestdid 0.1.1 calls ``float()`` on 1x1 arrays, which
   recent NumPy rejects; this script runs it from a temporary copy in which those calls go
   through a helper taking the single element (no other change).

Run from the repository root in an environment with honestdid 0.1.1:

    python -m venv peer-env && peer-env/bin/pip install "honestdid==0.1.1"
    peer-env/bin/python tests/reference/did_inf/honest_reference.py
"""

import importlib.util
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

PUBLISHED_R = {
    "source": "HonestDiD R package README, Medicaid example (github asheshrambachan/HonestDiD)",
    "DeltaRM": {"Mbar": [0.5, 1.0, 1.5, 2.0],
                "lb": [0.0240, 0.0170, 0.00824, -0.000916],
                "ub": [0.0672, 0.0720, 0.0797, 0.0881]},
    "DeltaSD": {"M": [0.0, 0.01, 0.02, 0.03, 0.04, 0.05],
                "lb": [0.0259, 0.0132, 0.00286, -0.00714, -0.0171, -0.0271],
                "ub": [0.0607, 0.0787, 0.0907, 0.101, 0.111, 0.121]},
}


def load_patched_honestdid():
    import honestdid

    src = Path(honestdid.__file__).parent
    tmp = Path(tempfile.mkdtemp()) / "honestdid"
    shutil.copytree(src, tmp)
    core = (tmp / "core.py").read_text()
    helper = ("\ndef _scalar(x):\n    a = np.asarray(x)\n"
              "    return float(a.reshape(-1)[0]) if a.ndim else float(a)\n")
    core = re.sub(r"(?<![\w.])float\(", "_scalar(", core)
    core = core.replace("import numpy as np\n", "import numpy as np\n" + helper, 1)
    core = core.replace("return _scalar(a.reshape(-1)[0]) if a.ndim else _scalar(a)",
                        "return float(a.reshape(-1)[0]) if a.ndim else float(a)")
    (tmp / "core.py").write_text(core)
    for name in list(sys.modules):
        if name.startswith("honestdid"):
            del sys.modules[name]
    spec = importlib.util.spec_from_file_location("honestdid", tmp / "__init__.py",
                                                  submodule_search_locations=[str(tmp)])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["honestdid"] = mod
    spec.loader.exec_module(mod)
    return mod


def main():
    d = json.loads((HERE / "medicaid_betahat_sigma.json").read_text())
    b, S = np.array(d["betahat"]), np.array(d["sigma"])
    h = load_patched_honestdid()
    rm = h.createSensitivityResults_relativeMagnitudes(
        betahat=b, sigma=S, numPrePeriods=5, numPostPeriods=2, Mbarvec=[0.5, 1, 1.5, 2])
    sd = h.createSensitivityResults(betahat=b, sigma=S, numPrePeriods=5, numPostPeriods=2,
                                    Mvec=[0.0, 0.01, 0.02, 0.03, 0.04, 0.05])
    orig = h.constructOriginalCS(betahat=b, sigma=S, numPrePeriods=5, numPostPeriods=2)
    print(rm, sd, orig, sep="\n")
    out = {
        "published_R": PUBLISHED_R,
        "honestdid_pypi_0.1.1": {
            "DeltaRM": {"Mbar": [float(x) for x in rm["Mbar"]],
                        "lb": [float(x) for x in rm["lb"]],
                        "ub": [float(x) for x in rm["ub"]],
                        "gridPoints": 1000},
            "DeltaSD": {"M": [float(x) for x in sd["M"]],
                        "lb": [float(x) for x in sd["lb"]],
                        "ub": [float(x) for x in sd["ub"]]},
            "original": {"lb": float(orig["lb"].iloc[0]), "ub": float(orig["ub"].iloc[0])},
        },
    }
    (HERE / "honest_reference.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
