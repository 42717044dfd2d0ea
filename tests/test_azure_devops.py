"""Contents of the generated Azure DevOps pipelines."""

from __future__ import annotations

import pytest
import yaml
from cicd_expectations import (
    assert_installs_the_project_for_its_tests,
    script_commands,
)
from matrix import CICD_COMBINATIONS

from tooling.versions import pinned_cli_version

ADO = [c for c in CICD_COMBINATIONS if c["input_cicd_platform"] == "azure_devops"]
FULL = [c for c in ADO if c.has_project]
FOLDER = ".azure/devops-pipelines"


def pipeline(rendered, combo, name: str) -> dict:
    return yaml.safe_load((rendered(combo).root / FOLDER / name).read_text())


def all_steps(doc: dict) -> list[dict]:
    if "stages" in doc:
        return [s for stage in doc["stages"] for job in stage["jobs"] for s in job["steps"]]
    return [s for job in doc["jobs"] for s in job["steps"]]


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_pipelines_trigger_on_the_input_branches_and_project_folder(combo, rendered):
    name, folder = combo["input_project_name"], combo.derived["project_folder"]
    default, release = combo["input_default_branch"], combo["input_release_branch"]
    tests = pipeline(rendered, combo, f"{name}-tests-ci.yml")
    assert tests["trigger"] == "none"
    assert tests["pr"] == {
        "branches": {"include": [default]},
        "paths": {"include": [folder, f"{FOLDER}/{name}-tests-ci.yml"]},
    }
    cicd = pipeline(rendered, combo, f"{name}-bundle-cicd.yml")
    paths = {"include": [folder, f"{FOLDER}/{name}-bundle-cicd.yml"]}
    assert cicd["trigger"] == {"branches": {"include": [default, release]}, "paths": paths}
    assert cicd["pr"] == {"branches": {"include": [default]}, "paths": paths}
    conditions = {s["stage"]: s["condition"] for s in cicd["stages"]}
    assert conditions == {
        "BundleValidation": "eq(variables['Build.Reason'], 'PullRequest')",
        "StagingDeployment": "and(ne(variables['Build.Reason'], 'PullRequest'), "
        f"eq(variables['Build.SourceBranch'], 'refs/heads/{default}'))",
        "ProdDeployment": "and(ne(variables['Build.Reason'], 'PullRequest'), "
        f"eq(variables['Build.SourceBranch'], 'refs/heads/{release}'))",
    }
    # Validation and the two deployments are independent: none waits for (or is skipped with) another.
    assert all(s["dependsOn"] == [] for s in cicd["stages"])


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_pipelines_read_the_variable_group_named_after_the_repository(combo, rendered):
    name = combo["input_project_name"]
    for file in (f"{name}-tests-ci.yml", f"{name}-bundle-cicd.yml"):
        assert pipeline(rendered, combo, file)["variables"] == [{"group": f"{combo['input_root_dir']} variable group"}]


@pytest.mark.parametrize("combo", ADO, ids=lambda c: c.id)
def test_python_is_a_current_quoted_version_and_the_cli_is_the_pinned_one(combo, rendered):
    cli = pinned_cli_version()
    for path in sorted((rendered(combo).root / FOLDER).glob("*.yml")):
        text = path.read_text()
        assert "versionSpec: '3.8'" not in text
        steps = all_steps(yaml.safe_load(text))
        for step in steps:
            if step.get("task") == "UsePythonVersion@0":
                assert step["inputs"] == {"versionSpec": "3.12"}
        installs = [s["script"] for s in steps if "install.sh" in s.get("script", "")]
        uses_cli = any(
            "databricks bundle" in s.get("script", "") or "add_project_cicd" in s.get("script", "") for s in steps
        )
        assert installs == (
            [f"curl -fsSL https://raw.githubusercontent.com/databricks/setup-cli/{cli}/install.sh | sh"] * len(installs)
        )
        assert bool(installs) == uses_cli, path.name


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_only_the_bundle_steps_get_credentials_and_they_run_in_the_project_folder(combo, rendered):
    """Which credentials: test_generated_docs (those the setup guide lists for the step's target)."""
    name = combo["input_project_name"]
    seen = set()
    for file in (f"{name}-tests-ci.yml", f"{name}-bundle-cicd.yml"):
        for step in all_steps(pipeline(rendered, combo, file)):
            commands = script_commands(step.get("script", ""))
            if not commands or commands == [("pytest",)]:
                assert not any(k.startswith(("ARM_", "DATABRICKS_")) for k in step.get("env", {}))
                continue
            ((_, target),) = commands
            seen.add(target)
            assert step["workingDirectory"] == combo.derived["project_folder"]
    assert seen == {"test", "staging", "prod"}


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_unit_tests_install_the_project_and_run_pytest_with_java_17(combo, rendered):
    doc = pipeline(rendered, combo, f"{combo['input_project_name']}-tests-ci.yml")
    unit = doc["stages"][0]["jobs"][0]["steps"]
    scripts = [s for s in unit if "script" in s]
    assert_installs_the_project_for_its_tests(scripts[0]["script"], rendered(combo).project)
    assert scripts[1]["script"].startswith("python -m pytest ")
    assert scripts[1]["env"] == {"JAVA_HOME": "$(JAVA_HOME_17_X64)"}
    assert doc["stages"][1]["dependsOn"] == "UnitTests"


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_feature_job_runs_only_with_feature_store_and_promotion_only_with_deploy_models(combo, rendered):
    name = combo["input_project_name"]
    integration = pipeline(rendered, combo, f"{name}-tests-ci.yml")["stages"][1]["jobs"][0]["steps"]
    runs = [c for s in integration for c in script_commands(s.get("script", ""))]
    assert (("run write_feature_table_job", "test") in runs) == (combo["input_include_feature_store"] == "yes")
    prod = next(
        s for s in pipeline(rendered, combo, f"{name}-bundle-cicd.yml")["stages"] if s["stage"] == "ProdDeployment"
    )
    prod_runs = [c for s in prod["jobs"][0]["steps"] for c in script_commands(s.get("script", ""))]
    assert (("run model_promotion_job", "prod") in prod_runs) == (combo["input_deployment_pattern"] == "deploy_models")


@pytest.mark.parametrize("combo", ADO, ids=lambda c: c.id)
def test_deploy_cicd_passes_the_parameter_through_env_and_targets_the_default_branch(combo, rendered):
    doc = pipeline(rendered, combo, "deploy-cicd.yml")
    assert doc["trigger"] == "none" and doc["pr"] == "none"
    assert doc["parameters"][0]["default"] == combo.derived["project_folder"]
    steps = all_steps(doc)
    for step in steps:
        assert "parameters." not in step.get("script", "")
    scripted = [s for s in steps if "script" in s and "PROJECT_FOLDER" in s["script"]]
    assert scripted and all(s["env"]["PROJECT_FOLDER"] == "${{ parameters.ProjectFolder }}" for s in scripted)
    pull_request = steps[-1]
    assert pull_request["env"]["BASE"] == combo["input_default_branch"]
    assert pull_request["env"]["SYSTEM_ACCESSTOKEN"] == "$(System.AccessToken)"
    assert "refs/heads/main" not in yaml.safe_dump(doc) or combo["input_default_branch"] == "main"
