"""Shared test set-up: deterministic, single-threaded torch, like the pipeline,
and one end-to-end build of the quick config that several test files inspect."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# What a checkout needs to run the workflow (the copy runs its own src/).
COPY = ["Snakefile", "environment.yml", "profiles", "workflow", "config", "report/templates", "src"]
QUICK = "results/quick"  # config/quick.yaml's results_dir


@pytest.fixture(autouse=True, scope="session")
def _torch_threads() -> None:
    torch.set_num_threads(1)


def copy_checkout(work: Path) -> Path:
    for item in COPY:
        src, dst = ROOT / item, work / item
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    return work


def snakemake(work: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=work, capture_output=True, text=True, env=env)
    if check:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary checkout with the quick config built (about a minute)."""
    work = copy_checkout(tmp_path_factory.mktemp("quick"))
    snakemake(work, "--cores", "2", "--configfile", "config/quick.yaml")
    return work
