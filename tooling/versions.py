"""The pinned tool versions, read from the template's library: the template needs them there for the CI it
generates, so that is their single source of truth."""

from __future__ import annotations

import re
from pathlib import Path

# Not tooling.paths: pip's isolated build imports this module alone (pyproject.toml reads TEMPLATE_VERSION here).
LIBRARY_DIR = Path(__file__).resolve().parent.parent / "library"


def _defined_version(file: str, name: str, prefix: str) -> str:
    text = (LIBRARY_DIR / file).read_text()
    match = re.search(r"define `" + name + r"` -}}\s*(" + prefix + r"\d+\.\d+\.\d+)\s*{{- end }}", text)
    if not match:
        raise RuntimeError(f"library/{file} does not define `{name}` as {prefix}X.Y.Z")
    return match.group(1)


def pinned_cli_version() -> str:
    """The Databricks CLI version with its leading "v", e.g. "v1.9.0"."""
    return "v" + _defined_version("template_variables.tmpl", "cli_version_number", "")


# The template's own version (also this repository's package version: pyproject.toml reads it from here).
TEMPLATE_VERSION = _defined_version("template_variables.tmpl", "template_version", "")


def pinned_go_sdk_version() -> str:
    """The databricks-sdk-go version the pinned CLI is built with, e.g. "v0.160.0" (the setup guide links it)."""
    return _defined_version("template_variables.tmpl", "cli_go_sdk_version", "v")


# rhysd/actionlint, built from the Go module proxy like the CLI; the generated lint workflow uses the same.
ACTIONLINT_VERSION = _defined_version("cicd.tmpl", "actionlint_version", "v")
