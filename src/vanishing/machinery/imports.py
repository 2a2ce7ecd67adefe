"""The import closure of a module inside this package, read from the source.

Snakemake does not follow a script's imports, so each rule lists the files of
its module's closure as inputs: editing any of them reruns exactly the jobs
whose code imports it. Imports are read with ``ast`` (nothing is executed),
including imports inside functions.

The same reading gives the package's import graph (``import_graph``) and its circles
(``cycles``): tests/test_import_cycles.py keeps the package free of them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

PACKAGE = "vanishing"
ROOT = Path(__file__).resolve().parent.parent  # src/vanishing


@cache
def module_file(name: str) -> Path | None:
    """The file of ``vanishing.x.y`` (a module or a package's __init__), if any."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = ROOT.joinpath(*parts[1:])
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


# An import statement at any indentation (inside functions too), with a parenthesised
# name list over several lines. Parsing only these, not the whole file, keeps the
# closure of every rule cheap: the Snakefile computes it at each parse.
_STATEMENT = re.compile(
    r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)",
    re.M,
)


def _import_nodes(source: str) -> list[ast.stmt]:
    """The import statements of a module's source (a line that only looks like one, in
    a docstring, does not parse and is skipped)."""
    nodes: list[ast.stmt] = []
    for m in _STATEMENT.finditer(source):
        try:
            nodes.extend(ast.parse(m.group().strip()).body)
        except SyntaxError:
            continue
    return nodes


@cache
def direct_imports(path: Path) -> frozenset[str]:
    """Names of the package's modules that ``path`` imports (at any nesting)."""
    found: set[str] = set()
    for node in _import_nodes(path.read_text()):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pkg = _package_of(path).split(".")
                base = ".".join(pkg[: len(pkg) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            found.add(base)
            # `from .studies import training` imports a submodule
            found.update(f"{base}.{a.name}" for a in node.names)
    return frozenset(n for n in found if module_file(n) is not None)


def closure(modules: list[str]) -> list[Path]:
    """Every file of this package that importing ``modules`` executes: the
    modules, what they import transitively, and each one's parent packages."""
    todo = [m for m in modules]
    seen: set[Path] = set()
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            f = module_file(".".join(parts[:i]))
            if f is None:
                if i == len(parts):
                    raise ModuleNotFoundError(name)
                continue
            if f not in seen:
                seen.add(f)
                todo.extend(direct_imports(f))
    return sorted(seen)


def all_modules() -> list[str]:
    """Every module of the package, by dotted name."""
    return sorted(_module_name(p) for p in ROOT.rglob("*.py"))


def _with_parents(name: str) -> list[str]:
    """``name`` and the packages above it that have files: importing a.b.c runs
    a/__init__ and a/b/__init__ too."""
    parts = name.split(".")
    prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return [p for p in prefixes if module_file(p) is not None]


def import_graph() -> dict[str, frozenset[str]]:
    """Every module of the package → the package's modules that importing it imports
    directly (at any nesting, relative imports resolved, each with its parent packages)."""
    graph: dict[str, frozenset[str]] = {}
    for name in all_modules():
        path = module_file(name)
        assert path is not None, name
        found = {p for n in direct_imports(path) for p in _with_parents(n)}
        graph[name] = frozenset(found - {name})
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import circles of ``graph``: its strongly connected components of more than
    one module (Tarjan's algorithm), each sorted, sorted by their first module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def cycle_path(graph: Mapping[str, Iterable[str]], component: list[str]) -> list[str]:
    """One circle through a strongly connected ``component``, from its first module back
    to it (the shortest such), for a message: [a, b, c, a]."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    todo = [start]
    while todo:
        nxt = []
        for v in todo:
            for w in sorted(graph.get(v, ())):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if w in members and w not in came_from:
                    came_from[w] = v
                    nxt.append(w)
        todo = nxt
    raise ValueError(f"no circle through {start} in {component}")


def docstring(name: str) -> str:
    """A module's docstring read from its source, without importing it ("" if none)."""
    path = module_file(name)
    if path is None:
        raise KeyError(f"no module {name!r} in {PACKAGE}")
    return ast.get_docstring(ast.parse(path.read_text())) or ""
