# Report: Jinja2 → report/report.md and report/report.tex (→ report.pdf with latexmk).


rule report:
    conda:
        "../../environment.yml"
    input:
        claims="results/claims.json",
        summary="results/probe/summary.csv",
        maxima="results/theory/maxima.json",
        figures=[f"results/figures/{name}.png" for name in FIGURES],
        templates=sorted(glob.glob("report/templates/*")),
        code="src/vanishing/report.py",
    output:
        md="report/report.md",
        tex="report/report.tex",
        bib="report/references.bib",
    log:
        "logs/report.log",
    params:
        cfg=lambda wildcards: as_json(
            {**config, "figures": FIGURES, "training": study("training")}
        ),
    shell:
        "python -m vanishing report --claims {input.claims} --results results --templates report/templates "
        "--out-md {output.md} --out-tex {output.tex} --params {params.cfg} > {log} 2>&1"


rule report_pdf:
    conda:
        "../../environment.yml"
    input:
        tex="report/report.tex",
        bib="report/references.bib",
        figures=[f"results/figures/{name}.pdf" for name in FIGURES],
    output:
        "report/report.pdf",
    log:
        "logs/report_pdf.log",
    shell:
        "cd report && "
        "latexmk -pdf -interaction=nonstopmode -halt-on-error report.tex > ../{log} 2>&1"


ALL_TARGETS.extend(rules.report.output)
if HAVE_LATEXMK:
    ALL_TARGETS.append("report/report.pdf")
