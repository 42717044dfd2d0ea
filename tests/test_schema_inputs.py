"""The input schema: upstream's inputs with their defaults, enums and skip rules, plus ours."""

from __future__ import annotations

import json

import pytest
from matrix import resolve
from tty_prompts import answer_prompts

from tooling.paths import TEMPLATE_SCHEMA
from tooling.render import run_cli

SCHEMA = json.loads(TEMPLATE_SCHEMA.read_text())
PROPS = SCHEMA["properties"]

# Upstream mainline's 18 inputs in prompt order (orders 11 and 19 are unused upstream), then our additions.
UPSTREAM_INPUTS = {
    "input_setup_cicd_and_project": 1,
    "input_project_name": 2,
    "input_root_dir": 3,
    "input_cloud": 4,
    "input_cicd_platform": 5,
    "input_databricks_staging_workspace_host": 6,
    "input_databricks_prod_workspace_host": 7,
    "input_default_branch": 8,
    "input_release_branch": 9,
    "input_read_user_group": 10,
    "input_staging_catalog_name": 12,
    "input_prod_catalog_name": 13,
    "input_test_catalog_name": 14,
    "input_schema_name": 15,
    "input_unity_catalog_read_user_group": 16,
    "input_inference_table_name": 17,
    "input_include_feature_store": 18,
    "input_docker_image": 20,
}
ADDED_INPUTS = {
    "input_databricks_test_workspace_host": 7,
    "input_deployment_pattern": 19,
    "input_include_model_serving": 21,
    "input_cicd_auth": 22,
}

ENUMS = {
    "input_setup_cicd_and_project": ["CICD_and_Project", "Project_Only", "CICD_Only"],
    "input_cloud": ["azure", "aws", "gcp"],
    "input_cicd_platform": ["github_actions", "github_actions_for_github_enterprise_servers", "azure_devops", "gitlab"],
    "input_include_feature_store": ["no", "yes"],
    "input_deployment_pattern": ["deploy_code", "deploy_models"],
    "input_include_model_serving": ["no", "yes"],
    "input_cicd_auth": ["workload_identity_federation", "secrets"],
}

ALL = list(UPSTREAM_INPUTS) + list(ADDED_INPUTS)
PROJECT_ONLY_SKIPS = {
    "input_cicd_platform",
    "input_databricks_staging_workspace_host",
    "input_databricks_prod_workspace_host",
    "input_databricks_test_workspace_host",
    "input_default_branch",
    "input_release_branch",
    "input_staging_catalog_name",
    "input_prod_catalog_name",
    "input_test_catalog_name",
    "input_docker_image",
    "input_cicd_auth",
}
CICD_ONLY_SKIPS = {
    "input_project_name",
    "input_read_user_group",
    "input_schema_name",
    "input_unity_catalog_read_user_group",
    "input_inference_table_name",
    "input_include_feature_store",
    "input_deployment_pattern",
    "input_include_model_serving",
}


def expected_prompts(setup: str, platform: str) -> list[str]:
    """Which inputs a user is asked, in order: upstream's skip rules."""
    skipped = {
        "CICD_and_Project": {"input_root_dir"},
        "Project_Only": PROJECT_ONLY_SKIPS,
        "CICD_Only": CICD_ONLY_SKIPS,
    }[setup]
    if platform != "gitlab":
        skipped = skipped | {"input_docker_image"}
    ordered = sorted(ALL, key=lambda n: ({**UPSTREAM_INPUTS, **ADDED_INPUTS}[n], n))
    return [n for n in ordered if n not in skipped]


# Inputs upstream had before mainline removed them: declared so that an old answers file naming them gets a clear
# error instead of being silently ignored (upstream-reference A.1, A.3). Never asked, no order.
RETIRED_INPUTS = {"input_include_models_in_unity_catalog", "input_include_mlflow_recipes"}


def test_schema_has_exactly_upstreams_inputs_plus_ours_in_order():
    assert set(PROPS) == set(UPSTREAM_INPUTS) | set(ADDED_INPUTS) | RETIRED_INPUTS
    for name in RETIRED_INPUTS:
        assert PROPS[name]["x-retired"] is True and "order" not in PROPS[name], name
        assert PROPS[name]["skip_prompt_if"] == {}, name
    for name, order in {**UPSTREAM_INPUTS, **ADDED_INPUTS}.items():
        assert PROPS[name]["order"] == order, name
        assert PROPS[name]["type"] == "string"
        assert "default" in PROPS[name], name
        assert PROPS[name]["description"].strip(), name


def test_enums_are_upstreams():
    assert {n: p["enum"] for n, p in PROPS.items() if "enum" in p} == ENUMS
    assert all(p["default"] == p["enum"][0] for p in PROPS.values() if "enum" in p)


def test_every_pattern_has_its_own_failure_message():
    for name, prop in PROPS.items():
        if "pattern" in prop:
            assert prop["pattern_match_failure_message"].endswith("."), name


def test_no_answers_file_renders_with_every_default(tmp_path, simulator, cli_home):
    out = tmp_path / "out"
    result = run_cli(
        ["bundle", "init", str(TEMPLATE_SCHEMA.parent), "--output-dir", str(out)],
        workspace=simulator,
        home=cli_home,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.output
    assert (out / "my_mlops_project" / "my_mlops_project" / "databricks.yml").is_file()
    assert "Your MLOps Stack is ready in 'my_mlops_project/my_mlops_project'" in result.stderr


SCENARIOS = [
    # (setup, cloud, platform) chosen in the terminal
    ("CICD_and_Project", "azure", "github_actions"),
    ("CICD_and_Project", "gcp", "gitlab"),
    ("Project_Only", "aws", None),
    ("CICD_Only", "aws", "azure_devops"),
    ("CICD_Only", "azure", "gitlab"),
]


@pytest.mark.parametrize(("setup", "cloud", "platform"), SCENARIOS)
def test_terminal_prompts_follow_the_skip_rules_and_offer_the_defaults(
    setup, cloud, platform, tmp_path, simulator, cli_home
):
    choices = {"input_setup_cicd_and_project": setup, "input_cloud": cloud}
    if platform:
        choices["input_cicd_platform"] = platform
    prompts = answer_prompts(choices, workspace=simulator, home=cli_home, output=tmp_path / "out")
    assert [p.name for p in prompts] == expected_prompts(setup, platform or "github_actions")
    # What each prompt offered is the documented default, resolved against the answers before it.
    defaults = resolve(
        {k: v for k, v in choices.items() if k != "input_cicd_platform"}
        | ({"input_cicd_platform": platform} if platform else {})
    )
    offered = {p.name: p.offered_default for p in prompts}
    for name, value in offered.items():
        if name in choices:
            assert value == ENUMS[name][0], name  # the selector starts at the default
        else:
            assert value == defaults[name], name
    assert any((tmp_path / "out").rglob("*")), "the interactive run rendered the project"
