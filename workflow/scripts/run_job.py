# Every rule's script: the job's inputs, outputs and parameters reach the
# library as Python objects (see vanishing.machinery.jobs), never through a shell.
# A local job is handed to a fork server that has torch, pandas and matplotlib
# imported already (vanishing.machinery.forkserver, which imports neither).
import os
import sys

# this checkout's src/, whatever an editable install elsewhere points to
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))

from vanishing.machinery.forkserver import run  # noqa: E402

run(snakemake)  # noqa: F821 (Snakemake defines it)
