# One rule per stage of the manifest. A per-job stage (probe: one per group of
# activations; training: the same) has a {job} wildcard.
for _stage in pipeline.STAGES:

    rule:
        name:
            _stage.name
        input:
            **table_inputs(_stage.inputs),
            code=code(_stage.module),
        output:
            **stage_outputs(_stage),
        log:
            stage_file(_stage, LOGS, "log"),
        benchmark:
            stage_file(_stage, f"{LOGS}/benchmarks", "tsv")
        wildcard_constraints:
            job=alternatives(_stage.job_names(config)),
        priority: _stage.priority
        conda:
            ENV
        threads: 1
        resources:
            **stage_resources(_stage),
        params:
            p=functools.partial(stage_params, _stage),
            job={
                "kind": "stage",
                "module": _stage.module,
                "params_type": _stage.params_type,
                "torch": _stage.torch,
            },
        script:
            "../scripts/run_job.py"
