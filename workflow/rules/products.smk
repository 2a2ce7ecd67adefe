# Stage rules: products (see workflow/rules/probe.smk for the conventions).
# Monte Carlo of K-fold products of activation derivatives (claims A1, A3, A7, A8, A9,
# A11, A13, B10, C10); numpy only, one job.

PRODUCTS_DIR = "results/studies/products"


rule products:
    conda:
        "../../environment.yml"
    input:
        code=["src/vanishing/studies/products.py", "src/vanishing/theory.py"],
    output:
        products=f"{PRODUCTS_DIR}/products.csv",
        expected=f"{PRODUCTS_DIR}/expected.csv",
        pairs=f"{PRODUCTS_DIR}/pairs.csv",
        inside=f"{PRODUCTS_DIR}/inside.csv",
        cancellation=f"{PRODUCTS_DIR}/cancellation.csv",
        analytic=f"{PRODUCTS_DIR}/analytic.json",
    log:
        "logs/studies/products.log",
    params:
        p=lambda wildcards: as_json(study("products")),
    threads: 1
    shell:
        "python -m vanishing study --name products --threads {threads} --params {params.p} "
        "--outputs {output} > {log} 2>&1"


PRODUCTS_FIGURES = {
    "products_probability": [rules.products.output.products],
    "products_expected_derivative": [rules.products.output.expected],
    "products_inside": [rules.products.output.inside],
}


rule products_figure:
    conda:
        "../../environment.yml"
    input:
        tables=lambda wildcards: PRODUCTS_FIGURES[wildcards.figure],
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
        figure="|".join(PRODUCTS_FIGURES),
    shell:
        "python -m vanishing figure --name {wildcards.figure} --inputs {input.tables} "
        "--outputs {output.png} {output.pdf} --params {params.p} > {log} 2>&1"


CLAIM_INPUTS.extend(rules.products.output)
FIGURES.extend(PRODUCTS_FIGURES)
ALL_TARGETS.extend(rules.products.output)
for _name in PRODUCTS_FIGURES:
    ALL_TARGETS.extend(figure_outputs(_name))
