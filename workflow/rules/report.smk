# Report: Jinja2 → report.md and report.tex (→ report.pdf where latexmk and XeLaTeX are).


rule report:
    input:
        **table_inputs(pipeline.REPORT_TABLES),
        claims__claims=rules.claims.output.claims,
        figures=[
            f"{RESULTS}/figures/{f.name}.png" for f in pipeline.FIGURES + pipeline.CLAIM_FIGURES
        ],
        templates=sorted(glob.glob("report/templates/*")),
        code=code("vanishing.report.render", *FIGURE_MODULES),
    output:
        md=f"{REPORT}/report.md",
        tex=f"{REPORT}/report.tex",
        bib=f"{REPORT}/references.bib",
    log:
        f"{LOGS}/report.log",
    conda:
        ENV
    params:
        p=report_params,
        job={
            "kind": "stage",
            "module": "vanishing.report.render",
            "params_type": pipeline.REPORT_PARAMS,
            "torch": False,
        },
    script:
        "../scripts/run_job.py"


rule report_pdf:
    input:
        tex=rules.report.output.tex,
        bib=rules.report.output.bib,
        figures=[
            f"{RESULTS}/figures/{f.name}.pdf" for f in pipeline.FIGURES + pipeline.CLAIM_FIGURES
        ],
    output:
        pdf=f"{REPORT}/report.pdf",
        # LaTeX's auxiliary files go next to its log, out of the report folder (a test
        # reads the log for overfull boxes).
        latex_log=f"{RESULTS}/latex/report.log",
    log:
        f"{LOGS}/report_pdf.log",
    conda:
        ENV
    # -g: always run LaTeX. Snakemake deletes the log (an output) before the job, and
    # latexmk, seeing byte-identical sources after a figure module's edit, would
    # otherwise skip the run and leave no log.
    # XeLaTeX (fontspec and a CJK font: report/templates/preamble.tex.j2). xdvipdfmx
    # takes CreationDate, ModDate, the font subset tags and the trailer /ID from
    # SOURCE_DATE_EPOCH, and FORCE_SOURCE_DATE=1 makes TeX's \today follow it: the last
    # commit's time (0 outside git), so that a rebuild gives the same bytes.
    shell:
        "export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0) "
        "FORCE_SOURCE_DATE=1 && "
        'build="$PWD/$(dirname {output.latex_log:q})" && '
        'latexmk -g -xelatex -interaction=nonstopmode -halt-on-error -cd -outdir="$build" '
        '{input.tex:q} > {log:q} 2>&1 && cp "$build/report.pdf" {output.pdf:q}'
