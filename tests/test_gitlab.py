"""Contents of the generated GitLab CI/CD pipelines and CI image."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml
from cicd_expectations import (
    assert_installs_the_project_for_its_tests,
    docker_calls_of_push_script,
    expected_docker_calls,
    script_commands,
)
from matrix import CICD_COMBINATIONS

from tooling.versions import pinned_cli_version

GITLAB = [c for c in CICD_COMBINATIONS if c["input_cicd_platform"] == "gitlab"]
FULL = [c for c in GITLAB if c.has_project]


def pipeline(rendered, combo, suffix: str) -> dict:
    path = rendered(combo).root / f".gitlab/pipelines/{combo['input_project_name']}-{suffix}.yml"
    return yaml.safe_load(path.read_text())


def jobs(doc: dict) -> dict[str, dict]:
    return {k: v for k, v in doc.items() if isinstance(v, dict) and ("script" in v or "trigger" in v)}


def cd_trigger(name: str, target: str, branch: str, changes: list[str]) -> dict:
    """The trigger job for a CD child pipeline: on a push that changes the project, or by hand, on `branch`."""
    return {
        "stage": "triggers",
        "rules": [
            {"if": f'$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "{branch}"', "changes": changes},
            {"if": f'$CI_PIPELINE_SOURCE == "web" && $CI_COMMIT_BRANCH == "{branch}"'},
        ],
        "trigger": {"include": f".gitlab/pipelines/{name}-bundle-cd-{target}.yml", "strategy": "depend"},
    }


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_trigger_pipeline_uses_the_input_branches_and_project_folder(combo, rendered):
    name, folder = combo["input_project_name"], combo.derived["project_folder"]
    default, release = combo["input_default_branch"], combo["input_release_branch"]
    triggers = jobs(pipeline(rendered, combo, "triggers-cicd"))
    changes = [f"{folder}/**/*", f".gitlab/pipelines/{name}-*.yml"]
    assert triggers == {
        f"{folder}-ci": {
            "stage": "triggers",
            "rules": [
                {
                    "if": '$CI_PIPELINE_SOURCE == "merge_request_event" && '
                    f'$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "{default}"',
                    "changes": changes,
                }
            ],
            "trigger": {"include": f".gitlab/pipelines/{name}-bundle-ci.yml", "strategy": "depend"},
        },
        f"{folder}-staging-cd": cd_trigger(name, "staging", default, changes),
        f"{folder}-prod-cd": cd_trigger(name, "prod", release, changes),
    }


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_every_job_runs_in_the_answered_image(combo, rendered):
    for suffix in ("bundle-ci", "bundle-cd-staging", "bundle-cd-prod"):
        doc = pipeline(rendered, combo, suffix)
        assert doc["default"] == {"image": combo["input_docker_image"]}
        assert all("image" not in job for job in jobs(doc).values())
    assert not combo["input_docker_image"].endswith(":latest")


@pytest.mark.parametrize("combo", GITLAB, ids=lambda c: c.id)
def test_ci_image_pins_its_base_python_java_and_cli(combo, rendered):
    dockerfile = (rendered(combo).root / ".gitlab/docker/Dockerfile").read_text()
    froms = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert froms == ["FROM python:3.12-slim-bookworm"]
    assert "openjdk-17-jre-headless" in dockerfile
    cli = pinned_cli_version()
    assert f"https://raw.githubusercontent.com/databricks/setup-cli/{cli}/install.sh | sh" in dockerfile
    assert ":latest" not in dockerfile


@pytest.mark.parametrize("combo", GITLAB, ids=lambda c: c.id)
def test_push_script_is_executable_valid_bash_and_pushes_the_answered_image(combo, rendered, tmp_path):
    script = rendered(combo).root / ".gitlab/docker/push_image_to_gitlab.sh"
    assert os.access(script, os.X_OK)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    image = combo["input_docker_image"]
    returncode, calls = docker_calls_of_push_script(script, tmp_path / "default")
    assert calls == expected_docker_calls(image)
    assert (returncode == 0) == ("@" not in image)
    # Another name given as the first argument replaces the answer.
    returncode, calls = docker_calls_of_push_script(script, tmp_path / "other", "registry.example.com/x/y:2")
    assert (returncode, calls) == (0, expected_docker_calls("registry.example.com/x/y:2"))


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_jobs_that_call_databricks_get_credentials_and_the_oidc_token_of_their_target(combo, rendered):
    """Which credentials: test_generated_docs (those the setup guide lists for the job's target)."""
    seen = set()
    for suffix in ("bundle-ci", "bundle-cd-staging", "bundle-cd-prod"):
        for key, job in jobs(pipeline(rendered, combo, suffix)).items():
            commands = [c for line in job["script"] for c in script_commands(line)]
            targets = {c[1] for c in commands if len(c) == 2}
            if not targets:
                assert "variables" not in job and "id_tokens" not in job, key
                continue
            (target,) = targets
            seen.add(target)
            # Keyless: the job asks GitLab for its OIDC token, for the audience of its workspace's federation
            # policy (the record's); the simulator tier proves the CLI reads it.
            audience = combo.derived["ci_credentials"][target].get("audience")
            assert [t["aud"] for t in (job.get("id_tokens") or {}).values()] == ([audience] if audience else []), key
            assert job["script"][0] == 'cd "$PROJECT_FOLDER"'
        # Scripts read the project folder from a variable of the pipeline, never from text spliced into them.
        assert pipeline(rendered, combo, suffix)["variables"] == {"PROJECT_FOLDER": combo.derived["project_folder"]}
    assert seen == {"test", "staging", "prod"}


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_feature_job_runs_only_with_feature_store_and_promotion_only_with_deploy_models(combo, rendered):
    ci = jobs(pipeline(rendered, combo, "bundle-ci"))
    runs = [c for line in ci["integration-test"]["script"] for c in script_commands(line)]
    assert (("run write_feature_table_job", "test") in runs) == (combo["input_include_feature_store"] == "yes")
    prod = jobs(pipeline(rendered, combo, "bundle-cd-prod"))["deploy-prod"]
    prod_runs = [c for line in prod["script"] for c in script_commands(line)]
    assert (("run model_promotion_job", "prod") in prod_runs) == (combo["input_deployment_pattern"] == "deploy_models")


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_deployments_and_integration_tests_are_serialised_in_their_own_resource_groups(combo, rendered):
    folder = combo.derived["project_folder"]
    ci = jobs(pipeline(rendered, combo, "bundle-ci"))
    staging = jobs(pipeline(rendered, combo, "bundle-cd-staging"))["deploy-staging"]
    prod = jobs(pipeline(rendered, combo, "bundle-cd-prod"))["deploy-prod"]
    assert ci["integration-test"]["resource_group"] == f"{folder}-test-target"
    assert staging["resource_group"] == f"{folder}-staging"
    assert prod["resource_group"] == f"{folder}-prod"
    assert staging["environment"] == {"name": "staging"}
    assert prod["environment"] == {"name": "production"}
    assert ci["integration-test"]["needs"] == ["unit-test"]
    install, test = ci["unit-test"]["script"][1:]
    assert_installs_the_project_for_its_tests(install, rendered(combo).project)
    assert test == "python -m pytest --junitxml=unit-tests.xml"


@pytest.mark.parametrize("combo", [c for c in GITLAB if not c.has_project], ids=lambda c: c.id)
def test_cicd_only_gets_the_image_and_no_pipelines(combo, rendered):
    gitlab = rendered(combo).root / ".gitlab"
    assert sorted(p.relative_to(gitlab).as_posix() for p in gitlab.rglob("*") if p.is_file()) == [
        "README.md",
        "docker/Dockerfile",
        "docker/push_image_to_gitlab.sh",
    ]
