"""Snakemake commands in one process, through its command-line entry: importing
Snakemake once saves each command about a second (tests/test_dag.py runs a dry run per
module of the package, tests/test_config_battery.py a command per bad config).

Run with the checkout as the working directory, in one of two modes:

    python snakemake_worker.py edits <configfile> <file>...
        for each file: make it newer than every output, dry-run, restore the file
        with its times; one JSON line per file: {"file", "stdout"}
    python snakemake_worker.py commands <commands.json>
        a JSON list of {"id", "args", "env"}: each command with those environment
        variables set for it; one JSON line each: {"id", "returncode", "output"}
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

from snakemake.cli import args_to_api, parse_args


def run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    """Snakemake's exit status for ``argv`` (as `snakemake` would exit) and all it
    printed, with ``env`` added to the environment for the command only."""
    saved = dict(os.environ)
    os.environ.update(env or {})
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                parser, args = parse_args(argv)
                status = 0 if args_to_api(args, parser) else 1
            except SystemExit as e:  # argparse, or Snakemake giving up early
                status = e.code if isinstance(e.code, int) else 1
            except Exception as e:  # what the command line would print and exit 1 on
                print(f"{type(e).__name__}: {e}")
                status = 1
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return status, out.getvalue()


def dry_run(configfile: str) -> str:
    status, text = run(["-n", "--configfile", configfile])
    if status:
        raise RuntimeError(text[-3000:])
    return text


def edits(configfile: str, files: list[str]) -> None:
    for name in files:
        path = Path(name)
        text, st = path.read_text(), path.stat()
        # a real edit, newer than every output, restored with its times afterwards
        path.write_text(text + "\n# edited\n")
        os.utime(path, (st.st_atime + 1e6, st.st_mtime + 1e6))
        try:
            out = dry_run(configfile)
        finally:
            path.write_text(text)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        print(json.dumps({"file": name, "stdout": out}), flush=True)


def commands(spec: str) -> None:
    for cmd in json.loads(Path(spec).read_text()):
        status, text = run(cmd["args"], cmd.get("env"))
        print(json.dumps({"id": cmd["id"], "returncode": status, "output": text}), flush=True)


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "edits":
        edits(rest[0], rest[1:])
    elif mode == "commands":
        commands(rest[0])
    else:
        raise SystemExit(f"unknown mode {mode!r}: edits or commands")
