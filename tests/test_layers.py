"""Layers point one way, and there is no import cycle (function-level imports included).

From the bottom up (a module may import its own layer and those below):

0. small helpers: ``errors``, ``glossary``, ``_compat``, ``_frozen``, ``_utils``, ``_format``,
   ``_version``, ``_pfa``
1. words and pictures: ``content`` (the report-content protocol), ``disclosure``,
   ``interpret``, ``plotting``
2. ``results`` (the contract every result keeps)
3. data and validation: ``data``, ``datasets``, ``io``, ``panel``, ``engine`` (linked data
   at scale: DuckDB and Spark; it must not import the estimator families)
4. estimator families: ``did``, ``synth``, ``survival``, ``inference``
5. ``reporting`` (renders any result's content; knows no estimator)
6. applications: ``claims``, ``casestudy``, ``config``, ``cli``, ``planning``, ``pooled``

The package's ``__init__`` (the public re-exports) is left out. Imports are read from the
source (``ast``), so an import inside a function counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "wsa_eval"

LAYERS = {
    "errors": 0, "glossary": 0, "_compat": 0, "_frozen": 0, "_utils": 0, "_format": 0,
    "_version": 0, "_pfa": 0,
    "content": 1, "disclosure": 1, "interpret": 1, "plotting": 1,
    "results": 2,
    "data": 3, "datasets": 3, "io": 3, "panel": 3, "engine": 3,
    "did": 4, "synth": 4, "survival": 4, "inference": 4,
    "reporting": 5,
    "claims": 6, "casestudy": 6, "config": 6, "cli": 6, "__main__": 6,
    "planning": 6, "pooled": 6,
}


#: violations known when this test was written, each to be removed by its family's
#: refactor (the test fails when one is fixed, so the list can only shrink)
KNOWN_UPWARD: set[tuple[str, str]] = set()
KNOWN_CYCLES: list[list[str]] = []


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["wsa_eval", *parts])


def _imports(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("wsa_eval")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("wsa_eval"):
                continue
            for a in node.names:  # "from . import x" may name a submodule
                cand = f"{mod}.{a.name}"
                if (SRC / Path(*cand.split(".")[1:])).with_suffix(".py").exists() or (
                        SRC / Path(*cand.split(".")[1:]) / "__init__.py").exists():
                    out.add(cand)
                else:  # a name defined in the module (or package __init__) itself
                    out.add(mod)
    return out


def _graph() -> dict[str, set[str]]:
    g = {}
    for path in SRC.rglob("*.py"):
        name = _module_name(path)
        if name == "wsa_eval":
            continue
        g[name] = {m for m in _imports(path, name) if m != "wsa_eval" and m != name}
    return g


def _layer(mod: str) -> int:
    top = mod.split(".")[1]
    assert top in LAYERS, f"module {mod} is not assigned a layer in tests/test_layers.py"
    return LAYERS[top]


def test_every_import_points_down_or_sideways():
    found = {(mod, d) for mod, deps in _graph().items() for d in deps
             if _layer(d) > _layer(mod)}
    new = sorted(found - KNOWN_UPWARD)
    assert not new, "\n".join(f"{m} (layer {_layer(m)}) imports {d} (layer {_layer(d)})"
                              for m, d in new)
    assert found == KNOWN_UPWARD, f"fixed, remove from KNOWN_UPWARD: {KNOWN_UPWARD - found}"


def test_no_import_cycle():
    g = _graph()
    # resolve an import of a package to its __init__ module and keep modules only
    nodes = set(g)
    g = {m: {d for d in deps if d in nodes} for m, deps in g.items()}
    index, low, stack, on, cycles = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            strongconnect(v)
    new = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {new}"
    assert sorted(cycles) == sorted(KNOWN_CYCLES), "a known cycle is gone: remove it"


def test_the_report_function_and_module_names_do_not_clash():
    import importlib

    import wsa_eval

    assert callable(wsa_eval.report)
    mod = importlib.import_module("wsa_eval.reporting")
    assert mod.report is wsa_eval.report
