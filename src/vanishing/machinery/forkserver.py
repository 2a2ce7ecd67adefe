"""A fork server for local jobs: each job's process skips the ~1–2 s of importing
torch, pandas and matplotlib.

The workflow's script (workflow/scripts/run_job.py) is a light *client*: it turns
Snakemake's job object into plain data (``request``) and sends it over a Unix socket
to a *server* that has imported the third-party libraries once. The server forks a
child per job; the child imports this checkout's ``vanishing`` code fresh (the
server never imports it, so an edit between two jobs is seen), runs exactly what an
in-process job runs (``vanishing.machinery.jobs.execute``) and exits; the server
sends its exit status and peak memory back, and the client exits with the status.

Only for jobs Snakemake runs on this machine: the Snakefile sets ``LOCAL_JOBS`` (to
Snakemake's PID) only when the workflow executes jobs locally, so cluster jobs run
as before. ``VANISHING_FORKSERVER=0`` turns the server off. Any failure to reach a
server makes the client run the job itself, as before.

Processes: the first client starts the server (``python forkserver.py``, by path,
so that no ``vanishing`` module is loaded in it) in its own process group, which is
Snakemake's: a kill of that group reaches the server. Each child gets a process
group of its own, which the server kills when the client's connection drops (the
client was killed), and dies with the server (PR_SET_PDEATHSIG). The server exits
after ``IDLE_S`` seconds without a job, or when Snakemake's process is gone.

This module imports only the standard library: the client must stay light.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

LOCAL_JOBS = "VANISHING_LOCAL_JOBS"  # Snakemake's PID, set by the Snakefile for local runs
OPT_OUT = "VANISHING_FORKSERVER"  # "0": every job imports its libraries itself
IDLE_S = 5.0  # the server exits after this long without a job (…_IDLE: tests)
START_TIMEOUT_S = 120.0  # waiting for a new server to answer (it imports torch first)
SOCKET_MAX = 100  # bytes; sun_path holds 108 with its terminating NUL
ENV_AT_IMPORT = {  # as core.runtime.setup(threads=1) sets them before torch is imported
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
}
PEAK_LINE = "forkserver: peak resident memory"


# ---- messages: an 8-byte length, then a pickle of plain data ---------------------------


def _send(sock: socket.socket, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(struct.pack("!Q", len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise ConnectionError("connection closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv(sock: socket.socket) -> Any:
    (n,) = struct.unpack("!Q", _recv_exact(sock, 8))
    return pickle.loads(_recv_exact(sock, n))


# ---- the client -----------------------------------------------------------------------


def _named(namedlist: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in namedlist.items():
        out[key] = [value] if isinstance(value, str) else list(value)
    return out


def request(smk: Any) -> dict[str, Any]:
    """What a job needs from Snakemake's job object, as plain data: the same for
    a job run in this process and one handed to the server."""
    return {
        "rule": smk.rule,
        "input": _named(smk.input),
        "output": _named(smk.output),
        "log": str(smk.log[0]) if smk.log else None,
        "threads": int(smk.threads),
        "job": dict(smk.params.job),
        "p": smk.params.get("p", {}),
        "cwd": os.getcwd(),
        "sys_path": list(sys.path),
        "env": dict(os.environ),
    }


def wanted(req: dict[str, Any]) -> bool:
    """Whether this job goes to a server: a local run (the Snakefile says so), not
    opted out, one thread (the server loaded its libraries for one), and a system
    with fork and Unix sockets."""
    env = req["env"]
    return (
        env.get(OPT_OUT, "1") != "0"
        and env.get(LOCAL_JOBS, "").isdigit()
        and req["threads"] == 1
        and sys.platform.startswith("linux")
    )


def socket_path(cwd: str, key: str) -> str | None:
    """The server's socket for this checkout, user, Python and Snakemake run: under
    the working directory's .snakemake/, or, when that path is too long for a Unix
    socket, in a private folder of the temporary directory. None if neither works."""
    digest = hashlib.sha256(
        "\0".join([str(os.getuid()), cwd, sys.executable, key]).encode()
    ).hexdigest()[:16]
    local = os.path.join(cwd, ".snakemake", f"forkserver-{digest}.sock")
    if len(os.fsencode(local)) <= SOCKET_MAX and os.path.isdir(os.path.dirname(local)):
        return local
    folder = os.path.join(tempfile.gettempdir(), f"vanishing-{os.getuid()}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    # another user's folder, or one others can write to, is not private
    if st.st_uid != os.getuid() or st.st_mode & 0o077 or not os.path.isdir(folder):
        return None
    short = os.path.join(folder, f"{digest}.sock")
    return short if len(os.fsencode(short)) <= SOCKET_MAX else None


def _connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def _start_server(path: str, parent: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start a server in the background. Two clients may both start one: the
    server's lock decides, and the loser exits at once. Its output goes to a log
    file, never to this process's stdout/stderr (callers that capture them would
    wait for the server to exit)."""
    # Not `python -I`: the server and its children keep this environment's
    # PYTHONHASHSEED, as a job started by Snakemake would.
    with open(path + ".log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, __file__, path, parent],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            cwd="/",
            env=env,
        )


def submit(req: dict[str, Any]) -> int | None:
    """Run the job in a server's child and return its exit status, or None if no
    server could take it (the caller then runs the job itself)."""
    path = socket_path(req["cwd"], req["env"][LOCAL_JOBS])
    if path is None:
        return None
    for _attempt in range(3):
        sock = _connect(path)
        if sock is None:
            server = _start_server(path, req["env"][LOCAL_JOBS], req["env"])
            deadline = time.monotonic() + START_TIMEOUT_S
            while sock is None and time.monotonic() < deadline:
                # A server that exited lost the race to another (which answers
                # at once) or failed (see its log next to the socket).
                ended = server.poll() is not None
                time.sleep(0.05)
                sock = _connect(path)
                if ended:
                    break
            if sock is None:
                return None
        with sock:
            try:
                _send(sock, req)
                started = sock.recv(1)
            except OSError:
                started = b""
            if started != b"S":  # the server closed before taking the job: try again
                continue
            try:
                reply = _recv(sock)
            except (OSError, EOFError):
                print("forkserver: the server died while the job ran", file=sys.stderr)
                return 1
        if req["log"]:
            with open(req["log"], "a") as log:
                print(
                    f"{PEAK_LINE} {reply['maxrss_kb'] / 1024:.0f} MB and CPU time "
                    f"{reply['cpu_s']:.2f} s (the job's process; "
                    f"it shares the pages of the {reply['server_mb']:.0f} MB server it was "
                    "forked from, which count here where it touches them)",
                    file=log,
                )
        return int(reply["status"])
    return None


def served(req: dict[str, Any]) -> int | None:
    """The exit status of the job run by a server, or None if this job is not for
    one or no server could take it: the caller (workflow/scripts/run_job.py) then
    runs it in its own process, with ``vanishing.machinery.jobs.execute``."""
    return submit(req) if wanted(req) else None


# ---- the server -----------------------------------------------------------------------


def log_to(path: str) -> None:
    """Send this process's stdout and stderr (C libraries' too) to the job's log."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def preload() -> None:
    """Import the third-party libraries jobs use, and nothing of ``vanishing``: a
    job must import this checkout's code as it is when the job starts. No torch op
    runs here: an OpenMP thread pool started before fork() would hang children."""
    for var, value in ENV_AT_IMPORT.items():
        os.environ.setdefault(var, value)
    import matplotlib
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import torch  # noqa: F401

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    # as vanishing.figures does: seaborn without scipy.stats and scipy.cluster
    hidden = ("scipy.stats", "scipy.cluster")
    if not any(m in sys.modules for m in hidden):
        for m in hidden:
            sys.modules[m] = None  # type: ignore[assignment]
        try:
            import seaborn  # noqa: F401
        finally:
            for m in hidden:
                del sys.modules[m]
    import jinja2  # noqa: F401
    import yaml  # noqa: F401

    _warm_matplotlib()


def _warm_matplotlib() -> None:
    """Draw a small figure to PNG and PDF once, so that each figure job's child starts
    with what it would otherwise build for itself: the mathtext parser, the font
    objects and their glyph caches (about 0.5 s of CPU a figure job). Caches only: a
    figure's bytes are the same with and without (tests/test_forkserver.py)."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    ax = fig.add_subplot()
    ax.plot([1, 10], [1, 100])
    ax.set(xscale="log", yscale="log", title="$\\mathdefault{10^{-2}}$ α ∞ %")
    for fmt in ("png", "pdf"):
        fig.savefig(io.BytesIO(), format=fmt)


def _die_with_parent() -> None:
    """Linux: get SIGKILL when the server exits, however it exits."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _child(req: dict[str, Any], server: int) -> int:
    """In the forked child: become the job's process and run it."""
    os.setpgid(0, 0)
    _die_with_parent()
    if os.getppid() != server:  # the server died before prctl
        return 1
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    sys.path[:] = req["sys_path"]
    importlib.invalidate_caches()  # the server's directory listings may be old
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if req["log"]:
        log_to(req["log"])
    try:
        leaked = sorted(m for m in sys.modules if m == "vanishing" or m.startswith("vanishing."))
        if leaked:
            raise RuntimeError(f"the fork server had loaded {leaked}: code would be stale")
        # By name: this checkout's code, imported now, in the child (the server
        # runs this file as __main__ and holds no vanishing module).
        jobs = importlib.import_module("vanishing.machinery.jobs")
        jobs.execute(req, redirect=False)
    except SystemExit as e:
        code = e.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _fork(req: dict[str, Any], close: list[socket.socket], fds: list[int]) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    server = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for s in close:
                s.close()
            for fd in fds:
                os.close(fd)
            code = _child(req, server)
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    try:
        os.setpgid(pid, pid)  # also here: a kill right after fork must reach it
    except OSError:
        pass  # the child did it already, or has exited
    return pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _resident_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def serve(path: str, parent: int, idle_s: float = IDLE_S) -> int:
    import fcntl

    # The lock decides which of two servers started at once serves; held until exit.
    lock = open(path + ".lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0
    if os.path.exists(path):
        os.unlink(path)  # a dead server's
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)  # only this user may connect
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(64)  # clients queue here while the libraries load
    preload()
    server_mb = _resident_mb()
    jobs: dict[socket.socket, int] = {}  # a client's connection → its job's PID
    pidfds: dict[int, socket.socket] = {}  # a child's pidfd → the client's connection
    gone: set[socket.socket] = set()  # clients that closed: their job is being killed
    last = time.monotonic()
    print(f"{time.ctime()} PID {os.getpid()} serving {path} for PID {parent}", flush=True)
    try:
        while True:
            waiting = [c for c in jobs if c not in gone]
            watched: list[Any] = [listener, *waiting, *pidfds]  # sockets and pidfds
            ready, _, _ = select.select(watched, [], [], 0.5)
            for r in ready:
                if r is listener:
                    conn, _ = listener.accept()
                    conn.settimeout(30)
                    try:
                        req = _recv(conn)
                    except (OSError, EOFError, pickle.UnpicklingError):
                        conn.close()
                        continue
                    conn.settimeout(None)
                    pid = _fork(req, [listener, conn, *jobs], list(pidfds))
                    jobs[conn] = pid
                    pidfds[os.pidfd_open(pid)] = conn
                    try:
                        conn.sendall(b"S")
                    except OSError:
                        pass  # the client is gone: noticed below
                elif isinstance(r, socket.socket):
                    # The client sends nothing more: readable means it closed (it
                    # was killed). Kill the job's process group; reaped below.
                    gone.add(r)
                    try:
                        os.killpg(jobs[r], signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                else:
                    conn = pidfds.pop(r)
                    os.close(r)
                    pid = jobs.pop(conn)
                    gone.discard(conn)
                    _, status, usage = os.wait4(pid, 0)
                    reply = {
                        "status": os.waitstatus_to_exitcode(status),
                        "maxrss_kb": usage.ru_maxrss,
                        "cpu_s": usage.ru_utime + usage.ru_stime,
                        "server_mb": server_mb,
                    }
                    if reply["status"] < 0:  # killed by a signal
                        reply["status"] = 128 - reply["status"]
                    try:
                        _send(conn, reply)
                    except OSError:
                        pass
                    conn.close()
                    last = time.monotonic()
            if not jobs and (time.monotonic() - last > idle_s or not _alive(parent)):
                break
            if not _alive(parent):
                for pid in jobs.values():
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
    finally:
        # No new client may reach a closing server: the path goes first, and clients
        # queued unaccepted see the connection close and start another.
        os.unlink(path)
        listener.close()
        t = os.times()  # CPU seconds, the jobs' (its waited-for children) included
        print(
            f"{time.ctime()} exiting; CPU s: own {t.user + t.system:.2f}, "
            f"jobs {t.children_user + t.children_system:.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    # Run by path, not as vanishing.machinery.forkserver: the server must hold no
    # vanishing module. Its own folder is not a package root: drop it from the path.
    sys.path.pop(0)
    sys.exit(serve(sys.argv[1], int(sys.argv[2]), float(os.environ.get(OPT_OUT + "_IDLE", IDLE_S))))
