"""Render the default example project into ./example with the pinned CLI, then run its local pipeline.

    python -m tooling.example [--answers answers.json] [--output example] [--render-only]

No Databricks credentials are needed: `bundle init` insists on a workspace client, so the CLI talks to
the Databricks CLI's workspace simulator on 127.0.0.1 (the one the tests use). Your own profile is not read.

The local run (`python -m <package>.local` in the generated project) runs the jobs of the bundle's dev
target (feature tables, training, validation, deployment, batch inference, monitoring) on local Spark with
a local MLflow store, in the cached project virtualenv of tooling/project_env.py (created on first use, a
few minutes once per machine), with the project's src/ on the import path. It reads the jobs with the
Databricks CLI, which talks to the same workspace simulator (tooling/workspace_cli.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tooling.paths import REPO_ROOT
from tooling.render import render
from tooling.workspace_cli import Workspace, cli_wrapper, local_workspace, path_with

DEFAULT_OUTPUT = REPO_ROOT / "example"


def render_example(answers: dict[str, str], output: Path) -> Path:
    """Render into `output` (replaced if it exists); returns `output`."""
    if output.exists():
        shutil.rmtree(output)
    with local_workspace() as ws, tempfile.TemporaryDirectory(prefix="example-home-") as home:
        result = render(answers, output, workspace=ws, home=Path(home))
    if result.returncode != 0:
        raise SystemExit(f"bundle init failed:\n{result.output}")
    print(result.stderr.strip())
    return output


def find_project(output: Path) -> Path | None:
    """The generated project folder (the one with databricks.yml) under `output`; None for CI/CD only."""
    found = sorted(p.parent for p in output.glob("*/*/databricks.yml"))
    return found[0] if found else None


def project_package(project: Path) -> str:
    """The generated project's Python package (the one folder of src/ with a local runner)."""
    (main,) = project.glob("src/*/local/__main__.py")
    return main.parent.parent.name


def pipeline_module(project: Path) -> str:
    """The module of the project's local run, `python -m <package>.local`."""
    return f"{project_package(project)}.local"


def pipeline_env() -> dict[str, str]:
    """This process's environment without the variables of this repository's own Python environment."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}


def run_local_pipeline(
    project: Path,
    python: Path,
    *args: str,
    workspace: Workspace,
    extra_env: dict[str, str] | None = None,
    **kwargs,
) -> subprocess.CompletedProcess:
    """Run the project's local run with `python` (the project venv's) from the project folder, its src/ on
    the import path (as an editable install would put it), the CLI connected to `workspace`."""
    with tempfile.TemporaryDirectory(prefix="local-run-cli-") as tmp:
        cli = cli_wrapper(workspace, Path(tmp) / "home", Path(tmp) / "bin")
        env = pipeline_env() | path_with(cli) | {"PYTHONPATH": str(project / "src")} | (extra_env or {})
        command = [str(python), "-m", pipeline_module(project), *args]
        return subprocess.run(command, cwd=project, env=env, check=False, **kwargs)


def _next_steps(output: Path, project: Path, python: Path, passed: bool) -> str:
    rel = os.path.relpath(project)
    status = "passed" if passed else "FAILED (see the stage above)"
    commands = [
        ("export PYTHONPATH=$PWD/src", "the package, as `pip install -e .` would provide it"),
        ("pytest", "the project's own unit tests"),
        (f"python -m {pipeline_module(project)}", "the local run again (needs `databricks auth login`)"),
        ("mlflow ui --backend-store-uri sqlite:///.local/mlflow.db", "browse the runs and registered models"),
    ]
    width = max(len(command) for command, _ in commands) + 2
    lines = "\n".join(f"  {command.ljust(width)}# {what}" for command, what in commands)
    return f"""
Rendered into {output}
  project:         {rel} (its README.md explains the layout, the jobs and how to deploy)
  local run:       {status}; its tables, Spark log and MLflow store are in {rel}/.local/
  project venv:    {python.parent.parent}

Next, in the project folder with the project venv active:
  cd {rel} && source {python.parent / "activate"}
{lines}
From this repository: ./scripts/test.sh runs the template's whole test suite."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=Path, help="answers file (JSON) as for `bundle init --config-file`")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder to render into (replaced)")
    parser.add_argument("--render-only", action="store_true", help="render, but do not run the local pipeline")
    args = parser.parse_args(argv)
    answers = json.loads(args.answers.read_text()) if args.answers else {}
    output = render_example(answers, args.output.resolve())
    project = find_project(output)
    if args.render_only or project is None:
        reason = "" if project else " (CI/CD only: no project, so no local pipeline)"
        print(f"\nRendered into {output}{reason}")
        return 0

    from tooling.project_env import ensure_project_env  # needs this repo's venv (filelock)

    env = ensure_project_env(project)
    if env.created:
        print(f"Project virtualenv created in {env.seconds:.0f} s.")
    print(f"\nRunning the jobs of {project.relative_to(output)} locally:\n", flush=True)
    with local_workspace() as workspace:
        passed = run_local_pipeline(project, env.python, workspace=workspace).returncode == 0
    print(_next_steps(output, project, env.python, passed))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
