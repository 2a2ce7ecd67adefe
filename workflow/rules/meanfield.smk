# Stage rules: meanfield (see workflow/rules/probe.smk for the conventions).
# Mean-field χ1 for every activation × init of the probe grid against the measured
# per-layer slope (E1), and orthogonal vs Gaussian init over depth (E4).

MEANFIELD_DIR = "results/studies/meanfield"


rule meanfield:
    conda:
        "../../environment.yml"
    input:
        summary=rules.probe_summary.output.summary,
        code=["src/vanishing/studies/meanfield.py", *PROBE_CODE, "src/vanishing/summaries.py"],
    output:
        chi1=f"{MEANFIELD_DIR}/chi1.csv",
        comparison=f"{MEANFIELD_DIR}/comparison.csv",
        orthogonal=f"{MEANFIELD_DIR}/orthogonal.csv",
    log:
        "logs/studies/meanfield.log",
    params:
        p=lambda wildcards, input: as_json(
            {
                **study("meanfield"),
                "activations": config["activations"],
                "inits": config["inits"],
                "width": config["width"],
                "leaky_slope": config["leaky_slope"],
                "batch_size": config["probe"]["batch_size"],
                "summary": input.summary,
            }
        ),
    threads: 1
    shell:
        "python -m vanishing study --name meanfield --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


MEANFIELD_FIGURES = {
    "meanfield_chi1": [rules.meanfield.output.comparison],
    "meanfield_orthogonal": [rules.meanfield.output.orthogonal],
}


rule meanfield_figure:
    conda:
        "../../environment.yml"
    input:
        tables=lambda wildcards: MEANFIELD_FIGURES[wildcards.figure],
        code="src/vanishing/figures/{figure}.py",
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/figure.rst",
            category="Figures",
        ),
        pdf="results/figures/{figure}.pdf",
    log:
        "logs/figures/{figure}.log",
    params:
        p=lambda wildcards: as_json({}),
    wildcard_constraints:
        figure="|".join(MEANFIELD_FIGURES),
    shell:
        "python -m vanishing figure --name {wildcards.figure} --inputs {input.tables} "
        "--outputs {output.png} {output.pdf} --params {params.p} > {log} 2>&1"


CLAIM_INPUTS.extend(rules.meanfield.output)
FIGURES.extend(MEANFIELD_FIGURES)
ALL_TARGETS.extend(rules.meanfield.output)
for _name in MEANFIELD_FIGURES:
    ALL_TARGETS.extend(figure_outputs(_name))
