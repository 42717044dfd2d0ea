"""Bad answers: the CLI stops with the schema's own message and writes nothing."""

from __future__ import annotations

import json
import shutil

import pytest

from tooling.paths import TEMPLATE_SCHEMA
from tooling.render import render

SCHEMA = json.loads(TEMPLATE_SCHEMA.read_text())["properties"]

# Wrong values for every input that has a pattern or an enum.
BAD_VALUES: dict[str, list[str]] = {
    "input_project_name": ["ab", "a b", "a/b", "a\\b", "a.b", ""],
    "input_databricks_staging_workspace_host": ["http://x", "ftp://x", "adb-1.azuredatabricks.net"],
    "input_databricks_prod_workspace_host": ["http://x", "ftp://x"],
    "input_databricks_test_workspace_host": ["http://x", "ftp://x"],
    "input_schema_name": ["a-b", "a.b", "a b", "a/b", "a\\b", ""],
    "input_inference_table_name": ["a.b", "a.b.c.d", "a-b.c.d", "a..c", "a.b c.d", "a.b.c\\d", "predictions"],
    "input_setup_cicd_and_project": ["Both", "cicd_and_project", ""],
    "input_cloud": ["oci", "Azure"],
    "input_cicd_platform": ["jenkins", "github"],
    "input_include_feature_store": ["maybe", "true"],
    "input_deployment_pattern": ["retrain", "promote"],
}

CASES = [(name, value) for name, values in BAD_VALUES.items() for value in values]


def expected_message(name: str, value: str) -> str:
    prop = SCHEMA[name]
    if "enum" in prop:
        return f"expected value of property {name} to be one of [{' '.join(prop['enum'])}]. Found: {value}"
    return prop["pattern_match_failure_message"]


def test_every_pattern_and_enum_has_bad_values():
    constrained = {n for n, p in SCHEMA.items() if "pattern" in p or "enum" in p}
    assert constrained == set(BAD_VALUES)


@pytest.mark.parametrize(("name", "value"), CASES, ids=[f"{n}={v!r}" for n, v in CASES])
def test_bad_value_fails_with_our_message_and_writes_nothing(name, value, tmp_path, simulator, cli_home):
    out = tmp_path / "out"
    out.mkdir()
    result = render({name: value}, out, workspace=simulator, home=cli_home)
    assert result.returncode != 0
    assert expected_message(name, value) in result.stderr
    assert list(out.iterdir()) == []


def test_bad_default_is_reported_for_the_input_it_breaks(tmp_path, simulator, cli_home):
    """A project name without letters or digits leaves the default schema name (and so the default inference
    table) invalid: the CLI stops with the message of an input derived from it (it reports one, in no fixed order)."""
    out = tmp_path / "out"
    result = render({"input_project_name": "@@@"}, out, workspace=simulator, home=cli_home)
    assert result.returncode != 0
    derived = [SCHEMA[n]["pattern_match_failure_message"] for n in ("input_schema_name", "input_inference_table_name")]
    assert any(message in result.stderr for message in derived)
    assert not out.exists()


def test_project_name_without_usable_characters_is_refused_by_the_layout(tmp_path, simulator, cli_home):
    out = tmp_path / "out"
    answers = {"input_project_name": "@@@", "input_schema_name": "s", "input_inference_table_name": "c.s.t"}
    result = render(answers, out, workspace=simulator, home=cli_home)
    assert result.returncode != 0
    assert 'The project name "@@@" must contain at least one letter, digit, underscore or hyphen.' in result.stderr
    assert not out.exists()


def test_rendering_into_existing_output_fails_and_leaves_files_untouched(tmp_path, simulator, cli_home, rendered):
    out = tmp_path / "out"
    shutil.copytree(rendered({}).output, out)  # a writable copy of the cached default render
    files = sorted(p for p in out.rglob("*") if p.is_file())
    for p in files:
        p.write_text(f"edited by the user: {p.name}\n")
    second = render({"input_cloud": "aws"}, out, workspace=simulator, home=cli_home)
    assert second.returncode != 0
    assert "one or more files already exist" in second.stderr
    assert sorted(p for p in out.rglob("*") if p.is_file()) == files
    assert all(p.read_text() == f"edited by the user: {p.name}\n" for p in files)
