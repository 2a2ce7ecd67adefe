"""Dry runs of one checkout in one process: for each file named on the command line,
make it newer than every output, ask Snakemake (in-process, through its command-line
entry) which jobs it would run, restore the file, and print one JSON line with the dry
run's text. Importing Snakemake once saves the test of every module about a second a
dry run (tests/test_dag.py).

Run with the checkout as the working directory: python dryrun_worker.py <configfile>
<file>...
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

from snakemake.cli import args_to_api, parse_args


def dry_run(configfile: str) -> str:
    parser, args = parse_args(["-n", "--configfile", configfile])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        if not args_to_api(args, parser):
            raise RuntimeError(out.getvalue()[-3000:])
    return out.getvalue()


def main(configfile: str, files: list[str]) -> None:
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


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
