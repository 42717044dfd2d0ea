"""Render this template with the pinned Databricks CLI (`databricks bundle init`)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tooling.paths import REPO_ROOT, TOOLS_BIN
from tooling.simulator import Simulator


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_path() -> Path:
    path = TOOLS_BIN / "databricks"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python -m tooling.install_tools cli` first")
    return path


def cli_environment(
    workspace: Simulator, home: Path, *, token: str | None = None, credentials: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment every CLI run gets: Simulator.cli_env on a minimal PATH."""
    base = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return workspace.cli_env(home, token=token, credentials=credentials, base=base)


def run_cli(
    args: list[str],
    *,
    workspace: Simulator,
    home: Path,
    cwd: Path,
    timeout: float = 300,
    token: str | None = None,
    credentials: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> CliResult:
    """Run the pinned CLI against the simulator (see Simulator.cli_env for `token` and `credentials`)."""
    env = cli_environment(workspace, home, token=token, credentials=credentials)
    env.update(extra_env or {})
    proc = subprocess.run(
        [str(cli_path()), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def render(
    answers: dict[str, str], output_dir: Path, *, workspace: Simulator, home: Path, template_dir: Path = REPO_ROOT
) -> CliResult:
    """`bundle init <template_dir> --config-file <answers> --output-dir <output_dir>`.

    The CLI runs from an empty scratch folder so no surrounding bundle is picked up."""
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        config = Path(scratch) / "answers.json"
        config.write_text(json.dumps(answers, indent=2))
        return run_cli(
            ["bundle", "init", str(template_dir), "--config-file", str(config), "--output-dir", str(output_dir)],
            workspace=workspace,
            home=home,
            cwd=Path(scratch),
        )
