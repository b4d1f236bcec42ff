"""Every public function has a docstring with an Examples section (run as a doctest).

The Examples run with the tests (``--doctest-modules`` on ``src/wsa_eval``, see
pyproject.toml). ``TODO`` lists public functions still without one (empty since issue 11,
section 7); the list may only shrink: a new public function without Examples fails, and so
does a listed function that has gained Examples (remove it from the list).
"""

from __future__ import annotations

import importlib
import inspect

PUBLIC_MODULES = (
    "wsa_eval", "wsa_eval.did", "wsa_eval.synth", "wsa_eval.inference", "wsa_eval.survival",
    "wsa_eval.datasets", "wsa_eval.data", "wsa_eval.plotting", "wsa_eval.errors",
    "wsa_eval.glossary",
)

TODO: dict[str, set[str]] = {
    # merged from the engine and national branches without Examples yet
    "wsa_eval": {"plan_evaluation", "pooled_evaluation"},
    "wsa_eval.did": {"ppml"},
    "wsa_eval.survival": {"exact_match"},
}


def _has_examples(obj) -> bool:
    doc = inspect.getdoc(obj) or ""
    return "\nExamples\n--------\n" in f"\n{doc}\n" and ">>> " in doc


def _public_functions(modname: str) -> dict[str, object]:
    mod = importlib.import_module(modname)
    out = {}
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if name.startswith("_") or inspect.ismodule(obj) or inspect.isclass(obj):
            continue
        if callable(obj):
            out[name] = obj
    return out


def test_public_functions_have_examples():
    missing, done = [], []
    for modname in PUBLIC_MODULES:
        todo = TODO.get(modname, set())
        for name, fn in _public_functions(modname).items():
            if _has_examples(fn):
                if name in todo:
                    done.append(f"{modname}.{name}")
            elif name not in todo:
                missing.append(f"{modname}.{name}")
    assert not missing, f"public functions without an Examples section: {missing}"
    assert not done, f"these have Examples now: remove them from TODO: {done}"


def test_todo_names_exist():
    stale = [f"{m}.{n}" for m, names in TODO.items() for n in names
             if n not in _public_functions(m)]
    assert not stale, f"TODO names no public function (renamed or removed?): {stale}"
