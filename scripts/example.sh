#!/usr/bin/env bash
# Render the default example project into ./example with the pinned Databricks CLI (built on first use).
# Extra arguments go to `python -m tooling.example` (e.g. --answers my-answers.json).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m tooling.install_tools cli >/dev/null
python3 -m tooling.example "$@"
