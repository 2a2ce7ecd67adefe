# Claims: every claim's check → results/claims.json (included after every stage,
# so CLAIM_INPUTS is complete here).


rule claims:
    conda:
        "../../environment.yml"
    input:
        tables=CLAIM_INPUTS,
        checks=sorted(glob.glob("src/vanishing/claims/*.py")),
        catalogue="src/vanishing/claims/catalogue.yaml",
    output:
        "results/claims.json",
    log:
        "logs/claims.log",
    shell:
        "python -m vanishing claims --results results --out {output} > {log} 2>&1"


ALL_TARGETS.append("results/claims.json")
