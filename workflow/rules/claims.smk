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
        job={"kind": "stage", "module": "vanishing.claims.evaluate", "torch": False},
    script:
        "../scripts/run_job.py"
