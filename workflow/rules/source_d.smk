# Source D's experiment (claims D3, D4, D6): a 4-hidden-layer sigmoid net with N(0, 1)
# weights, per-layer gradient histograms at step 0 and after SGD. One job, every
# init and seed batched.

SOURCE_D_TABLES = {
    "stats": "results/studies/source_d/gradient_stats.csv",
    "hist": "results/studies/source_d/histograms.csv",
    "variants": "results/studies/source_d/variants.csv",
    "weights": "results/studies/source_d/weights.csv",
    "meta": "results/studies/source_d/meta.json",
}
SOURCE_D_FIGURES = {
    "source_d_gradient_histograms": [SOURCE_D_TABLES["hist"], SOURCE_D_TABLES["meta"]],
    "source_d_tails": [SOURCE_D_TABLES["stats"], SOURCE_D_TABLES["variants"]],
}


rule source_d:
    conda:
        "../../environment.yml"
    input:
        code="src/vanishing/studies/source_d.py",
    output:
        **SOURCE_D_TABLES,
    log:
        "logs/studies/source_d.log",
    params:
        p=lambda wildcards: as_json(study("source_d")),
    threads: 1
    shell:
        "python -m vanishing study --name source_d --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


rule source_d_figure:
    conda:
        "../../environment.yml"
    input:
        tables=lambda wildcards: SOURCE_D_FIGURES[wildcards.figure],
        code="src/vanishing/figures/{figure}.py",
    output:
        png="results/figures/{figure}.png",
        pdf="results/figures/{figure}.pdf",
    log:
        "logs/figures/{figure}.log",
    params:
        p=lambda wildcards: as_json({}),
    wildcard_constraints:
        figure="|".join(SOURCE_D_FIGURES),
    shell:
        "python -m vanishing figure --name {wildcards.figure} --inputs {input.tables} "
        "--outputs {output.png} {output.pdf} --params {params.p} > {log} 2>&1"


CLAIM_INPUTS.extend(SOURCE_D_TABLES.values())
FIGURES.extend(SOURCE_D_FIGURES)
ALL_TARGETS.extend(SOURCE_D_TABLES.values())
for _name in SOURCE_D_FIGURES:
    ALL_TARGETS.extend(figure_outputs(_name))
