# Claims: every claim's check, reading every table of the manifest.


rule claims:
    input:
        **table_inputs(pipeline.all_tables()),
        code=code("vanishing.claims.evaluate", *CHECK_MODULES),
        catalogue="src/vanishing/claims/catalogue.yaml",
    output:
        claims=f"{RESULTS}/claims.json",
        table=report(f"{RESULTS}/claims.csv", caption="../report/claims.rst", category="Claims"),
    log:
        f"{LOGS}/claims.log",
    conda:
        ENV
    params:
        p={},
        job={
            "kind": "stage",
            "module": "vanishing.claims.evaluate",
            "params_type": pipeline.CLAIMS_PARAMS,
            "torch": False,
        },
    script:
        "../scripts/run_job.py"


# Figures drawn from claims.json (the verdict-at-a-glance figure, shown first in the report).
rule claims_figure:
    input:
        claims__claims=rules.claims.output.claims,
        code=lambda wildcards: code(CLAIM_FIGURE_BY_NAME[wildcards.figure].module),
    output:
        png=report(
            f"{RESULTS}/figures/{{figure}}.png",
            caption="../report/figure.rst",
            category=pipeline.SECTIONS["E"],
        ),
        pdf=f"{RESULTS}/figures/{{figure}}.pdf",
    log:
        f"{LOGS}/figures/{{figure}}.log",
    wildcard_constraints:
        figure=alternatives(CLAIM_FIGURE_BY_NAME),
    conda:
        ENV
    params:
        job=lambda wildcards: {
            "kind": "figure",
            "module": CLAIM_FIGURE_BY_NAME[wildcards.figure].module,
            "torch": False,
        },
        caption=figure_caption,
        tables="claims.claims",
    script:
        "../scripts/run_job.py"
