# vanishing: experiments on vanishing and exploding gradients.
#
#   snakemake --cores all                                  # the default report
#   snakemake --cores 2 --configfile config/quick.yaml     # the seconds-scale one
#   snakemake --cores 1 results/figures/thresholds.png     # one figure
from snakemake.utils import min_version, validate

min_version("9.0")


envvars:
    "PATH",


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/probe.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/small_studies.smk"
include: "workflow/rules/source_d.smk"
include: "workflow/rules/equivalence.smk"
include: "workflow/rules/products.smk"
include: "workflow/rules/meanfield.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        ALL_TARGETS,
    default_target: True
