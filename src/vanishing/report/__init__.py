"""The report stage: Markdown and LaTeX (→ PDF) rendered by Jinja2 from results/.

- ``render``: the stage's ``run``, the context the templates read, and the abstract,
  summary and appendix that context holds;
- ``latex``: Unicode text → LaTeX;
- ``bibliography``: references.yaml → BibTeX, Markdown references and citations;
- ``citation``: how the report cites itself (title, author, version, BibTeX);
- ``provenance``: commit, build date, config hash and package versions.
"""
