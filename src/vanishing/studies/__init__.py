"""The focused studies, one module per study, each run by a stage of the manifest
(vanishing.machinery.pipeline: ``Stage.module``; training by two) as
``run(p, inputs, outputs)``:

- ``p``: the study's ``Params`` dataclass (vanishing.machinery.params.<study>), its defaults
  updated by the config's ``studies.<study>`` (checked by vanishing.machinery.config_check when
  the workflow is parsed) and by the keys its rule fills itself (``SetByRule`` fields:
  training's ``job`` and ``device``, the probe grid's for meanfield; phase's
  activations). The rule passes a dict; vanishing.machinery.jobs.run_stage_module builds ``p``.
- ``inputs``: a vanishing.machinery.tables.Tables reader of the tables the stage declares.
- ``outputs``: the stage's output paths, a dict by key (``Stage.outputs``).

A study module imports its ``Params`` from vanishing.machinery.params.<study>, which imports no
torch; ``_small`` holds what the small studies share.
"""
