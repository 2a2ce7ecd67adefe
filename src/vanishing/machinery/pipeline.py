"""The pipeline's manifest: every stage, table and figure, named once.

A table is named ``"<group>.<key>"`` (``"probe.summary"``); its path under the
config's results folder is written here and nowhere else. The workflow
(workflow/rules/*.smk) generates one rule per stage and one figure rule from
these lists; a stage's module gets its input tables as a ``Tables`` reader and
its outputs as a dict by key; a figure module gets the tables it declares.

Every stage declares its params type (``Stage.params_type``): a study's ``Params``
dataclass, or a TypedDict next to the ``run`` of a non-study stage. Its rule passes a
dict; ``jobs.run_stage_module`` turns it into that type, for the workflow's jobs and
``run_stage`` alike, and a key the type does not declare stops the job there.

Adding a study: its ``Params`` dataclass in ``params/<name>.py`` (the config keys
``studies.<name>``, and any key its rule fills, as a ``SetByRule`` field; no torch
there), its module ``studies/<name>.py`` with ``run(p: Params, inputs, outputs)``, one
``Stage`` below, its checks, its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .config_check import study_params
from .config_schema import widths_of
from .jobs import grouped, run_stage_module
from .params.training import job_activations
from .tables import Tables

Config = dict[str, Any]


def study(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A study's parameters: its ``Params`` defaults updated by ``studies.<name>``."""
    return study_params(name, (config.get("studies") or {}).get(name))


def _study_params(name: str) -> Callable[[Config, str], dict[str, Any]]:
    return lambda config, job: study(config, name)


STUDIES = "vanishing.studies."


@dataclass(frozen=True)
class Stage:
    """One kind of job: ``module.run(p, inputs, outputs)``, ``p`` of ``params_type``."""

    name: str  # the rule's name
    module: str  # dotted module holding run()
    outputs: dict[str, str]  # key -> path under results/; "{job}" in per-job stages
    group: str = ""  # table names are "<group>.<key>"; defaults to the stage's name
    inputs: tuple[str, ...] = ()  # table names read
    params: Callable[[Config, str], dict[str, Any]] | None = None  # default: study params
    # "module:Name" of the type run() takes, built from ``params``' dict (by
    # jobs.run_stage_module); default for a study module (vanishing.studies.<study>):
    # its Params, "vanishing.machinery.params.<study>:Params". A reference, not the class: the
    # manifest is read while the workflow is parsed, without importing stage modules.
    params_type: str = ""
    jobs: Callable[[Config], list[str]] | None = None  # per-job stages: the job names
    torch: bool = True  # False: the job never imports torch (saves ~1.5 s)
    device_bound: bool = False  # honours config "device" (asks the cluster for a GPU)
    # cluster memory request: the default build's peak resident memory (Snakemake's
    # benchmark files, logs/benchmarks/) with about 30 % headroom; 1000 covers every
    # stage that peaked below 800 MB
    mem_mb: int = 1000
    runtime: int = 10  # minutes, generous, for cluster schedulers
    # Snakemake starts higher-priority jobs first: the long training jobs and the
    # probe → summary → mean-field chain early, so that the run does not end waiting
    # on them with one core idle.
    priority: int = 0
    # keys of ``outputs`` whose content depends on the machine and the moment (wall-clock
    # timings): the one place that says so. Every other table is byte-identical between
    # two runs of the same config; the byte-identity comparisons (tests/test_e2e.py,
    # tests/slurm/compare_results.py) skip exactly these (``MACHINE_DEPENDENT``). Their
    # file names carry ``MACHINE_MARKER`` so that a reader of results/ sees it too.
    machine_dependent: tuple[str, ...] = ()
    # keys of ``outputs`` that are raw logs (a row per step, layer or unit of every
    # network): the checks read them, but they are too large to publish beside the
    # report, which names them by their local path instead (``RAW``).
    raw: tuple[str, ...] = ()
    tables: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        group = self.group or self.name
        object.__setattr__(self, "group", group)
        if not self.params_type:
            if not self.module.startswith(STUDIES):
                raise ValueError(f"stage {self.name}: not a study, declare its params_type")
            study = self.module.removeprefix(STUDIES)
            object.__setattr__(self, "params_type", f"vanishing.machinery.params.{study}:Params")
        object.__setattr__(self, "tables", tuple(f"{group}.{k}" for k in self.outputs))
        for kind, keys in (("machine_dependent", self.machine_dependent), ("raw", self.raw)):
            unknown = set(keys) - set(self.outputs)
            if unknown:
                raise ValueError(f"stage {self.name}: {kind} names no output {unknown}")

    def job_names(self, config: Config) -> list[str]:
        return self.jobs(config) if self.jobs else [""]

    def job_params(self, config: Config, job: str = "") -> dict[str, Any]:
        fn = self.params or _study_params(self.name)
        return fn(config, job)


@dataclass(frozen=True)
class Figure:
    """``figures/<name>.py``: ``main(inputs, outputs, params)`` draws PNG and PDF."""

    name: str
    tables: tuple[str, ...]
    section: str  # A–E: the source whose claims it mainly serves (report grouping)

    @property
    def module(self) -> str:
        return f"vanishing.figures.{self.name}"


def _tanh_ns(config: Config) -> list[float]:
    acts = config["activations"]
    return sorted({float(a.removeprefix("tanh_n")) for a in acts if a.startswith("tanh_n")})


def _probe_jobs(config: Config) -> list[str]:
    """Probe jobs: the activations ``probe.activations_per_job`` at a time, named by them."""
    return grouped(config["activations"], config["probe"]["activations_per_job"])


def _probe_params(config: Config, job: str) -> dict[str, Any]:
    keys = ("inits", "depths", "seeds", "width", "leaky_slope", "device")
    return {
        "activations": job.split("+"),
        **{k: config[k] for k in keys},
        "batch_size": config["probe"]["batch_size"],
        "dtype": config["probe"]["dtype"],
    }


def _training_jobs(config: Config) -> list[str]:
    """Training grid jobs: the study's activations ``activations_per_job`` at a time,
    named by them."""
    p = study(config, "training")
    return grouped(job_activations(p), p["activations_per_job"])


def _meanfield_params(config: Config, job: str) -> dict[str, Any]:
    grid = {k: config[k] for k in ("activations", "inits", "width", "leaky_slope")}
    return {**study(config, "meanfield"), **grid, "batch_size": config["probe"]["batch_size"]}


def _phase_params(config: Config, job: str) -> dict[str, Any]:
    grid = {k: config[k] for k in ("activations", "leaky_slope")}
    return {**study(config, "phase"), **grid}


def _width_jobs(config: Config) -> list[str]:
    """One job per width of the width axis, named by it ("w1024"): the wide jobs are the
    costly ones, and a job per width keeps each within its memory."""
    return [f"w{w}" for w in widths_of(config)]


def _phase_width_params(config: Config, job: str) -> dict[str, Any]:
    phase = study(config, "phase")
    grid = {k: phase[k] for k in ("depths", "seeds", "batch_size", "trapezoid_points")}
    return {
        **study(config, "phase_width"),
        **grid,
        "reference_width": phase["width"],
        "widths": widths_of(config),
        "leaky_slope": config["leaky_slope"],
        "device": config["device"],
        "job": job,
    }


def _width_params(config: Config, job: str) -> dict[str, Any]:
    return {
        **study(config, "width"),
        "width": int(job.removeprefix("w")),
        "device": config["device"],
    }


_TRAIN = "studies/training"
# The file-name marker of a machine-dependent table (see Stage.machine_dependent):
# "tanh_timing.machine-dependent.csv".
MACHINE_MARKER = ".machine-dependent"
STAGES: tuple[Stage, ...] = (
    Stage(
        "theory",
        "vanishing.studies.theory_tables",
        {
            "thresholds": "theory/thresholds.csv",
            "curve": "theory/threshold_curve.csv",
            "derivatives": "theory/derivative_curves.csv",
            "maxima": "theory/maxima.json",
        },
        params=lambda config, job: {"tanh_ns": _tanh_ns(config)},
        params_type="vanishing.studies.theory_tables:TheoryParams",
    ),
    Stage(
        "probe",
        "vanishing.studies.probe",
        {"grid": "probe/activations~{job}.csv"},
        raw=("grid",),
        params=_probe_params,
        params_type="vanishing.studies.probe:ProbeParams",
        jobs=_probe_jobs,
        device_bound=True,
        priority=1,
        mem_mb=1300,  # 935 MB peak (default grid, largest job)
    ),
    Stage(
        "summarise_probe",
        "vanishing.studies.summaries",
        {"summary": "probe/summary.csv", "layers": "probe/layers.csv"},
        raw=("layers",),
        group="probe",
        inputs=("probe.grid",),
        params=lambda config, job: {},
        params_type="vanishing.studies.summaries:SummaryParams",
        torch=False,
        priority=1,
    ),
    Stage(
        "training",
        "vanishing.studies.training",
        {k: f"{_TRAIN}/grid/{{job}}/{k}.csv" for k in ("steps", "layers", "units")},
        raw=("steps", "layers", "units"),
        params=lambda config, job: {
            **study(config, "training"),
            "job": job,
            "device": config["device"],
        },
        jobs=_training_jobs,
        device_bound=True,
        mem_mb=2000,  # 1169 MB peak in the pipeline, 1651 MB under make bench (10 seeds)
        runtime=30,
        priority=1,  # 45–100 s each in the default build; every other job takes < 30 s
    ),
    Stage(
        "training_e2",
        "vanishing.studies.training",
        {f"e2_{k}": f"{_TRAIN}/e2/{k}.csv" for k in ("steps", "layers", "units")},
        raw=("e2_steps", "e2_layers", "e2_units"),
        group="training",
        params=lambda config, job: {
            **study(config, "training"),
            "job": "e2",
            "device": config["device"],
        },
        device_bound=True,
        runtime=30,
    ),
    Stage("xor", "vanishing.studies.xor", {"runs": "studies/xor/runs.csv"}),
    Stage("underflow", "vanishing.studies.underflow", {"grads": "studies/underflow/grads.csv"}),
    Stage(
        "dying",
        "vanishing.studies.dying",
        {"zero_init": "studies/dying/zero_init.csv", "born_dead": "studies/dying/born_dead.csv"},
        mem_mb=1200,  # 907 MB peak
    ),
    Stage(
        "backprop",
        "vanishing.studies.backprop",
        {
            "compare": "studies/backprop/manual_vs_autograd.csv",
            "never_fire": "studies/backprop/never_fire.csv",
            "tanh": "studies/backprop/tanh_derivative.json",
            # B8's wall-clock timings: they differ from run to run
            "timing": f"studies/backprop/tanh_timing{MACHINE_MARKER}.csv",
        },
        machine_dependent=("timing",),
    ),
    Stage("sparsity", "vanishing.studies.sparsity", {"runs": "studies/sparsity/runs.csv"}),
    Stage("lr_sweep", "vanishing.studies.lr_sweep", {"curves": "studies/lr_sweep/curves.csv"}),
    Stage("minibatch", "vanishing.studies.minibatch", {"runs": "studies/minibatch/runs.csv"}),
    Stage(
        "leaky_slope",
        "vanishing.studies.leaky_slope",
        {
            "runs": "studies/leaky_slope/runs.csv",
            "defaults": "studies/leaky_slope/defaults.json",
        },
    ),
    Stage(
        "facts",
        "vanishing.studies.facts",
        {
            "facts": "studies/facts/facts.json",
            "sigmoid": "studies/facts/sigmoid_2layer.csv",
            "linear": "studies/facts/linear_net.csv",
        },
    ),
    Stage(
        "source_d",
        "vanishing.studies.source_d",
        {
            k: f"studies/source_d/{f}"
            for k, f in (
                ("stats", "gradient_stats.csv"),
                ("hist", "histograms.csv"),
                ("variants", "variants.csv"),
                ("weights", "weights.csv"),
                ("meta", "meta.json"),
                ("remedies", "remedies.csv"),
            )
        },
    ),
    Stage(
        "equivalence",
        "vanishing.studies.equivalence",
        {k: f"studies/equivalence/{k}.csv" for k in ("outputs", "trajectories", "summary")},
    ),
    Stage(
        "products",
        "vanishing.studies.products",
        {
            **{
                k: f"studies/products/{k}.csv"
                for k in ("products", "expected", "pairs", "inside", "cancellation")
            },
            "analytic": "studies/products/analytic.json",
        },
    ),
    Stage(
        "meanfield",
        "vanishing.studies.meanfield",
        {k: f"studies/meanfield/{k}.csv" for k in ("chi1", "comparison", "orthogonal")},
        inputs=("probe.summary",),
        params=_meanfield_params,
        priority=1,
    ),
    Stage(
        "phase",
        "vanishing.studies.phase",
        {k: f"studies/phase/{k}.csv" for k in ("grid", "theory", "critical")},
        params=_phase_params,
        mem_mb=1000,  # 714 MB peak with the default grid (14 activations)
    ),
    Stage(
        "phase_width",
        "vanishing.studies.phase_width",
        {"grid": "studies/phase/width/{job}.csv"},
        params=_phase_width_params,
        jobs=_width_jobs,
        device_bound=True,
        mem_mb=1300,  # 973 MB peak at width 1024 (default grid); the others ~570 MB
    ),
    Stage(
        "isometry",
        "vanishing.studies.isometry",
        {k: f"studies/isometry/{k}.csv" for k in ("spectra", "summary")},
    ),
    Stage(
        "width",
        "vanishing.studies.width",
        {"hanin": "studies/width/{job}/hanin.csv"},
        params=_width_params,
        jobs=_width_jobs,
        device_bound=True,
        mem_mb=1500,  # the width-1024 job holds a chunk of 600 MB of weights
    ),
)

FIGURES: tuple[Figure, ...] = (
    Figure("activation_derivatives", ("theory.derivatives",), "A"),
    Figure("thresholds", ("theory.curve", "theory.maxima"), "A"),
    Figure("products_probability", ("products.products",), "A"),
    Figure("products_expected_derivative", ("products.expected",), "A"),
    Figure("products_inside", ("products.inside",), "A"),
    Figure("equivalence_loss_curves", ("equivalence.trajectories",), "A"),
    Figure("equivalence_loss_gap", ("equivalence.trajectories",), "A"),
    Figure("study_xor", ("xor.runs",), "B"),
    Figure("study_sparsity", ("sparsity.runs",), "B"),
    Figure("study_lr_sweep", ("lr_sweep.curves",), "B"),
    Figure("training_loss_curves", ("training.steps",), "B"),
    Figure("training_dead_units", ("training.layers", "training.units"), "B"),
    Figure("delta_heatmap", ("probe.summary",), "C"),
    Figure("ratio_heatmap", ("probe.summary",), "C"),
    Figure("gradient_profiles", ("probe.layers",), "C"),
    Figure("study_underflow", ("underflow.grads",), "C"),
    Figure("study_leaky_slope", ("leaky_slope.runs",), "C"),
    Figure("training_layer_profile", ("training.layers",), "C"),
    Figure("training_glorot_profile", ("training.layers",), "C"),
    Figure("training_tanh_good_fraction", ("training.layers", "training.steps"), "C"),
    Figure("source_d_gradient_histograms", ("source_d.hist", "source_d.meta"), "D"),
    Figure("source_d_tails", ("source_d.stats", "source_d.variants"), "D"),
    Figure("meanfield_chi1", ("meanfield.comparison",), "E"),
    Figure("meanfield_orthogonal", ("meanfield.orthogonal",), "E"),
    Figure("phase_sigmoidal", ("phase.grid", "phase.critical"), "E"),
    Figure("phase_relu_family", ("phase.grid", "phase.critical"), "E"),
    Figure("phase_other", ("phase.grid", "phase.critical"), "E"),
    Figure("phase_width", ("phase_width.grid",), "E"),
    Figure("study_born_dead", ("dying.born_dead",), "E"),
    Figure("training_e2", ("training.e2_steps", "training.e2_layers", "training.e2_units"), "E"),
    Figure("which_gradient", ("probe.layers",), "E"),
    Figure("selu_self_normalisation", ("probe.layers",), "E"),
    Figure("isometry_spectra", ("isometry.spectra", "isometry.summary"), "E"),
    Figure("width_hanin_collapse", ("width.hanin",), "E"),
)

# Tables whose bytes depend on the machine and the moment (wall-clock timings), declared
# by their stages; the byte-identity comparisons skip exactly these.
MACHINE_DEPENDENT: frozenset[str] = frozenset(
    f"{s.group}.{k}" for s in STAGES for k in s.machine_dependent
)

# Raw logs, declared by their stages: the report names them by their local path and
# `make publish` leaves them out of docs/report/data/.
RAW: frozenset[str] = frozenset(f"{s.group}.{k}" for s in STAGES for k in s.raw)

# Figures drawn from the claims' verdicts (claims.json) rather than a stage's tables:
# their own rule (claims_figure), since claims.json is not a stage's table.
CLAIMS_TABLE = "claims.claims"
CLAIM_FIGURES: tuple[Figure, ...] = (Figure("verdict_overview", (CLAIMS_TABLE,), "E"),)

# The two jobs besides STAGES that run a module's run() (workflow/rules/claims.smk and
# report.smk): their params types, as Stage.params_type.
CLAIMS_PARAMS = "vanishing.claims.evaluate:ClaimsParams"
REPORT_PARAMS = "vanishing.report.render:ReportParams"

# Claims read every table; the report reads these besides claims.json and the figures.
REPORT_TABLES = ("probe.summary", "theory.maxima")
SECTIONS = {
    "A": "A: tanh(n·x)",
    "B": "B: ReLU and its variants",
    "C": "C: initialisation and depth",
    "D": "D: gradients of a sigmoid network",
    "E": "E: the literature",
}


def stage(name: str) -> Stage:
    return {s.name: s for s in STAGES}[name]


def figure(name: str) -> Figure:
    return {f.name: f for f in FIGURES}[name]


def producer(table: str) -> Stage:
    """The stage that writes ``table``."""
    for s in STAGES:
        if table in s.tables:
            return s
    raise KeyError(f"no stage writes table {table}")


def table_paths(config: Config, table: str, results: str | None = None) -> list[str]:
    """The file(s) of ``table`` under the config's results folder, one per job."""
    s = producer(table)
    root = results if results is not None else config.get("results_dir", "results")
    pattern = s.outputs[table.partition(".")[2]]
    return [f"{root}/{pattern.format(job=job)}" for job in s.job_names(config)]


def all_tables() -> list[str]:
    return [t for s in STAGES for t in s.tables]


def tables_under(root: str, config: Config | None = None) -> dict[str, list[str]]:
    """Every table found under ``root`` (tests and ad-hoc use): per-job tables
    by the config's jobs when given, else by globbing the job pattern."""
    found: dict[str, list[str]] = {}
    for s in STAGES:
        for key, pattern in s.outputs.items():
            if config is not None:
                paths = table_paths(config, f"{s.group}.{key}", root)
            elif "{job}" in pattern:
                paths = sorted(str(p) for p in Path(root).glob(pattern.format(job="*")))
            else:
                paths = [f"{root}/{pattern}"]
            found[f"{s.group}.{key}"] = paths
    return found


def machine_dependent_patterns() -> list[str]:
    """The paths of the machine-dependent tables under a results folder, as glob
    patterns ("{job}" → "*"), for the byte-identity comparisons."""
    return sorted(s.outputs[k].format(job="*") for s in STAGES for k in s.machine_dependent)


def is_machine_dependent(rel_path: str) -> bool:
    """Is the file at ``rel_path`` (relative to a results folder, or to any folder above
    it: matched from the right) a machine-dependent table?"""
    p = PurePosixPath(rel_path)
    return any(p.match(pattern) for pattern in machine_dependent_patterns())


def check_unique() -> None:
    """Table names and paths are each written once, and the machine-dependent tables
    are exactly those whose file name carries the marker (a test calls this)."""
    names = all_tables()
    paths = [p for s in STAGES for p in s.outputs.values()]
    for what, items in (("table", names), ("path", paths)):
        dup = {x for x in items if items.count(x) > 1}
        if dup:
            raise ValueError(f"{what}s written twice in the manifest: {sorted(dup)}")
    for s in STAGES:
        for key, path in s.outputs.items():
            marked = Path(path).stem.endswith(MACHINE_MARKER)
            if marked != (key in s.machine_dependent):
                raise ValueError(
                    f"{s.group}.{key}: its file name must carry {MACHINE_MARKER!r} exactly "
                    "when the stage declares it machine_dependent"
                )
    for f in FIGURES:
        for t in f.tables:
            producer(t)


def results_at(root: Path | str, config: Config | None = None) -> Tables:
    """A reader of every table under ``root`` (tests, notebooks)."""
    return Tables(tables_under(str(root), config))


def outputs_at(stage_name: str, root: Path | str, job: str = "") -> dict[str, Path]:
    """A stage's output paths under ``root``, folders created (tests, notebooks)."""
    out = {k: Path(root) / p.format(job=job) for k, p in stage(stage_name).outputs.items()}
    for p in out.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    return out


def run_stage(
    name: str, params: dict[str, Any], root: Path | str, job: str = ""
) -> dict[str, Path]:
    """Run one stage in-process with its tables under ``root`` (tests, notebooks):
    ``params`` as its rule would pass them, a dict."""
    s = stage(name)
    outputs = outputs_at(name, root, job)
    run_stage_module(name, s.module, s.params_type, params, results_at(root), outputs)
    return outputs
