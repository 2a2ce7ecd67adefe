# Figures of the probe and theory stages: one rule instance per figure, each
# listing its own module so that editing it reruns that figure and the report only.

FOUNDATION_FIGURES = {
    "activation_derivatives": ["results/theory/derivative_curves.csv"],
    "thresholds": ["results/theory/threshold_curve.csv", "results/theory/maxima.json"],
    "gradient_profiles": ["results/probe/layers.csv"],
    "ratio_heatmap": ["results/probe/summary.csv"],
    "delta_heatmap": ["results/probe/summary.csv"],
}
FIGURE_HELPERS.update(
    {
        "ratio_heatmap": ["src/vanishing/figures/_heatmap.py"],
        "delta_heatmap": ["src/vanishing/figures/_heatmap.py"],
    }
)


rule figure:
    conda:
        "../../environment.yml"
    input:
        tables=lambda wildcards: FOUNDATION_FIGURES[wildcards.figure],
        code=figure_code,
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
        p=lambda wildcards: as_json({"depths": config["depths"]}),
    wildcard_constraints:
        figure="|".join(FOUNDATION_FIGURES),
    shell:
        "python -m vanishing figure --name {wildcards.figure} --inputs {input.tables} "
        "--outputs {output.png} {output.pdf} --params {params.p} > {log} 2>&1"


FIGURES.extend(FOUNDATION_FIGURES)
for _name in FOUNDATION_FIGURES:
    ALL_TARGETS.extend(figure_outputs(_name))
