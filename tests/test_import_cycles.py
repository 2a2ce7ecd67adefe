"""The package's modules import each other without a circle, and the config layer (what
the Snakefile runs while it parses the workflow) stays below the manifest.

The import graph is read from the source with ``ast`` (vanishing.machinery.imports): every import
of a module of the package anywhere in a file, inside functions too, relative imports
resolved, ``from . import x`` of a submodule as importing it, ``from .mod import name``
as importing ``mod``, and importing ``pkg.sub`` as importing ``pkg`` too. A circle hidden
behind an import inside a function is still a circle here.
"""

from __future__ import annotations

import ast
import sys

from vanishing.machinery import imports

GRAPH = imports.import_graph()
PARAMS = sorted(m for m in GRAPH if m.startswith("vanishing.machinery.params."))
# What parsing the workflow checks a config with: none of it may reach the manifest.
CONFIG_LAYER = [
    "vanishing.machinery.config_types",
    "vanishing.machinery.config_schema",
    "vanishing.machinery.config_check",
    "vanishing.core.vocabulary",
    "vanishing.machinery.params",
    *PARAMS,
]
# What a study's parameters may import: nothing heavier than numpy.
PARAMS_MAY_IMPORT = {
    "vanishing",
    "vanishing.core",
    "vanishing.core.vocabulary",
    "vanishing.machinery",
    "vanishing.machinery.config_types",
}
# Stages configured by the config's top level, not by a study's Params.
TOP_LEVEL_STAGES = {"probe", "summaries", "theory_tables"}


def test_the_cycle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f", "a"}, "f": {"e"}}
    assert imports.cycles(graph) == [["a", "b", "c"], ["e", "f"]]
    assert imports.cycle_path(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    assert imports.cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_reads_every_kind_of_import() -> None:
    # `from . import config_schema as cs` (a submodule), `from .config_types import Spec`
    assert {"vanishing.machinery.config_schema", "vanishing.machinery.config_types"} <= GRAPH[
        "vanishing.machinery.config_check"
    ]
    # `from .. import config_schema, pipeline` inside a function
    assert {"vanishing.machinery.config_schema", "vanishing.machinery.pipeline"} <= GRAPH[
        "vanishing.report.render"
    ]
    # `from .phase import ...` and `from ..params.source_d import ...`: the modules and
    # the packages above them
    assert {
        "vanishing.studies.phase",
        "vanishing.studies",
        "vanishing.machinery.params.source_d",
        "vanishing.machinery.params",
        "vanishing",
    } <= GRAPH["vanishing.studies.source_d"]
    assert all(m not in deps for m, deps in GRAPH.items())


def test_the_package_has_no_import_cycle() -> None:
    found = imports.cycles(GRAPH)
    assert not found, "import circles (each: one path round it):\n" + "\n".join(
        "  " + " -> ".join(imports.cycle_path(GRAPH, c)) for c in found
    )


def test_the_config_layer_does_not_import_the_manifest() -> None:
    pipeline = imports.module_file("vanishing.machinery.pipeline")
    for module in CONFIG_LAYER:
        assert pipeline not in imports.closure([module]), module


def test_every_study_has_its_params_module() -> None:
    studies = {
        m.removeprefix("vanishing.studies.") for m in GRAPH if m.startswith("vanishing.studies.")
    }
    names = {m.removeprefix("vanishing.machinery.params.") for m in PARAMS}
    assert names == studies - {"_small"} - TOP_LEVEL_STAGES
    for name in names:
        assert f"vanishing.machinery.params.{name}" in GRAPH[f"vanishing.studies.{name}"], name


def test_params_import_only_the_config_vocabulary() -> None:
    """stdlib, numpy, config_types, vocabulary and each other: no torch, no pandas, no
    manifest, so that the config check stays cheap."""
    for module in PARAMS:
        path = imports.module_file(module)
        assert path is not None
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = [(node.module or "").split(".")[0]]
            else:
                continue
            for top in tops:
                assert top in sys.stdlib_module_names or top in ("numpy", "vanishing"), (
                    f"{module} imports {top}"
                )
        ours = {m for m in GRAPH[module] if not m.startswith("vanishing.machinery.params")}
        assert ours <= PARAMS_MAY_IMPORT, f"{module} imports {sorted(ours - PARAMS_MAY_IMPORT)}"


def test_the_params_package_itself_imports_nothing() -> None:
    path = imports.module_file("vanishing.machinery.params")
    assert path is not None
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree)
    assert not any(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.walk(tree))
