"""Shared test set-up: deterministic, single-threaded torch, like the pipeline,
and one end-to-end build of the quick config that several test files inspect (made
once per run, in the background, shared by pytest-xdist's workers)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# What a checkout needs to run the workflow (the copy runs its own src/).
COPY = ["Snakefile", "environment.yml", "profiles", "workflow", "config", "report/templates", "src"]
QUICK_CONFIG = "config/quick.yaml"
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


class QuickBuild:
    """The one build of the quick config in a test run (about a minute), started in a
    thread when the first test of a run that inspects it begins, so that it overlaps
    the unit tests; `quick_run` waits for it.

    Under pytest-xdist (`make test`) the build is shared by the workers through the
    run's common temporary folder: the worker that takes the lock first builds (and
    holds the lock until done), the others wait on the lock, then copy the result."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        base = factory.getbasetemp()
        shared = base.parent if "PYTEST_XDIST_WORKER" in os.environ else base
        self.dir = shared / "quick-build"
        self.done = shared / "quick-build.done"  # the build's return code, then its log
        self._lock = shared / "quick-build.lock"
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[str] | None = None

    def stop(self) -> None:
        """End a build still running when the session ends (a failed run, ^C)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()

    def start(self) -> None:
        """Build in a thread, unless another worker builds or has built already."""
        lock = open(self._lock, "a")  # the thread closes it, which releases the lock
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            return
        if self.done.exists():
            lock.close()
            return
        self._thread = threading.Thread(target=self._build, args=(lock,), daemon=True)
        self._thread.start()

    def _build(self, lock: IO[str] | None) -> None:
        try:
            shutil.rmtree(self.dir, ignore_errors=True)
            copy_checkout(self.dir)
            args = ["--cores", "2", "--configfile", QUICK_CONFIG]
            self._proc = subprocess.Popen(
                [*SNAKEMAKE, *args],
                cwd=self.dir,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            log, _ = self._proc.communicate()
            self.done.write_text(f"{self._proc.returncode}\n{log[-6000:]}")
        except Exception as e:  # reported by wait(), in the test that needs the build
            self.done.write_text(f"1\n{e!r}")
        finally:
            if lock is not None:
                lock.close()

    def wait(self) -> Path:
        """The built checkout; builds here if no one started it."""
        if self._thread is not None:
            self._thread.join()
        with open(self._lock, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker's build ends
            if not self.done.exists():
                self._build(None)
        code, _, log = self.done.read_text().partition("\n")
        assert code == "0", f"the quick build failed:\n{log}"
        return self.dir


def _uses_quick_run(item: pytest.Item) -> bool:
    return "quick_run" in getattr(item, "fixturenames", ())


@pytest.fixture(autouse=True, scope="session")
def _quick_build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[QuickBuild]:
    build = QuickBuild(tmp_path_factory)
    if any(_uses_quick_run(item) for item in request.session.items):
        build.start()
    yield build
    build.stop()


@pytest.fixture(scope="session")
def quick_run(_quick_build: QuickBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary checkout with the quick config built, this worker's own copy (15 MB,
    with its times, so that Snakemake sees it complete): tests may change it."""
    return copy_built(_quick_build.wait(), tmp_path_factory.mktemp("quick"))


def copy_built(src: Path, dst: Path) -> Path:
    """Copy a built checkout with its times. The fork server of the build's last
    Snakemake run may still be winding down: its socket cannot be copied, and its lock
    and log belong to that run, so they stay behind."""
    skip = shutil.ignore_patterns("forkserver-*")
    shutil.copytree(src, dst, dirs_exist_ok=True, symlinks=True, ignore=skip)
    return dst
