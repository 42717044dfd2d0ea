"""The record every render writes, .mlops-stacks.json: the template and its version, every input's final
value and the derived names. Other tests read answers and derived names from it instead of re-deriving them, so this
module checks that the record tells the truth about the render it sits in."""

from __future__ import annotations

import json

import pytest
from answer_rules import PROPERTIES, RETIRED
from matrix import COMBINATIONS

from tooling.render import render
from tooling.versions import TEMPLATE_VERSION

RECORD = ".mlops-stacks.json"


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: c.id)
def test_record_is_canonical_json_with_every_input_and_the_template_version(combo, rendered):
    project = rendered(combo)
    (path,) = project.output.rglob(RECORD)
    text = path.read_text()
    record = json.loads(text)
    # Keys sorted, two-space indent, one final newline: what json.dumps writes, so diffs stay small.
    assert text == json.dumps(record, indent=2, sort_keys=True) + "\n"
    assert set(record) == {"template", "template_version", "answers", "derived"}
    assert (record["template"], record["template_version"]) == ("mlops-stacks-fork", TEMPLATE_VERSION)
    assert set(record["answers"]) == set(PROPERTIES) - RETIRED
    # The answers given come back unchanged (the rest are the schema's defaults, resolved by the CLI).
    assert {k: record["answers"][k] for k in combo.answers if k not in RETIRED} == {
        k: v for k, v in combo.answers.items() if k not in RETIRED
    }


def test_pyproject_version_is_the_template_version():
    from importlib.metadata import version

    assert version("mlops-stacks-fork") == TEMPLATE_VERSION


def test_record_derived_names_are_the_ones_the_render_uses(rendered):
    """Each derived name is checked against a generated file that uses it, so a record that drifts from the
    snippets (or a snippet used in one place only) shows here."""
    project = rendered({"input_project_name": "Taxi-Fare_2", "input_cloud": "aws"})
    record = json.loads(project.text(f"Taxi-Fare_2/{RECORD}"))
    d = record["derived"]
    assert (project.output / d["project_dir"] / "databricks.yml").is_file()
    assert d["project_dir"] == f"{record['answers']['input_root_dir']}/{d['project_folder']}"
    assert (project.output / d["project_dir"] / "src" / d["project_package"] / "__init__.py").is_file()
    bundle = project.yaml(f"{d['project_dir']}/databricks.yml")
    assert {t: bundle["targets"][t]["variables"]["catalog_name"] for t in bundle["targets"]} == d["catalogs"]
    assert {t: bundle["targets"][t]["workspace"]["host"] for t in ("staging", "prod", "test")} == d["workspace_hosts"]
    assert bundle["variables"]["model_name"]["default"] == d["model_name"]
    assert bundle["variables"]["experiment_name"]["default"].endswith("-" + d["experiment_base_name"])
    assert (
        bundle["variables"]["inference_table_name"]["default"]
        == "${var.catalog_name}." + d["inference_table_in_catalog"]
    )


def test_a_project_only_render_fits_into_a_cicd_only_repository(simulator, tmp_path):
    """The generated README's "Add a project": render Project_Only into the CI/CD-only repository's folder. Both
    renders keep their own record, so the second one finds no file of the first in its way."""
    output, root = tmp_path / "out", "mlops_repo"
    renders = [
        {"input_setup_cicd_and_project": "CICD_Only", "input_root_dir": root},
        {"input_setup_cicd_and_project": "Project_Only", "input_root_dir": root, "input_project_name": "fares"},
    ]
    for answers in renders:
        result = render(answers, output, workspace=simulator, home=tmp_path / "home")
        assert result.returncode == 0, result.output
    assert len(list(output.rglob(RECORD))) == 2
