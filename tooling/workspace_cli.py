"""The Databricks CLI that a generated project's local run uses here: the pinned CLI, talking to the
Databricks CLI's own workspace simulator (tooling/simulator) instead of a real workspace.

A local run (`python -m <package>.local`) reads the bundle's jobs with `databricks bundle validate`,
and the CLI needs a workspace connection for that. `cli_wrapper` writes a `databricks` script that
runs the pinned CLI with exactly the environment of `workspace.cli_env(home)` (no variable of the
caller leaks in), and `path_with` puts it first on PATH. Only the CLI talks to the simulator; the run
itself keeps the caller's environment (HOME, and with it Ivy's cache of the Delta Lake jars).

`local_workspace` is the one place that says which workspace that is.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Protocol

from tooling.render import cli_path
from tooling.simulator import Simulator


class Workspace(Protocol):
    def cli_env(self, home: Path, base: dict[str, str] | None = None) -> dict[str, str]: ...


def local_workspace() -> Simulator:
    """The local workspace (a context manager: the simulator) that rendering and local runs talk to."""
    return Simulator()


def cli_wrapper(workspace: Workspace, home: Path, folder: Path) -> Path:
    """Write `folder/databricks`, the pinned CLI connected to `workspace`; returns `folder`."""
    env = workspace.cli_env(home, base={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in sorted(env.items()))
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "databricks"
    script.write_text(f'#!/bin/sh\nexec env -i {assignments} {shlex.quote(str(cli_path()))} "$@"\n')
    script.chmod(0o755)
    return folder


def path_with(folder: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """`PATH` with `folder` first, as an environment entry."""
    path = (environ if environ is not None else os.environ).get("PATH", "")
    return {"PATH": os.pathsep.join([str(folder), *([path] if path else [])])}
