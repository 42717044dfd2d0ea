"""Pinning an input (`python -m tooling.inputs pin name=value`): no longer asked, always that value, reversible."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from tty_prompts import answer_prompts

from tooling import inputs
from tooling.paths import REPO_ROOT, TEMPLATE_SCHEMA
from tooling.preview import tree_diff
from tooling.render import render

SCHEMA_TEXT = TEMPLATE_SCHEMA.read_text()
SCHEMA_PROPERTIES = json.loads(SCHEMA_TEXT)["properties"]
SCHEMA_MESSAGES = {n: p["pattern_match_failure_message"] for n, p in SCHEMA_PROPERTIES.items() if "pattern" in p}
ENUM_INPUTS = {n: p["enum"] for n, p in SCHEMA_PROPERTIES.items() if "enum" in p}


def copy_template(folder):
    for part in ("library", "template"):
        shutil.copytree(REPO_ROOT / part, folder / part)
    shutil.copy(TEMPLATE_SCHEMA, folder / TEMPLATE_SCHEMA.name)
    return folder


@pytest.mark.parametrize("name", sorted(ENUM_INPUTS))
def test_pin_then_unpin_restores_the_schema_byte_for_byte(name, tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(SCHEMA_TEXT)
    schema = inputs.load(path)
    inputs.pin(schema, name, ENUM_INPUTS[name][-1])
    inputs.dump(schema, path)
    assert path.read_text() != SCHEMA_TEXT
    schema = inputs.load(path)
    inputs.unpin(schema, name)
    inputs.dump(schema, path)
    assert path.read_text() == SCHEMA_TEXT


@pytest.mark.parametrize("name", sorted(ENUM_INPUTS))
def test_pinned_input_renders_as_if_answered_with_the_pinned_value(name, tmp_path, simulator, cli_home, rendered):
    value = ENUM_INPUTS[name][-1]
    template = copy_template(tmp_path / "fork")
    schema = inputs.load(template / TEMPLATE_SCHEMA.name)
    inputs.pin(schema, name, value)
    inputs.dump(schema, template / TEMPLATE_SCHEMA.name)
    result = render({}, tmp_path / "pinned", workspace=simulator, home=cli_home, template_dir=template)
    assert result.returncode == 0, result.output
    answered = rendered({name: value})
    assert tree_diff(answered.output, tmp_path / "pinned") == ""


def test_pinned_inputs_are_not_asked_and_other_values_are_refused(tmp_path, simulator, cli_home):
    template = copy_template(tmp_path / "fork")
    schema = inputs.load(template / TEMPLATE_SCHEMA.name)
    inputs.pin(schema, "input_cloud", "gcp")
    inputs.pin(schema, "input_cicd_platform", "gitlab")
    inputs.dump(schema, template / TEMPLATE_SCHEMA.name)
    asked = [
        p.name
        for p in answer_prompts({}, workspace=simulator, home=cli_home, output=tmp_path / "tty", template_dir=template)
    ]
    assert "input_cloud" not in asked and "input_cicd_platform" not in asked
    assert "input_docker_image" in asked  # asked because the pinned platform is gitlab
    refused = render(
        {"input_cloud": "aws"}, tmp_path / "refused", workspace=simulator, home=cli_home, template_dir=template
    )
    assert refused.returncode != 0
    assert "expected value of property input_cloud to be gcp. Found: aws" in refused.stderr
    assert not (tmp_path / "refused").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("input_cloud", "oci", "must be one of"),
        ("input_schema_name", "a-b", re.escape(SCHEMA_MESSAGES["input_schema_name"])),
        ("input_nonexistent", "x", "unknown input"),
    ],
)
def test_pinning_an_invalid_value_is_refused(name, value, message):
    schema = json.loads(SCHEMA_TEXT)
    with pytest.raises(inputs.InputError, match=message):
        inputs.pin(schema, name, value)


def test_pin_command_line_round_trip(tmp_path):
    """The documented commands, run as a user would, on a copy of the repository's schema."""
    schema_path = tmp_path / TEMPLATE_SCHEMA.name
    schema_path.write_text(SCHEMA_TEXT)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "tooling.inputs", "--schema", str(schema_path), *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )

    assert run("pin", "input_cloud=aws", "input_schema_name=fares").returncode == 0
    assert sorted(run("list").stdout.split()) == ["input_cloud=aws", "input_schema_name=fares"]
    assert run("unpin", "input_cloud", "input_schema_name").returncode == 0
    assert schema_path.read_text() == SCHEMA_TEXT
    failed = run("unpin", "input_cloud")
    assert failed.returncode == 1 and "input_cloud is not pinned" in failed.stderr
