# Probe stage: gradients at initialisation. One job per activation computes
# every init, depth and seed (seeds batched into one ensemble per depth): with
# `import torch` at ~3 s a process, one job per activation x init would spend
# more time importing than computing.


rule probe:
    input:
        code=PROBE_CODE,
    conda:
        "../../environment.yml"
    output:
        expand(
            "results/probe/activation~{{activation}}/init~{init}.csv",
            init=config["inits"],
        ),
    log:
        "logs/probe/activation~{activation}.log",
    params:
        grid=lambda wildcards: as_json(
            {
                "inits": config["inits"],
                "depths": config["depths"],
                "seeds": config["seeds"],
                "width": config["width"],
                "batch_size": config["probe"]["batch_size"],
                "dtype": config["probe"]["dtype"],
                "leaky_slope": config["leaky_slope"],
                "device": config["device"],
            }
        ),
    threads: 1
    shell:
        "python -m vanishing probe --threads {threads} --activation {wildcards.activation} "
        "--params {params.grid} --outputs {output} > {log} 2>&1"


rule probe_summary:
    conda:
        "../../environment.yml"
    input:
        tables=probe_tables,
        code="src/vanishing/summaries.py",
    output:
        summary="results/probe/summary.csv",
        layers="results/probe/layers.csv",
    log:
        "logs/probe/summary.log",
    shell:
        "python -m vanishing summarise-probe --inputs {input.tables} --outputs {output.summary} {output.layers} "
        "> {log} 2>&1"


CLAIM_INPUTS.extend(rules.probe_summary.output)
ALL_TARGETS.extend(rules.probe_summary.output)
