"""Every study's parameters, one module per study: ``params/<study>.py`` holds the
``Params`` dataclass of ``vanishing.studies.<study>`` (the config's
``studies.<study>`` keys, their types and defaults, and ``validate`` for the rules a
schema cannot say) and the constants its defaults need.

Nothing here imports torch: the Snakefile checks a config against these
(vanishing.machinery.config_schema, vanishing.machinery.config_check) while it parses
the workflow, before any job runs. A module here imports only the standard library,
numpy, vanishing.machinery.config_types, vanishing.core.vocabulary and its siblings;
every module here is a study (``config_schema.study_names`` lists them).
tests/test_import_cycles.py holds both to that.
"""
