# Training stage: minibatch SGD on digits. One grid job per activation (or per
# chunk of activations, see studies.training.activations_per_job) with every
# init, depth and seed inside, plus one job for the depth-30 ReLU Xavier-vs-He
# comparison (claim E2).
from vanishing.studies.training import job_names

TRAINING = study("training")
TRAINING_JOBS = job_names(TRAINING)
TRAINING_TABLES = ["steps", "layers", "units"]
# Per kind (steps/layers/units): the grid's tables, every job of this config.
TRAINING_BY_KIND = {
    kind: [f"results/studies/training/grid/{job}/{kind}.csv" for job in TRAINING_JOBS]
    for kind in TRAINING_TABLES
}


rule training_grid:
    conda:
        "../../environment.yml"
    output:
        steps="results/studies/training/grid/{tjob}/steps.csv",
        layers="results/studies/training/grid/{tjob}/layers.csv",
        units="results/studies/training/grid/{tjob}/units.csv",
    log:
        "logs/studies/training/grid/{tjob}.log",
    params:
        p=lambda wildcards: as_json({**TRAINING, "job": wildcards.tjob}),
    wildcard_constraints:
        tjob=alternatives(TRAINING_JOBS),
    threads: 1
    shell:
        "python -m vanishing study --name training --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule training_e2:
    conda:
        "../../environment.yml"
    output:
        steps="results/studies/training/e2/steps.csv",
        layers="results/studies/training/e2/layers.csv",
        units="results/studies/training/e2/units.csv",
    log:
        "logs/studies/training/e2.log",
    params:
        p=lambda wildcards: as_json({**TRAINING, "job": "e2"}),
    threads: 1
    shell:
        "python -m vanishing study --name training --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule training_manifest:
    conda:
        "../../environment.yml"
    output:
        "results/studies/training/grid/manifest.json",
    log:
        "logs/studies/training/manifest.log",
    params:
        p=lambda wildcards: as_json({"jobs": TRAINING_JOBS}),
    shell:
        "printf '%s\\n' {params.p} > {output} 2> {log}"


TRAINING_GRID_TABLES = [t for kind in TRAINING_TABLES for t in TRAINING_BY_KIND[kind]]
TRAINING_E2_TABLES = [f"results/studies/training/e2/{t}.csv" for t in TRAINING_TABLES]


TRAINING_FIGURES = {
    "training_loss_curves": TRAINING_BY_KIND["steps"],
    "training_dead_units": TRAINING_BY_KIND["layers"] + TRAINING_BY_KIND["units"],
    "training_layer_profile": TRAINING_BY_KIND["layers"],
    "training_glorot_profile": TRAINING_BY_KIND["layers"],
    "training_tanh_good_fraction": TRAINING_BY_KIND["layers"] + TRAINING_BY_KIND["steps"],
    "training_e2": TRAINING_E2_TABLES,
}


rule training_figure:
    conda:
        "../../environment.yml"
    input:
        tables=lambda wildcards: TRAINING_FIGURES[wildcards.tfig],
        code="src/vanishing/figures/{tfig}.py",
        common="src/vanishing/figures/training_common.py",
    output:
        png=report(
            "results/figures/{tfig}.png",
            caption="../report/figure.rst",
            category="Figures",
        ),
        pdf="results/figures/{tfig}.pdf",
    log:
        "logs/figures/{tfig}.log",
    params:
        p=lambda wildcards: as_json({"depths": TRAINING["depths"]}),
    wildcard_constraints:
        tfig=alternatives(TRAINING_FIGURES),
    shell:
        "python -m vanishing figure --name {wildcards.tfig} --inputs {input.tables} "
        "--outputs {output.png} {output.pdf} --params {params.p} > {log} 2>&1"


CLAIM_INPUTS.extend(TRAINING_GRID_TABLES + TRAINING_E2_TABLES)
CLAIM_INPUTS.extend(rules.training_manifest.output)
FIGURES.extend(TRAINING_FIGURES)
ALL_TARGETS.extend(TRAINING_GRID_TABLES + TRAINING_E2_TABLES)
ALL_TARGETS.extend(rules.training_manifest.output)
for _name in TRAINING_FIGURES:
    ALL_TARGETS.extend(figure_outputs(_name))
