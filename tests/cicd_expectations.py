"""What the generated CI/CD must contain, shared by the tests of every platform."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlparse

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
