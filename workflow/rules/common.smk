# Helpers shared by the rule files. Rules are generated from the manifest in
# src/vanishing/machinery/pipeline.py; every path comes from there.
import functools
import os
import re
import sys

from vanishing.machinery import imports, pipeline
from vanishing.machinery.jobs import input_key
from vanishing.report.latex import latex_ready

# Jobs run `python` from the environment running Snakemake (the venv), whether or
# not it is activated: put its bin/ first on PATH.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

RESULTS = config["results_dir"]
REPORT = config["report_dir"]
LOGS = config["logs_dir"]
# Runtime pins only: environment.yml also installs the project with a path relative
# to itself, which Snakemake's copy of the file in .snakemake/conda/ would break.
ENV = "../envs/vanishing.yaml"
# The PDF needs latexmk, XeLaTeX and the CJK font the preamble names; without them the
# pipeline builds the Markdown report only (`make report` installs them where it can).
HAVE_LATEXMK = latex_ready()


def alternatives(values):
    """A wildcard constraint matching exactly the given values."""
    return "|".join(re.escape(str(v)) for v in values) or "(?!)"


def code(*modules):
    """The files whose edits change these modules' behaviour: their import closure."""
    root = imports.ROOT.parent.parent  # the checkout
    runner = ["vanishing.machinery.jobs", "vanishing.core.runtime"]
    return [str(p.relative_to(root)) for p in imports.closure([*runner, *modules])]


def table_inputs(tables):
    """Named rule inputs, one per table (a list for per-job tables)."""
    return {input_key(t): pipeline.table_paths(config, t, RESULTS) for t in tables}


def stage_outputs(stage):
    return {k: f"{RESULTS}/{p}" for k, p in stage.outputs.items()}


def figure_files(name):
    return [f"{RESULTS}/figures/{name}.png", f"{RESULTS}/figures/{name}.pdf"]


ALL_TABLES = [p for t in pipeline.all_tables() for p in pipeline.table_paths(config, t, RESULTS)]
ALL_FIGURES = [
    f for fig in pipeline.FIGURES + pipeline.CLAIM_FIGURES for f in figure_files(fig.name)
]
CHECK_MODULES = [m for m in imports.all_modules() if m.startswith("vanishing.claims.checks_")]
# the report imports every figure module for its caption
FIGURE_MODULES = [f.module for f in pipeline.FIGURES + pipeline.CLAIM_FIGURES]


def stage_file(stage, folder, ext):
    """A stage job's log or benchmark file."""
    parts = [folder, stage.name, "{job}"] if stage.jobs else [folder, stage.name]
    return os.path.join(*parts) + f".{ext}"


def stage_resources(stage):
    """The stage's measured memory and time; a GPU for the stages that honour
    `device: cuda` (the SLURM plugin turns gpu=1 into sbatch --gpus=1)."""
    res = {"mem_mb": stage.mem_mb, "runtime": stage.runtime}
    if stage.device_bound and config["device"] == "cuda":
        res["gpu"] = 1
    return res


def stage_params(stage, wildcards):
    return stage.job_params(config, wildcards.get("job", ""))


FIGURE_BY_NAME = {f.name: f for f in pipeline.FIGURES}
# Figures drawn from claims.json (rule claims_figure).
CLAIM_FIGURE_BY_NAME = {f.name: f for f in pipeline.CLAIM_FIGURES}


def figure_inputs(wildcards):
    fig = FIGURE_BY_NAME[wildcards.figure]
    return {**table_inputs(fig.tables), "code": code(fig.module)}


def figure_section(wildcards):
    return pipeline.SECTIONS[FIGURE_BY_NAME[wildcards.figure].section]


def figure_caption(wildcards):
    """The module's docstring, for `snakemake --report`: read from the source, since
    importing every figure module (matplotlib, seaborn) would cost each parse a second."""
    fig = {**FIGURE_BY_NAME, **CLAIM_FIGURE_BY_NAME}[wildcards.figure]
    doc = imports.docstring(fig.module)
    # plain text in reStructuredText: | * ` _ \ would start markup
    return re.sub(r"([|*`_\\])", r"\\\1", " ".join(doc.split()))


def report_params(wildcards):
    return {
        **config,
        "training": pipeline.study(config, "training"),
        "figures": [f.name for f in pipeline.FIGURES + pipeline.CLAIM_FIGURES],
        "figure_dir": f"{RESULTS}/figures",
        "templates": "report/templates",
        "user_config": USER_CONFIG,
        "table_files": {t: table_file(t) for t in pipeline.all_tables()},
    }


def table_file(table):
    """A table's path as the report prints it (a glob for per-job tables)."""
    stage = pipeline.producer(table)
    return f"{RESULTS}/{stage.outputs[table.partition('.')[2]].replace('{job}', '*')}"
