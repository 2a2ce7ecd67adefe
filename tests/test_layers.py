"""The package's layout is its design: each folder a layer, and no module imports from a
layer above its own (imports inside functions count; ``vanishing.imports`` reads them).

From the bottom: the science core, the pipeline machinery (manifest, config, studies'
parameters, job running, tables, labels), the stages (studies), the claim checks, the
figures, the report, and the entry points (``cli``, ``publish``) on top.
"""

from __future__ import annotations

import pytest

from vanishing.machinery import imports

LAYERS = ("core", "machinery", "studies", "claims", "figures", "report")
TOP = "top"  # vanishing/__init__, __main__, cli, publish
GRAPH = imports.import_graph()


def layer(module: str) -> int:
    """0 for the core … len(LAYERS) for the top-level modules."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return len(LAYERS)


def test_every_module_is_in_a_layer_or_on_top() -> None:
    top = sorted(m for m in GRAPH if layer(m) == len(LAYERS))
    assert top == ["vanishing", "vanishing.__main__", "vanishing.cli", "vanishing.publish"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_from_a_layer_above_its_own(module: str) -> None:
    above = sorted(t for t in GRAPH[module] if layer(t) > layer(module) and t != "vanishing")
    assert not above, f"{module} ({(*LAYERS, TOP)[layer(module)]}) imports {above}"


def test_the_core_imports_nothing_else_of_the_package() -> None:
    for module, targets in GRAPH.items():
        if layer(module) == 0:
            assert all(layer(t) == 0 or t == "vanishing" for t in targets), module
