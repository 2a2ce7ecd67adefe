# Two commands on a fresh machine with Python 3.11:
#   make report   set up .venv, then build the default report (report/report.md, .tex, .pdf)
#   make test     set up .venv, then lint and run the tests (what .ci/run calls)
#   make publish  copy the default report and its cited tables into docs/report/,
#                 and write README's block and CITATION.cff from it (after make report)
#   make test-slurm   (as root, Debian) the quick config on a one-node SLURM cluster
#                     against a local run: tests/slurm/run_slurm_test.sh
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
CORES ?= all

.PHONY: report quick test test-slurm lint bench clean publish

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,slurm]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES)

quick: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES) --configfile config/quick.yaml

test: lint
	$(VENV)/bin/pytest

test-slurm: $(STAMP)
	PYTHON=$(CURDIR)/$(VENV)/bin/python tests/slurm/run_slurm_test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/snakefmt --check Snakefile workflow
	$(VENV)/bin/snakemake --lint

# Copy the default run's report (Markdown, PDF, figures, claims.json, and the tables
# its rows cite under docs/report/data/, at most 5 MB) with its provenance into
# docs/report/, the committed copy the README links; write the README's published block
# and CITATION.cff (abstract, claim count, date, version, commit) from it; print the
# PDF's page counts. Run after `make report`.
publish: $(STAMP)
	$(VENV)/bin/vanishing publish --report report --results results --out docs/report

# Each stage's jobs against the targets in benchmarks/bench.py (about 20 min here);
# the table the README's "Time and size" section quotes, also in benchmarks/RESULTS.md.
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench.py --jobs --pipeline all --out benchmarks/RESULTS.md \
		--readme README.md

clean:
	rm -rf results logs report/report.* report/references.bib .snakemake
