"""Sphinx configuration of the wsa_eval documentation (``make docs``).

Built with ``sphinx-build -W --keep-going``: any warning fails the build. Three things are
generated here at build time, so they cannot drift from the code (``docs/api`` and
``docs/notebooks`` are generated folders, ignored by git):

* the API reference pages, one per public module, listing exactly its ``__all__``;
* copies of the notebooks in ``notebooks/`` (rendered from their committed outputs: they
  are never executed during the build);
* the glossary page body, which is the docstring of :mod:`wsa_eval.glossary` (one source).
"""

from __future__ import annotations

import importlib
import inspect
import shutil
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

import wsa_eval

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

project = "wsa_eval"
author = "wsa_eval developers"
copyright = "wsa_eval developers (MIT licence)"
release = wsa_eval.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

templates_path = ["_templates"]
# handover_*.md: notes from a branch to the lead (what to wire in), not pages for users
exclude_patterns = ["_build", "_templates", "figures", "README.md", "handover_*.md",
                    "Thumbs.db", ".DS_Store"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# -- notebooks: rendered from their stored outputs, never executed -------------------------
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference -------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections say it in words
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"wsa_eval {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}

# public modules of the API reference: (module, title)
API_MODULES = [
    ("wsa_eval", "Top level: claim check, panel checks, results, reports, errors"),
    ("wsa_eval.did", "Difference-in-differences (wsa_eval.did)"),
    ("wsa_eval.synth", "Synthetic control family (wsa_eval.synth)"),
    ("wsa_eval.inference", "Inference with few treated areas (wsa_eval.inference)"),
    ("wsa_eval.survival", "Survival analysis of reoffending (wsa_eval.survival)"),
    ("wsa_eval.datasets", "Shipped data sets (wsa_eval.datasets)"),
    ("wsa_eval.data", "Loaders for official files (wsa_eval.data)"),
    ("wsa_eval.plotting", "Plots (wsa_eval.plotting)"),
    ("wsa_eval.errors", "Errors and warnings (wsa_eval.errors)"),
    ("wsa_eval.glossary", "Glossary constants (wsa_eval.glossary)"),
]


def _public(modname: str) -> tuple[list[str], list[str], list[str]]:
    """Functions, classes and data objects named in ``__all__`` (submodules left out)."""
    mod = importlib.import_module(modname)
    funcs, classes, data = [], [], []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if inspect.ismodule(obj) or name.startswith("__"):
            continue
        if inspect.isclass(obj):
            classes.append(name)
        elif callable(obj):
            funcs.append(name)
        else:
            data.append(name)
    return funcs, classes, data


def _write_api() -> None:
    """``api/index.rst`` and one page per module of :data:`API_MODULES`."""
    out = DOCS / "api"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    pages = []
    for modname, title in API_MODULES:
        funcs, classes, data = _public(modname)
        lines = [title, "=" * len(title), "", f".. module:: {modname}", ""]
        if modname not in ("wsa_eval", "wsa_eval.glossary"):
            lines += [(inspect.getdoc(importlib.import_module(modname)) or "").split("\n\n")[0],
                      ""]
        for heading, names, kind in (("Functions", funcs, "function"),
                                     ("Classes", classes, "class"), ("Data", data, None)):
            if not names:
                continue
            lines += [heading, "-" * len(heading), ""]
            if kind is None:
                lines += [f".. autodata:: {n}\n   :no-value:\n" for n in names]
                continue
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            lines += [f"   {n}" for n in names] + [""]
        (out / f"{modname}.rst").write_text("\n".join(lines))
        pages.append(modname)
    index = ["API reference", "=============", "",
             "Every public function and class, one module per page (generated from each "
             "module's ``__all__``).", "", ".. toctree::", "   :maxdepth: 1", ""]
    (out / "index.rst").write_text("\n".join(index + [f"   {p}" for p in pages]) + "\n")


def _copy_notebooks() -> None:
    out = DOCS / "notebooks"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(nb, out / nb.name)


class ModuleDocstring(SphinxDirective):
    """``.. module-docstring:: package.module``: the module's docstring, parsed as reST."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        mod = importlib.import_module(self.arguments[0])
        self.env.note_dependency(mod.__file__)
        text = inspect.getdoc(mod) or ""
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(text.splitlines(), mod.__file__), node)
        return node.children


_write_api()
_copy_notebooks()


def setup(app):
    app.add_directive("module-docstring", ModuleDocstring)
    return {"parallel_read_safe": True}
