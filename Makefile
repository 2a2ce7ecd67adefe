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
# The SLURM executor plugin only for the SLURM test: every `snakemake` command imports
# each installed plugin at start-up, and this one brings pandas (0.4 s a dry run).
SLURM_STAMP := $(VENV)/.installed-slurm-$(shell sha1sum pyproject.toml | cut -c1-12)
CORES ?= all

.PHONY: report quick latex test test-slurm lint lint-quick bench clean publish

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

$(SLURM_STAMP): $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,slurm]'
	touch $(SLURM_STAMP)

report: $(STAMP) latex
	$(VENV)/bin/snakemake --cores $(CORES)

quick: $(STAMP) latex
	$(VENV)/bin/snakemake --cores $(CORES) --configfile config/quick.yaml

# The PDF is typeset by XeLaTeX with a CJK font (report/templates/preamble.tex.j2).
# Where LaTeX is (latexmk found) but they are missing: install them as root with
# apt-get, else print the line to run. No latexmk: nothing to do, the pipeline builds
# the Markdown report only. The same check decides whether the pipeline builds the PDF
# (vanishing.report.latex.latex_ready).
CJK_FONT := Noto Serif CJK TC
LATEX_APT := apt-get install -y --no-install-recommends texlive-xetex fonts-noto-cjk
latex:
	@if command -v latexmk >/dev/null && ! { command -v xelatex >/dev/null && \
		fc-list ':family=$(CJK_FONT)' family 2>/dev/null | grep -q .; }; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing XeLaTeX and the CJK font for the PDF: $(LATEX_APT)"; \
			$(LATEX_APT); \
		else \
			echo "No PDF until XeLaTeX and the CJK font are installed: sudo $(LATEX_APT)"; \
		fi; \
	fi

# Two or more workers (pytest-xdist, one per core): the end-to-end builds run beside
# the unit tests; tests/conftest.py shares one quick build between the workers.
# mypy runs beside pytest too (alone, it left a core idle for half a minute); its
# report follows pytest's, and either failing fails the target.
test: lint-quick
	@echo "pytest -n auto, and mypy beside it"
	@$(VENV)/bin/mypy > $(VENV)/mypy.log 2>&1 & typing=$$!; \
	$(VENV)/bin/pytest -n auto; tests=$$?; \
	wait $$typing; typed=$$?; echo "mypy:"; cat $(VENV)/mypy.log; \
	exit $$(( tests || typed ))

test-slurm: $(SLURM_STAMP)
	PYTHON=$(CURDIR)/$(VENV)/bin/python tests/slurm/run_slurm_test.sh

lint: lint-quick
	$(VENV)/bin/mypy

# Everything in lint but the type check (a few seconds).
lint-quick: $(STAMP)
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
