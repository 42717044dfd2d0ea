"""Workspace URLs: every accepted shape (https://host, a port, a trailing slash) gives targets https://host[:port].

URLs with a path, a ?o= query or a #fragment are refused (tests/test_bad_input.py)."""

from __future__ import annotations

import pytest
from matrix import CLOUDS

HOSTS = {
    "azure": ("adb-1234567890123456.7.azuredatabricks.net", "adb-6543210987654321.9.azuredatabricks.net"),
    "aws": ("dbc-staging-1a2b.cloud.databricks.com", "dbc-prod-3c4d.cloud.databricks.com"),
    "gcp": ("1234567890.1.gcp.databricks.com", "9876543210.2.gcp.databricks.com"),
}
# The accepted shapes, and what the targets get.
SHAPES = {
    "bare": ("https://{host}", "https://{host}"),
    "trailing_slash": ("https://{host}/", "https://{host}"),
    "port": ("https://{host}:8443", "https://{host}:8443"),
    "port_and_slash": ("https://{host}:443/", "https://{host}:443"),
}
PLACEHOLDERS = {
    "azure": ("https://adb-xxxx.xx.azuredatabricks.net", "https://adb-xxxx.xx.azuredatabricks.net"),
    "aws": ("https://your-staging-workspace.cloud.databricks.com", "https://your-prod-workspace.cloud.databricks.com"),
    "gcp": ("https://your-staging-workspace.gcp.databricks.com", "https://your-prod-workspace.gcp.databricks.com"),
}


def target_hosts(project) -> dict[str, str | None]:
    bundle = project.yaml(f"{project.project.relative_to(project.output)}/databricks.yml")
    return {name: (t.get("workspace") or {}).get("host") for name, t in bundle["targets"].items()}


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_workspace_urls_reach_the_targets_without_a_trailing_slash(cloud, shape, rendered):
    staging, prod = HOSTS[cloud]
    project = rendered(
        {
            "input_cloud": cloud,
            "input_databricks_staging_workspace_host": SHAPES[shape][0].format(host=staging),
            "input_databricks_prod_workspace_host": SHAPES[shape][0].format(host=prod),
        }
    )
    hosts = target_hosts(project)
    assert hosts == {
        "dev": None,
        "staging": SHAPES[shape][1].format(host=staging),
        "prod": SHAPES[shape][1].format(host=prod),
        "test": SHAPES[shape][1].format(host=staging),
    }


@pytest.mark.parametrize("shape", SHAPES)
def test_separate_test_workspace_url_is_normalised_too(shape, rendered):
    project = rendered(
        {
            "input_cloud": "aws",
            "input_databricks_test_workspace_host": SHAPES[shape][0].format(host="dbc-ci-5e6f.cloud.databricks.com"),
        }
    )
    assert target_hosts(project)["test"] == SHAPES[shape][1].format(host="dbc-ci-5e6f.cloud.databricks.com")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_default_hosts_are_the_cloud_placeholders(cloud, rendered):
    hosts = target_hosts(rendered({"input_cloud": cloud}))
    staging, prod = PLACEHOLDERS[cloud]
    assert hosts == {"dev": None, "staging": staging, "prod": prod, "test": staging}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_empty_hosts_fall_back_to_the_placeholders(cloud, rendered):
    project = rendered(
        {
            "input_cloud": cloud,
            "input_databricks_staging_workspace_host": "",
            "input_databricks_prod_workspace_host": "",
            "input_databricks_test_workspace_host": "",
        }
    )
    staging, prod = PLACEHOLDERS[cloud]
    assert target_hosts(project) == {"dev": None, "staging": staging, "prod": prod, "test": staging}
