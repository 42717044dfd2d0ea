"""The pinned tool versions. The Databricks CLI version is read from library/template_variables.tmpl,
which is its single source of truth (the template itself needs it there for generated CI)."""

from __future__ import annotations

import re

from tooling.paths import LIBRARY_DIR

_CLI_VERSION_RE = re.compile(r"define `cli_version` -}}\s*(v\d+\.\d+\.\d+)\s*{{- end }}")

# rhysd/actionlint, built from the Go module proxy like the CLI.
ACTIONLINT_VERSION = "v1.7.12"


def pinned_cli_version() -> str:
    """The CLI version with its leading "v", e.g. "v1.9.0"."""
    text = (LIBRARY_DIR / "template_variables.tmpl").read_text()
    match = _CLI_VERSION_RE.search(text)
    if not match:
        raise RuntimeError("library/template_variables.tmpl does not define `cli_version` as vX.Y.Z")
    return match.group(1)
