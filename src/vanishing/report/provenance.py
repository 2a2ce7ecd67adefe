"""Where a report came from: the commit, the build date, the config's hash and the
package versions, so that a reader can rebuild the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata as md
import json
import os
import platform
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PACKAGES = (
    "torch",
    "numpy",
    "pandas",
    "matplotlib",
    "seaborn",
    "jinja2",
    "snakemake",
    "scikit-learn",
)
# The config whose report is the reference run (the one docs/report/ publishes).
REFERENCE_CONFIG = "default"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def git_commit(root: Path) -> str:
    try:
        out = _git(root, "rev-parse", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
        return out + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def build_date(root: Path) -> str:
    """The date the report states: SOURCE_DATE_EPOCH if set, else the date of the git
    commit it was built from (so a rebuild of the same commit is byte-identical)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    try:
        return _git(root, "log", "-1", "--format=%cs")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout; set SOURCE_DATE_EPOCH)"


def config_hash(config: dict[str, Any]) -> str:
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def config_identity(config: Mapping[str, Any], hash_: str) -> dict[str, Any]:
    """The config's name as the title block prints it: "default", "quick" or
    "custom (<hash>)", and whether this is the reference run."""
    name = str(config.get("name") or "")
    shown = name if name in ("default", "quick") else f"custom ({hash_})"
    return {"name": name or "custom", "label": shown, "reference": name == REFERENCE_CONFIG}


def package_version(root: Path) -> str:
    """The version the report states: pyproject.toml's in the checkout it was built
    from (an installed copy of the package may be another checkout's), else the
    installed package's."""
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
        if project["name"] == "vanishing":
            return str(project["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return md.version("vanishing")
    except md.PackageNotFoundError:
        return "unknown"


def provenance(config: dict[str, Any], root: Path) -> dict[str, Any]:
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = md.version(p)
        except md.PackageNotFoundError:
            versions[p] = "not installed"
    return {
        "commit": git_commit(root),
        "config_hash": config_hash(config),
        "date": build_date(root),
        "version": package_version(root),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "versions": versions,
    }
