#!/usr/bin/env bash
# Install everything the tests need and run them:
#   - a virtualenv in .venv with the Python packages of pyproject.toml's "test" extra (pip's cache is reused),
#   - the pinned Databricks CLI and actionlint, built from the Go module proxy into .tools/bin (cached per user),
#   - then the whole suite, in parallel. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/python -m tooling.install_tools
exec .venv/bin/python -m pytest -n auto "$@"
