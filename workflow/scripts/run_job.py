# Every rule's script: the job's inputs, outputs and parameters reach the
# library as Python objects (see vanishing.machinery.jobs), never through a shell.
# A local job is handed to a fork server that has torch, pandas and matplotlib
# imported already (vanishing.machinery.forkserver, which imports none of them);
# otherwise, or if no server answers, it runs here.
import os
import sys

# this checkout's src/, whatever an editable install elsewhere points to
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))

from vanishing.machinery.forkserver import request, served  # noqa: E402

job = request(snakemake)  # noqa: F821 (Snakemake defines it)
status = served(job)
if status is None:
    from vanishing.machinery.jobs import execute

    execute(job)
elif status:
    sys.exit(status)
