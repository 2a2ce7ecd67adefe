# One rule for every figure: figures/<name>.py draws <results>/figures/<name>.{png,pdf}
# from the tables the manifest lists for it.


rule figure:
    input:
        unpack(figure_inputs),
    output:
        png=report(
            f"{RESULTS}/figures/{{figure}}.png",
            caption="../report/figure.rst",
            category=figure_section,
        ),
        pdf=f"{RESULTS}/figures/{{figure}}.pdf",
    log:
        f"{LOGS}/figures/{{figure}}.log",
    wildcard_constraints:
        figure=alternatives(FIGURE_BY_NAME),
    conda:
        ENV
    params:
        job=lambda wildcards: {
            "kind": "figure",
            "module": FIGURE_BY_NAME[wildcards.figure].module,
            "torch": False,
        },
        caption=figure_caption,
        tables=lambda wildcards: ", ".join(FIGURE_BY_NAME[wildcards.figure].tables),
    script:
        "../scripts/run_job.py"
