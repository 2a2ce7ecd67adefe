# tanh(n·x) vs tanh(x) (claims A14, A15): output identity under hidden-layer
# rescaling, and training trajectories under learning-rate mappings. One job.

EQUIVALENCE_TABLES = {
    "outputs": "results/studies/equivalence/outputs.csv",
    "trajectories": "results/studies/equivalence/trajectories.csv",
    "summary": "results/studies/equivalence/summary.csv",
}
EQUIVALENCE_FIGURES = {
    "equivalence_loss_curves": [EQUIVALENCE_TABLES["trajectories"]],
    "equivalence_loss_gap": [EQUIVALENCE_TABLES["trajectories"]],
}


rule equivalence:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/equivalence.py", "src/vanishing/studies/_small.py"],
    output:
        **EQUIVALENCE_TABLES,
    log:
        "logs/studies/equivalence.log",
    params:
        p=lambda wildcards: as_json(study("equivalence")),
    threads: 1
    shell:
        "python -m vanishing study --name equivalence --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule equivalence_figure:
    conda:
        "../../environment.yml"
    input:
        tables=lambda wildcards: EQUIVALENCE_FIGURES[wildcards.figure],
        code="src/vanishing/figures/{figure}.py",
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
    log:
        "logs/figures/{figure}.log",
    params:
        p=lambda wildcards: as_json({}),
    wildcard_constraints:
        figure="|".join(EQUIVALENCE_FIGURES),
    shell:
        "python -m vanishing figure --name {wildcards.figure} --inputs {input.tables} "
        "--outputs {output.png} {output.pdf} --params {params.p} > {log} 2>&1"


CLAIM_INPUTS.extend(EQUIVALENCE_TABLES.values())
FIGURES.extend(EQUIVALENCE_FIGURES)
ALL_TARGETS.extend(EQUIVALENCE_TABLES.values())
for _name in EQUIVALENCE_FIGURES:
    ALL_TARGETS.extend(figure_outputs(_name))
