"""Activation families, by name only (no torch import: figure jobs and claim checks use it).

The phase-diagram figures draw one family each, and claim E6 names the families for which
the mean-field critical line holds or fails.
"""

from __future__ import annotations

import re

#: family key -> human label, in the order figures and reports list them
FAMILIES: dict[str, str] = {
    "sigmoidal": "sigmoidal (sigmoid, tanh, tanh(n·x), LeCun tanh)",
    "relu_family": "ReLU family (ReLU, leaky ReLU, PReLU, NecroReLU)",
    "other": "other (ELU, softplus, abs, linear)",
}

_SIGMOIDAL = re.compile(r"^(sigmoid|tanh|lecun_tanh|tanh_n\d+(\.\d+)?)$")
_RELU = re.compile(r"^(relu|prelu|necro_relu|leaky_relu(\d+(\.\d+)?)?)$")


def family(name: str) -> str:
    """The family key of an activation name (anything unrecognised is "other")."""
    if _SIGMOIDAL.match(name):
        return "sigmoidal"
    if _RELU.match(name):
        return "relu_family"
    return "other"
