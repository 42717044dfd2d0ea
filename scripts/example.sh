#!/usr/bin/env bash
# Render the default example project into ./example with the pinned Databricks CLI (built on first use),
# then run the generated project's jobs locally (train, validate, deploy, score, monitor) in its cached
# virtualenv. Uses the same .venv as scripts/test.sh; the pinned CLI renders against the workspace simulator
# (both built into .tools/bin on first use). Extra arguments go to `python -m tooling.example`
# (e.g. --answers my-answers.json, or --render-only).
set -euo pipefail
cd "$(dirname "$0")/.."

# pip's build chatter is shown only if the install fails.
install_log=$(mktemp)
trap 'rm -f "$install_log"' EXIT
if ! { python3 -m venv .venv &&
  .venv/bin/python -m pip install --quiet --upgrade pip &&
  .venv/bin/python -m pip install --quiet -e '.[test]'; } >"$install_log" 2>&1; then
  cat "$install_log" >&2
  exit 1
fi
.venv/bin/python -m tooling.install_tools cli simulator >/dev/null
.venv/bin/python -m tooling.example "$@"
