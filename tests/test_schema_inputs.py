"""The input schema: upstream's inputs keep their names and prompt order; every input is well formed; the CLI asks
exactly what the schema's skip rules say, in order, offering the defaults it resolves. Enums, defaults and skip
rules are read from the schema (tests/matrix.py evaluates skip_prompt_if), not copied here."""

from __future__ import annotations

import json

import pytest
from matrix import PROPERTIES, SETUP, Combination
from tty_prompts import answer_prompts

from tooling import schema_rules
from tooling.paths import TEMPLATE_SCHEMA
from tooling.render import run_cli

SCHEMA = json.loads(TEMPLATE_SCHEMA.read_text())
PROPS = SCHEMA["properties"]

# Upstream mainline's 18 inputs and their prompt order (upstream-reference A.1; orders 11 and 19 are unused there):
# a fact about upstream, which this fork keeps (answers files written for upstream keep working).
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
RETIRED = schema_rules.RETIRED
ASKED = schema_rules.PROMPT_ORDER


def test_schema_keeps_upstreams_inputs_in_order_and_every_input_is_well_formed():
    assert {n: PROPS[n].get("order") for n in UPSTREAM_INPUTS} == UPSTREAM_INPUTS
    for name in RETIRED:
        assert "order" not in PROPS[name] and PROPS[name]["skip_prompt_if"] == {}, name
    for name in ASKED:
        assert PROPS[name]["type"] == "string"
        assert "default" in PROPS[name], name
        assert PROPS[name]["description"].strip(), name
    # Every input (retired ones too) may be named in an answers file; nothing else may.
    assert SCHEMA["anyOf"] == [{"properties": {n: {} for n in PROPS}, "additionalProperties": False}]


def test_enum_defaults_are_their_first_value():
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
    choices = {SETUP: setup, "input_cloud": cloud} | ({"input_cicd_platform": platform} if platform else {})
    prompts = answer_prompts(choices, workspace=simulator, home=cli_home, output=tmp_path / "out")
    assert [p.name for p in prompts] == schema_rules.asked_inputs(choices)
    # What each prompt offered is the default the CLI resolves for the same answers (read from that render's
    # record); an enum's selector starts at its first value.
    defaults = Combination("prompted", choices).values
    offered = {p.name: p.offered_default for p in prompts}
    for name, value in offered.items():
        if name in choices:
            assert value == PROPERTIES[name]["enum"][0], name
        else:
            assert value == defaults[name], name
    assert any((tmp_path / "out").rglob("*")), "the interactive run rendered the project"
