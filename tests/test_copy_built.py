"""The tests' copy of a built checkout, which races the build's fork server."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from .conftest import copy_built


def test_copy_built_leaves_a_live_fork_server_socket_and_keeps_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server still winding down after its Snakemake run: copying its socket fails
    # with ENXIO, which is how a shared quick build once failed eleven tests.
    src = tmp_path / "built"
    (src / ".snakemake").mkdir(parents=True)
    table = src / "results" / "table.csv"
    table.parent.mkdir()
    table.write_text("a\n1\n")
    os.utime(table, (1_000_000, 1_000_000))
    monkeypatch.chdir(src / ".snakemake")  # a Unix socket's path has at most 107 bytes
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("forkserver-0123.sock")
        server.listen()
        (src / ".snakemake" / "forkserver-0123.sock.log").write_text("started\n")
        dst = copy_built(src, tmp_path / "copy")
    assert (dst / "results" / "table.csv").read_text() == "a\n1\n"
    assert (dst / "results" / "table.csv").stat().st_mtime == 1_000_000
    assert sorted(p.name for p in (dst / ".snakemake").iterdir()) == []
