# Helpers shared by every rule file. Each stage appends what it builds to
# ALL_TARGETS so that `rule all` needs no edit when a stage is added.
import json
import os
import re
import glob
import shutil
import sys

from vanishing.config_check import check_config

check_config(config)

ALL_TARGETS = []
# Jobs run `python` from the environment running Snakemake (the venv), whether or
# not it is activated: put its bin/ first on PATH.
VENV_BIN = os.path.dirname(sys.executable)
os.environ["PATH"] = VENV_BIN + os.pathsep + os.environ.get("PATH", "")


def alternatives(values):
    """A wildcard constraint matching exactly the configured values."""
    return "|".join(re.escape(str(v)) for v in values)


wildcard_constraints:
    activation=alternatives(config["activations"]),
    init=alternatives(config["inits"]),


def as_json(obj):
    """Rule params as one JSON argument: Snakemake reruns a job when it changes."""
    return "'" + json.dumps(obj, sort_keys=True) + "'"


def probe_tables(wildcards=None):
    return expand(
        "results/probe/activation~{activation}/init~{init}.csv",
        activation=config["activations"],
        init=config["inits"],
    )


# Modules whose edits change the probe's numbers (Snakemake does not follow imports).
PROBE_CODE = [
    f"src/vanishing/{m}.py"
    for m in ("activations", "inits", "models", "data", "gradients", "probe")
]

HAVE_LATEXMK = shutil.which("latexmk") is not None

from vanishing.config_check import study_params

# What the claims rule reads and the report embeds; every stage appends to these.
CLAIM_INPUTS = []
FIGURES = []


def study(name):
    """The study's parameters: its Params defaults updated by config['studies'][name]."""
    return study_params(name, (config.get("studies") or {}).get(name))


# Shared drawing modules a figure imports besides its own module and style.py.
FIGURE_HELPERS = {}


def figure_code(wildcards):
    """A figure job's code inputs: editing them reruns that figure (and the report)."""
    return [
        f"src/vanishing/figures/{wildcards.figure}.py",
        "src/vanishing/figures/style.py",
        *FIGURE_HELPERS.get(wildcards.figure, []),
    ]


def figure_outputs(name):
    return [f"results/figures/{name}.png", f"results/figures/{name}.pdf"]

# The n of every tanh(n·x) in the grid, for the threshold tables.
TANH_NS = sorted(
    {float(a.removeprefix("tanh_n")) for a in config["activations"] if a.startswith("tanh_n")}
)
