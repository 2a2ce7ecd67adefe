# Theory stage: analytic thresholds and derivative curves (no training).


rule theory:
    input:
        code=["src/vanishing/theory.py", "src/vanishing/theory_tables.py"],
    conda:
        "../../environment.yml"
    output:
        thresholds="results/theory/thresholds.csv",
        curve="results/theory/threshold_curve.csv",
        derivatives="results/theory/derivative_curves.csv",
        maxima="results/theory/maxima.json",
    log:
        "logs/theory/theory.log",
    params:
        p=lambda wildcards: as_json({"tanh_ns": TANH_NS}),
    shell:
        "python -m vanishing theory --params {params.p} --out-dir results/theory > {log} 2>&1"


CLAIM_INPUTS.extend(rules.theory.output)
