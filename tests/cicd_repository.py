"""A CI/CD-only repository with a project added to it by the sub-template in cicd.tar.gz, the way the repository's
README tells its users: copy the project folder in, unpack the archive, run cicd/add_project_cicd.py.

Shared by the tests of the sub-template (test_cicd_archive.py) and of deploying the result
(test_deploy_on_simulator.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from tooling.paths import TOOLS_BIN


def repository_with_project(rendered, cicd, project_combo, tmp_path: Path) -> tuple[Path, str]:
    """tmp_path/repo: the CI/CD-only render of `cicd` with the project of `project_combo` copied in and the
    archive unpacked; returns the repository and the project's folder name."""
    repo = tmp_path / "repo"
    shutil.copytree(rendered(cicd).root, repo)
    folder = project_combo.derived["project_folder"]
    shutil.copytree(rendered(project_combo).project, repo / folder)
    with tarfile.open(repo / "cicd.tar.gz") as tar:
        tar.extractall(repo, filter="data")
    return repo, folder


def add_project(repo: Path, folder: str, workspace, home: Path) -> subprocess.CompletedProcess:
    """Run the repository's cicd/add_project_cicd.py for `folder`, with the pinned CLI against the simulator."""
    env = workspace.cli_env(home, base={"PATH": f"{TOOLS_BIN}:/usr/bin:/bin", "LANG": "C.UTF-8"})
    return subprocess.run(
        [sys.executable, "cicd/add_project_cicd.py", folder],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
