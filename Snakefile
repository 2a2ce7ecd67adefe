# vanishing: experiments on vanishing and exploding gradients.
#
#   snakemake                                          # the default report
#   snakemake --configfile config/quick.yaml           # the seconds-scale one
#   snakemake results/figures/thresholds.png           # one figure
#
# Rules are generated from the manifest, src/vanishing/machinery/pipeline.py.
import glob
import os
import sys

from snakemake.utils import min_version

min_version("9.0")

# Use this checkout's own library (jobs do the same, workflow/scripts/run_job.py),
# whatever an editable install elsewhere points to.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from vanishing.machinery.config_check import check_config, fill_defaults, retype_cli_values
from vanishing.machinery.forkserver import LOCAL_JOBS


envvars:
    "PATH",


configfile: "config/config.yaml"


# Every check before any job: key paths named, all problems at once (see
# vanishing.machinery.config_check). `--config depths=[2,4]` arrives as strings: read them as YAML.
# The machine checks (CUDA, memory) are for the host that runs the jobs: a cluster's
# login node may have no GPU, so VANISHING_SUBMIT_ONLY=1 skips them there.
retype_cli_values(config, workflow.config_settings.config)
check_config(
    config,
    machine=workflow.is_main_process and os.environ.get("VANISHING_SUBMIT_ONLY", "") != "1",
    cores=workflow.resource_settings.cores or 1,
)
USER_CONFIG = dict(config)  # as given, before the schema fills defaults (config hash)

# When Snakemake runs every job on this machine, jobs hand themselves to a fork server
# that has imported torch, pandas and matplotlib once (src/vanishing/machinery/
# forkserver.py); it lives as long as this Snakemake process, whose PID this names.
# With a cluster executor every job starts as before, the localrules too. The
# executor is known when the run starts, not while the Snakefile is parsed: onstart.
os.environ.pop(LOCAL_JOBS, None)  # never inherited (a cluster job's own Snakemake)


onstart:
    if workflow.is_main_process and workflow.local_exec:
        os.environ[LOCAL_JOBS] = str(os.getpid())


# Defaults from the schema (generated from the same types; a test keeps them equal, and
# another that this fills them as Snakemake's validate() would), already checked above.
fill_defaults(config)


include: "workflow/rules/common.smk"
include: "workflow/rules/stages.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"


# Rules that take seconds run on the submitting host, not as cluster jobs.
localrules:
    all,
    figure,
    claims,
    claims_figure,
    report,
    report_pdf,


rule all:
    default_target: True
    input:
        ALL_TABLES,
        ALL_FIGURES,
        rules.claims.output,
        rules.report.output,
        rules.report_pdf.output if HAVE_LATEXMK else [],
