# Small focused studies (claims B3, B4, B6, B8, B11, B12, B13, C1, C2, C4, C6, C7,
# C8, E5): one job per study module, each writing a few tidy tables.

SMALL_STUDIES = {
    "xor": {"runs": "results/studies/xor/runs.csv"},
    "underflow": {"grads": "results/studies/underflow/grads.csv"},
    "dying": {
        "zero_init": "results/studies/dying/zero_init.csv",
        "born_dead": "results/studies/dying/born_dead.csv",
    },
    "backprop": {
        "compare": "results/studies/backprop/manual_vs_autograd.csv",
        "never_fire": "results/studies/backprop/never_fire.csv",
        "tanh": "results/studies/backprop/tanh_derivative.json",
    },
    "sparsity": {"runs": "results/studies/sparsity/runs.csv"},
    "lr_sweep": {"curves": "results/studies/lr_sweep/curves.csv"},
    "leaky_slope": {
        "runs": "results/studies/leaky_slope/runs.csv",
        "defaults": "results/studies/leaky_slope/defaults.json",
    },
    "facts": {
        "facts": "results/studies/facts/facts.json",
        "sigmoid": "results/studies/facts/sigmoid_2layer.csv",
        "linear": "results/studies/facts/linear_net.csv",
    },
}
STUDY_FIGURES = {
    "study_xor": [SMALL_STUDIES["xor"]["runs"]],
    "study_underflow": [SMALL_STUDIES["underflow"]["grads"]],
    "study_born_dead": [SMALL_STUDIES["dying"]["born_dead"]],
    "study_lr_sweep": [SMALL_STUDIES["lr_sweep"]["curves"]],
    "study_leaky_slope": [SMALL_STUDIES["leaky_slope"]["runs"]],
    "study_sparsity": [SMALL_STUDIES["sparsity"]["runs"]],
}


# helpers every study module imports: a change reruns the studies
STUDY_HELPERS = "src/vanishing/studies/_small.py"


rule study_xor:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/xor.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["xor"],
    log:
        "logs/studies/xor.log",
    params:
        p=lambda wildcards: as_json(study("xor")),
    threads: 1
    shell:
        "python -m vanishing study --name xor --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_underflow:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/underflow.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["underflow"],
    log:
        "logs/studies/underflow.log",
    params:
        p=lambda wildcards: as_json(study("underflow")),
    threads: 1
    shell:
        "python -m vanishing study --name underflow --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_dying:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/dying.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["dying"],
    log:
        "logs/studies/dying.log",
    params:
        p=lambda wildcards: as_json(study("dying")),
    threads: 1
    shell:
        "python -m vanishing study --name dying --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_backprop:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/backprop.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["backprop"],
    log:
        "logs/studies/backprop.log",
    params:
        p=lambda wildcards: as_json(study("backprop")),
    threads: 1
    shell:
        "python -m vanishing study --name backprop --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_sparsity:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/sparsity.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["sparsity"],
    log:
        "logs/studies/sparsity.log",
    params:
        p=lambda wildcards: as_json(study("sparsity")),
    threads: 1
    shell:
        "python -m vanishing study --name sparsity --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_lr_sweep:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/lr_sweep.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["lr_sweep"],
    log:
        "logs/studies/lr_sweep.log",
    params:
        p=lambda wildcards: as_json(study("lr_sweep")),
    threads: 1
    shell:
        "python -m vanishing study --name lr_sweep --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_leaky_slope:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/leaky_slope.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["leaky_slope"],
    log:
        "logs/studies/leaky_slope.log",
    params:
        p=lambda wildcards: as_json(study("leaky_slope")),
    threads: 1
    shell:
        "python -m vanishing study --name leaky_slope --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_facts:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/facts.py", STUDY_HELPERS],
    output:
        **SMALL_STUDIES["facts"],
    log:
        "logs/studies/facts.log",
    params:
        p=lambda wildcards: as_json(study("facts")),
    threads: 1
    shell:
        "python -m vanishing study --name facts --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule study_figure:
    conda:
        "../../environment.yml"
    input:
        tables=lambda wildcards: STUDY_FIGURES[wildcards.figure],
        code="src/vanishing/figures/{figure}.py",
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
    log:
        "logs/figures/{figure}.log",
    params:
        p=lambda wildcards: as_json({}),
    wildcard_constraints:
        figure="|".join(STUDY_FIGURES),
    shell:
        "python -m vanishing figure --name {wildcards.figure} --inputs {input.tables} "
        "--outputs {output.png} {output.pdf} --params {params.p} > {log} 2>&1"


SMALL_STUDY_TABLES = [t for outs in SMALL_STUDIES.values() for t in outs.values()]
CLAIM_INPUTS.extend(SMALL_STUDY_TABLES)
# B3 reads the per-layer zero fractions of ReLU in the probe tables
if "relu" in config["activations"]:
    CLAIM_INPUTS.extend(
        expand("results/probe/activation~relu/init~{init}.csv", init=config["inits"])
    )
FIGURES.extend(STUDY_FIGURES)
ALL_TARGETS.extend(SMALL_STUDY_TABLES)
for _name in STUDY_FIGURES:
    ALL_TARGETS.extend(figure_outputs(_name))
