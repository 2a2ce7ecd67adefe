"""The import closure of a module inside this package, read from the source.

Snakemake does not follow a script's imports, so each rule lists the files of
its module's closure as inputs: editing any of them reruns exactly the jobs
whose code imports it. Imports are read with ``ast`` (nothing is executed),
including imports inside functions.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = "vanishing"
ROOT = Path(__file__).resolve().parent  # src/vanishing


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


@cache
def direct_imports(path: Path) -> frozenset[str]:
    """Names of the package's modules that ``path`` imports (at any nesting)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
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
