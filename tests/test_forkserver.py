"""The fork server for local jobs (vanishing.machinery.forkserver): a job through it
gives the bytes a job in its own process gives, fails the same way, dies with its
client, and imports this checkout's code as it is when the job starts."""

from __future__ import annotations

import filecmp
import os
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from vanishing.machinery import forkserver
from vanishing.machinery.config_check import fill_defaults
from vanishing.machinery.jobs import execute

from .conftest import ROOT, copy_checkout, snakemake


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    """A working directory with .snakemake/ (where the socket goes) and a module
    folder on the path for the jobs below; the server is told to exit after 1 s idle."""
    (tmp_path / ".snakemake").mkdir()
    (tmp_path / "mods").mkdir()
    yield tmp_path
    _wait_for_servers(tmp_path)


def _request(work: Path, module: str, **extra: Any) -> dict[str, Any]:
    """A figure-kind job running ``module.main`` (a figure job needs no parameters)."""
    env = {**os.environ, forkserver.LOCAL_JOBS: str(os.getpid()), "VANISHING_FORKSERVER_IDLE": "1"}
    env.pop(forkserver.OPT_OUT, None)
    return {
        "rule": "figure",
        "input": {},
        "output": {"out": [str(work / "out" / "result.txt")]},
        "log": str(work / "logs" / "job.log"),
        "threads": 1,
        "job": {"kind": "figure", "module": module, "torch": False},
        "p": {},
        "cwd": str(work),
        "sys_path": [str(work / "mods"), str(ROOT / "src"), *sys.path],
        "env": env,
        **extra,
    }


def _module(work: Path, name: str, body: str) -> None:
    (work / "mods" / f"{name}.py").write_text(textwrap.dedent(body))


def _socket(work: Path, snakemake_pid: int | None = None) -> Path:
    path = forkserver.socket_path(str(work), str(snakemake_pid or os.getpid()))
    assert path is not None
    return Path(path)


def _server_pids(work: Path, snakemake_pid: int | None = None) -> list[int]:
    log = _socket(work, snakemake_pid).with_suffix(".sock.log")
    text = log.read_text() if log.exists() else ""
    return [int(m) for m in re.findall(r"PID (\d+) serving", text)]


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (/proc, no psutil)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def _wait_for_servers(work: Path) -> None:
    for pid in _server_pids(work):
        assert _wait_gone(pid), f"fork server {pid} still running"


def test_a_job_through_the_server_gives_the_same_bytes(work: Path) -> None:
    """The theory stage's tables, once in this process and once in a server's child."""
    from vanishing.machinery import pipeline

    theory = next(s for s in pipeline.STAGES if s.name == "theory")
    outputs = {k: [str(work / "direct" / p)] for k, p in theory.outputs.items()}
    job = {"kind": "stage", "module": theory.module, "params_type": theory.params_type}
    config = {
        **yaml.safe_load((ROOT / "config/config.yaml").read_text()),
        **yaml.safe_load((ROOT / "config/quick.yaml").read_text()),
    }
    fill_defaults(config)
    req = _request(work, theory.module, rule="theory", p=theory.job_params(config, ""))
    req["job"] = {**job, "torch": theory.torch}
    execute({**req, "output": outputs, "log": str(work / "direct.log")})
    served = {k: [str(work / "served" / p)] for k, p in theory.outputs.items()}
    assert forkserver.submit({**req, "output": served}) == 0
    for key in outputs:
        assert filecmp.cmp(outputs[key][0], served[key][0], shallow=False), key
    log = Path(req["log"]).read_text()
    last = log.splitlines()[-1]
    assert forkserver.PEAK_LINE in last and re.search(r"CPU time \d+\.\d\d s", last), last


def test_a_failing_job_fails_with_its_traceback_in_the_log(work: Path) -> None:
    _module(work, "broken", "def main(inputs, outputs, params):\n    raise ValueError('no luck')\n")
    req = _request(work, "broken")
    assert forkserver.submit(req) == 1
    log = Path(req["log"]).read_text()
    assert "Traceback" in log and "ValueError: no luck" in log and "broken.py" in log


def test_the_child_imports_this_checkouts_code_fresh(work: Path) -> None:
    """Edit a vanishing module between two jobs: the second sees the edit, and the
    job's vanishing is the one on its sys.path (a copy here), loaded in the child."""
    shutil.copytree(ROOT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
    edited = work / "src" / "vanishing" / "edited_for_test.py"
    _module(
        work,
        "report_version",
        """
        import sys
        from pathlib import Path

        def main(inputs, outputs, params):
            loaded = [m for m in sys.modules if m.startswith("vanishing")]
            import vanishing, vanishing.edited_for_test as e
            Path(outputs[0]).write_text(f"{e.VERSION} {vanishing.__file__} {len(loaded)}")
        """,
    )
    req = _request(work, "report_version")
    req["sys_path"] = [str(work / "mods"), str(work / "src"), *sys.path]
    out = Path(req["output"]["out"][0])
    for version in ("1", "22"):  # a different size: no stale .pyc whatever the mtime
        edited.write_text(f"VERSION = {version}\n")
        assert forkserver.submit(req) == 0, Path(req["log"]).read_text()
        got, where, _ = out.read_text().split()
        assert got == version and where.startswith(str(work / "src"))
    assert len(_server_pids(work)) == 1  # both jobs went to one server


def test_killing_the_client_kills_the_job(work: Path) -> None:
    _module(
        work,
        "slow",
        """
        import os, time
        from pathlib import Path

        def main(inputs, outputs, params):
            Path(outputs[0]).with_name("pid").write_text(str(os.getpid()))
            time.sleep(120)
        """,
    )
    req = _request(work, "slow")
    pickled = work / "req.pickle"
    pickled.write_bytes(pickle.dumps(req))
    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import pickle, sys; from vanishing.machinery import forkserver;"
            f"sys.exit(forkserver.submit(pickle.load(open({str(pickled)!r}, 'rb'))))",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        start_new_session=True,
    )
    pid_file = work / "out" / "pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)
    job = int(pid_file.read_text())
    assert _alive(job)
    client.kill()  # SIGKILL: no clean-up in the client
    client.wait()
    assert _wait_gone(job), "the job outlived its client"


def test_the_server_exits_when_idle(work: Path) -> None:
    _module(work, "quick", "def main(inputs, outputs, params):\n    pass\n")
    req = _request(work, "quick")
    assert forkserver.submit(req) == 0
    [server] = _server_pids(work)
    assert _alive(server)
    assert _wait_gone(server, timeout=15)
    assert not _socket(work).exists()


def test_the_server_holds_no_vanishing_module_and_no_thread(work: Path) -> None:
    """A job must import vanishing fresh, and fork() a single-threaded process."""
    _module(
        work,
        "inspect_parent",
        """
        import os
        from pathlib import Path

        def main(inputs, outputs, params):
            parent = os.getppid()
            tasks = len(os.listdir(f"/proc/{parent}/task"))
            Path(outputs[0]).write_text(str(tasks))
        """,
    )
    req = _request(work, "inspect_parent")
    assert forkserver.submit(req) == 0, Path(req["log"]).read_text()
    assert Path(req["output"]["out"][0]).read_text() == "1"


def test_the_opt_out_and_cluster_jobs_run_in_their_own_process(work: Path) -> None:
    req = _request(work, "quick")
    assert forkserver.wanted(req)
    assert not forkserver.wanted({**req, "env": {**req["env"], forkserver.OPT_OUT: "0"}})
    cluster = {k: v for k, v in req["env"].items() if k != forkserver.LOCAL_JOBS}
    assert not forkserver.wanted({**req, "env": cluster})
    assert not forkserver.wanted({**req, "threads": 2})


def test_a_long_working_directory_gets_a_short_private_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    (deep / ".snakemake").mkdir(parents=True)
    path = forkserver.socket_path(str(deep), "1")
    assert path is not None and len(path.encode()) <= forkserver.SOCKET_MAX
    assert os.stat(os.path.dirname(path)).st_mode & 0o077 == 0


# ---- a few stages of the quick build, with and without the server ------------------

TARGETS = [
    "results/quick/figures/activation_derivatives.png",
    "results/quick/figures/delta_heatmap.png",
]


@pytest.mark.e2e
def test_stages_and_figures_are_byte_identical_with_and_without_the_server(
    quick_run: Path, tmp_path: Path
) -> None:
    """theory, probe, summarise_probe and two figures built by Snakemake with
    VANISHING_FORKSERVER=0 give the bytes of the quick build, which the server ran."""
    served_log = (quick_run / "logs/quick/theory.log").read_text()
    assert forkserver.PEAK_LINE in served_log  # a job the server ran says so in its log
    work = copy_checkout(tmp_path)
    os.environ[forkserver.OPT_OUT] = "0"
    try:
        snakemake(work, *TARGETS, "--cores", "2", "--configfile", "config/quick.yaml")
    finally:
        del os.environ[forkserver.OPT_OUT]
    assert forkserver.PEAK_LINE not in (work / "logs/quick/theory.log").read_text()
    alone, served = work / "results/quick", quick_run / "results/quick"
    files = sorted(p.relative_to(alone) for p in alone.rglob("*") if p.is_file())
    assert len(files) >= 8
    differ = [f for f in files if (alone / f).read_bytes() != (served / f).read_bytes()]
    assert differ == []
