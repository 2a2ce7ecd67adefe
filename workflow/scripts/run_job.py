# Every rule's script: the job's inputs, outputs and parameters reach the
# library as Python objects (see vanishing.machinery.jobs), never through a shell.
import os
import sys

# this checkout's src/, whatever an editable install elsewhere points to
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))

from vanishing.machinery.jobs import run_job  # noqa: E402

run_job(snakemake)  # noqa: F821 (Snakemake defines it)
