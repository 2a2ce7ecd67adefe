"""Each claim's one-line form (one_line.yaml, beside the catalogue): what the summary
table and the verdict figure print where the full paraphrase does not fit."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

ONE_LINE = Path(__file__).with_name("one_line.yaml")


@cache
def one_line() -> dict[str, str]:
    """Claim ID → its one-line form."""
    return {str(k): str(v) for k, v in yaml.safe_load(ONE_LINE.read_text()).items()}
