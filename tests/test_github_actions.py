"""Contents of the generated GitHub Actions workflows (GitHub.com and GitHub Enterprise Server)."""

from __future__ import annotations

import re

import pytest
import yaml
from cicd_expectations import (
    assert_installs_the_project_for_its_tests,
    is_federated,
    platform_family,
    runs_after_deploy,
    script_commands,
)
from matrix import CICD_COMBINATIONS

from tooling.versions import ACTIONLINT_VERSION, pinned_cli_version

GITHUB_COMBOS = [c for c in CICD_COMBINATIONS if platform_family(c["input_cicd_platform"]) == "github"]
FULL = [c for c in GITHUB_COMBOS if c.has_project]

# Commit of each release, from the actions' public repositories (tags are lightweight).
KNOWN_PINS = {
    ("actions/checkout", "v6.1.0"): "d23441a48e516b6c34aea4fa41551a30e30af803",
    ("actions/checkout", "v4.4.0"): "11d5960a326750d5838078e36cf38b85af677262",
    ("actions/setup-python", "v6.3.0"): "ece7cb06caefa5fff74198d8649806c4678c61a1",
    ("actions/setup-python", "v5.6.0"): "a26af69be951a213d495a4c3e4e4022e16d87065",
    ("actions/setup-java", "v5.7.0"): "b6effb05e454b25005698d916606bdc6ffcbf961",
    ("actions/setup-java", "v4.9.1"): "cf277c60eb25467037889841efdb72551f06f6c3",
    ("actions/github-script", "v8.0.0"): "ed597411d8f924073f98dfc5c65a23a2325f34cd",
    ("actions/github-script", "v7.1.0"): "f28e40c7f34bde8b3046d885e986cb6290c5673b",
    ("databricks/setup-cli", "v1.9.0"): "8b7b124dc4f5b9621e959ea61cf4d3dd4e421f67",
}
# GHES runners may predate node24: the GitHub-made actions stay on their node20 majors there.
NODE20_MAJORS = {
    "actions/checkout": "v4",
    "actions/setup-python": "v5",
    "actions/setup-java": "v4",
    "actions/github-script": "v7",
}
USES = re.compile(r"^\s*(?:- )?uses: (\S+)@(\S+)(.*)$")


def workflows(rendered, combo) -> dict[str, dict]:
    folder = rendered(combo).root / ".github/workflows"
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yml"))}


def texts(rendered, combo) -> dict[str, str]:
    folder = rendered(combo).root / ".github/workflows"
    return {p.name: p.read_text() for p in sorted(folder.glob("*.yml"))}


def triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True


def per_project(combo, suffix: str) -> str:
    return f"{combo['input_project_name']}-{suffix}.yml"


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_workflows_trigger_on_the_input_branches_and_project_folder(combo, rendered):
    wf = workflows(rendered, combo)
    default, release = combo["input_default_branch"], combo["input_release_branch"]
    folder = combo.derived["project_folder"]
    for suffix in ("run-tests", "bundle-ci"):
        on = triggers(wf[per_project(combo, suffix)])
        assert on["pull_request"]["branches"] == [default]
        assert on["pull_request"]["paths"] == [f"{folder}/**", f".github/workflows/{per_project(combo, suffix)}"]
        assert "push" not in on
    for suffix, branch in (("bundle-cd-staging", default), ("bundle-cd-prod", release)):
        workflow = wf[per_project(combo, suffix)]
        on = triggers(workflow)
        assert on["push"]["branches"] == [branch]
        assert on["push"]["paths"][0] == f"{folder}/**"
        assert "pull_request" not in on
        # A manual run deploys only from the branch the workflow deploys.
        (job,) = workflow["jobs"].values()
        assert job["if"] == f"github.ref == 'refs/heads/{branch}'"
    assert triggers(wf["lint-cicd-workflow-files.yml"])["pull_request"]["branches"] == [default]


@pytest.mark.parametrize("combo", GITHUB_COMBOS, ids=lambda c: c.id)
def test_every_action_is_pinned_to_its_release_commit(combo, rendered):
    ghes = combo["input_cicd_platform"] == "github_actions_for_github_enterprise_servers"
    seen = set()
    for name, text in texts(rendered, combo).items():
        for line in text.splitlines():
            match = USES.match(line)
            if not match:
                assert "uses:" not in line, f"{name}: {line}"
                continue
            action, ref, comment = match.groups()
            tag = comment.strip().removeprefix("# ")
            assert KNOWN_PINS.get((action, tag)) == ref, f"{name}: {line.strip()}"
            if action in NODE20_MAJORS:
                assert tag.startswith(NODE20_MAJORS[action] + ".") == ghes, f"{name}: {line.strip()}"
            seen.add(action)
    assert {"actions/checkout", "databricks/setup-cli"} <= seen


@pytest.mark.parametrize("combo", GITHUB_COMBOS, ids=lambda c: c.id)
def test_setup_cli_installs_the_pinned_cli_version(combo, rendered):
    cli = pinned_cli_version()
    steps = [s for wf in workflows(rendered, combo).values() for j in wf["jobs"].values() for s in j["steps"]]
    setup = [s for s in steps if s.get("uses", "").startswith("databricks/setup-cli@")]
    assert setup
    for step in setup:
        assert step["with"] == {"version": cli.removeprefix("v")}
    for text in texts(rendered, combo).values():
        for line in text.splitlines():
            if "databricks/setup-cli@" in line:
                assert line.endswith(f"# {cli}")


@pytest.mark.parametrize("combo", GITHUB_COMBOS, ids=lambda c: c.id)
def test_permissions_are_explicit_and_least_privilege(combo, rendered):
    for name, workflow in workflows(rendered, combo).items():
        assert workflow["permissions"] == {"contents": "read"}, name
        for key, job in workflow["jobs"].items():
            expected = {"contents": "read"}
            if name.endswith("-bundle-ci.yml"):
                # The validation jobs comment on the pull request.
                expected["pull-requests"] = "write"
            calls_databricks = any(c != ("pytest",) for s in job["steps"] for c in script_commands(s.get("run", "")))
            if calls_databricks and is_federated(combo.values):
                # Keyless sign-in: the job requests its OIDC token.
                expected["id-token"] = "write"
            if expected == {"contents": "read"}:
                assert "permissions" not in job, f"{name}:{key}"
            else:
                assert job["permissions"] == expected, f"{name}:{key}"


@pytest.mark.parametrize("combo", GITHUB_COMBOS, ids=lambda c: c.id)
def test_python_and_java_versions_are_quoted(combo, rendered):
    for name, text in texts(rendered, combo).items():
        for line in text.splitlines():
            if "python-version:" in line:
                assert line.strip() == 'python-version: "3.12"', name
            if "java-version:" in line:
                assert line.strip() == 'java-version: "17"', name
    steps = [s for wf in workflows(rendered, combo).values() for j in wf["jobs"].values() for s in j["steps"]]
    for step in steps:
        for key in ("python-version", "java-version"):
            if key in step.get("with", {}):
                assert isinstance(step["with"][key], str)


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_only_the_jobs_that_call_databricks_get_credentials(combo, rendered):
    """Which ones: test_generated_docs (those the setup guide lists for the job's target)."""
    for name, workflow in workflows(rendered, combo).items():
        for key, job in workflow["jobs"].items():
            if not any(len(c) == 2 for s in job["steps"] for c in script_commands(s.get("run", ""))):
                assert not any(k.startswith(("ARM_", "DATABRICKS_")) for k in job.get("env", {})), key
                assert "id-token" not in job.get("permissions", {}), key
                continue
            # Only a job that signs in keylessly may request an OIDC token, and it reads nothing secret.
            assert ("id-token" in job.get("permissions", {})) == is_federated(combo.values), f"{name}:{key}"
            if is_federated(combo.values):
                assert job["permissions"]["id-token"] == "write" and job["permissions"]["contents"] == "read"
                assert "secrets." not in yaml.safe_dump(job), f"{name}:{key}"
        # No workflow grants an OIDC token to all of its jobs.
        assert "id-token" not in workflow.get("permissions", {}), name


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_feature_job_runs_only_with_feature_store_and_promotion_only_with_deploy_models(combo, rendered):
    wf = workflows(rendered, combo)
    integration = wf[per_project(combo, "run-tests")]["jobs"]["integration_test"]
    runs = [c for s in integration["steps"] for c in script_commands(s.get("run", ""))]
    fs = combo["input_include_feature_store"] == "yes"
    assert (("run write_feature_table_job", "test") in runs) == fs
    assert runs[-1] == ("run model_training_job", "test")
    prod = wf[per_project(combo, "bundle-cd-prod")]["jobs"]["prod"]
    prod_runs = [c for s in prod["steps"] for c in script_commands(s.get("run", ""))]
    assert prod_runs == [("validate", "prod"), ("deploy", "prod"), *runs_after_deploy(combo, "prod")]


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_cd_leaves_each_target_with_a_champion_for_its_next_step(combo, rendered):
    """Staging CD trains (after the feature tables, with the feature store), so batch inference and prod's first
    promotion find a champion; the runs come after the deployment, each in its own step."""
    wf = workflows(rendered, combo)
    staging = wf[per_project(combo, "bundle-cd-staging")]["jobs"]["staging"]
    runs = [c for s in staging["steps"] for c in script_commands(s.get("run", ""))]
    assert runs == [("validate", "staging"), ("deploy", "staging"), *runs_after_deploy(combo, "staging")]
    assert ("run model_training_job", "staging") in runs


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_unit_tests_install_the_project_and_run_its_pytest(combo, rendered):
    workflow = workflows(rendered, combo)[per_project(combo, "run-tests")]
    assert workflow["defaults"]["run"]["working-directory"] == combo.derived["project_folder"]
    steps = workflow["jobs"]["unit_tests"]["steps"]
    install, test = [s["run"] for s in steps if "run" in s]
    assert_installs_the_project_for_its_tests(install, rendered(combo).project)
    assert test == "python -m pytest"
    java = next(s for s in steps if s.get("uses", "").startswith("actions/setup-java@"))
    assert java["with"] == {"distribution": "temurin", "java-version": "17"}


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_pull_request_runs_and_deployments_use_different_concurrency_groups(combo, rendered):
    wf = workflows(rendered, combo)
    pr_groups, cd_groups = set(), set()
    for suffix in ("run-tests", "bundle-ci"):
        workflow = wf[per_project(combo, suffix)]
        pr_groups.add(workflow["concurrency"]["group"])
        pr_groups |= {j["concurrency"]["group"] for j in workflow["jobs"].values() if "concurrency" in j}
    for suffix in ("bundle-cd-staging", "bundle-cd-prod"):
        concurrency = wf[per_project(combo, suffix)]["concurrency"]
        assert concurrency["cancel-in-progress"] is False
        cd_groups.add(concurrency["group"])
    assert len(cd_groups) == 2
    assert not pr_groups & cd_groups


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_validation_result_is_commented_only_on_a_pull_request(combo, rendered):
    workflow = workflows(rendered, combo)[per_project(combo, "bundle-ci")]
    for job in workflow["jobs"].values():
        (comment,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/github-script@")]
        assert "github.event_name == 'pull_request'" in comment["if"]
        assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]


@pytest.mark.parametrize("combo", GITHUB_COMBOS, ids=lambda c: c.id)
def test_no_expression_is_interpolated_into_a_shell_script(combo, rendered):
    for name, workflow in workflows(rendered, combo).items():
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), f"{name}: {step.get('name')}"
                assert "${{" not in step.get("with", {}).get("script", ""), f"{name}: {step.get('name')}"


@pytest.mark.parametrize("combo", GITHUB_COMBOS, ids=lambda c: c.id)
def test_deploy_cicd_adds_the_project_from_the_archive_and_pushes_with_the_workflow_token(combo, rendered):
    workflow = workflows(rendered, combo)["deploy-cicd.yml"]
    assert triggers(workflow) == {
        "workflow_dispatch": {
            "inputs": {
                "project_folder": {
                    "description": "The project's folder at the repository root (the one holding project_params.json)",
                    "type": "string",
                    "required": True,
                    "default": combo.derived["project_folder"],
                }
            }
        }
    }
    steps = workflow["jobs"]["add_cicd"]["steps"]
    render = next(s for s in steps if "add_project_cicd.py" in s.get("run", ""))
    assert render["env"]["PROJECT_FOLDER"] == "${{ inputs.project_folder }}"
    assert not any("secrets." in str(v) for v in render["env"].values())
    token_users = [s.get("name") for s in steps if "secrets.WORKFLOW_TOKEN" in yaml.safe_dump(s)]
    assert token_users == [
        "Commit the files to a new branch and push it",
        f"Open a pull request into {combo['input_default_branch']}",
    ]
    opening = steps[-1]
    assert opening["env"]["BASE"] == combo["input_default_branch"]


def test_lint_workflow_builds_the_actionlint_this_repository_tests_with(rendered):
    combo = GITHUB_COMBOS[0]
    text = texts(rendered, combo)["lint-cicd-workflow-files.yml"]
    assert f"go install github.com/rhysd/actionlint/cmd/actionlint@{ACTIONLINT_VERSION}\n" in text


@pytest.mark.parametrize("combo", [c for c in FULL if c["input_cicd_platform"] != "github_actions"], ids=lambda c: c.id)
def test_ghes_workflows_differ_from_github_ones_only_in_action_pins(combo, rendered):
    github = rendered(dict(combo.answers, input_cicd_platform="github_actions"))
    ghes = rendered(combo)

    def without_pins(text: str) -> str:
        return re.sub(r"uses: (\S+)@\S+ # \S+", r"uses: \1", text)

    files = sorted(p.name for p in (ghes.root / ".github/workflows").iterdir())
    assert files == sorted(p.name for p in (github.root / ".github/workflows").iterdir())
    for name in files:
        if name == "README.md":
            continue
        a = (github.root / ".github/workflows" / name).read_text()
        b = (ghes.root / ".github/workflows" / name).read_text()
        assert without_pins(a) == without_pins(b), name
