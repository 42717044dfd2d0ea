"""`databricks bundle validate --strict -o json` passes for every target of every rendered project, against the
fake workspace (each target's own host is intercepted locally), and resolves to the values the answers ask for.

One validate run per (combination, target); the targets of a combination run in parallel threads.
"""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bundle_expectations import expected_catalogs, expected_hosts, has_feature_store, is_promoting
from matrix import PROJECT_COMBINATIONS, Combination

from tooling.fake_workspace import CURRENT_USER
from tooling.render import CliResult, run_cli

SHORT_NAME = "data_scientist"  # what the CLI derives from the fake workspace's user, data.scientist@example.com
DEV_PREFIX = f"[dev {SHORT_NAME}] "
PARTIAL_TARGET_ERROR = "no value assigned to required variable catalog_name"


def validate(project: Path, target: str, tmp: Path, workspace) -> tuple[CliResult, float]:
    """Validate a private copy (validate writes .databricks/), with a private CLI home and cache."""
    copy = tmp / target / "project"
    shutil.copytree(project, copy)
    started = time.monotonic()
    result = run_cli(
        ["bundle", "validate", "--strict", "-o", "json", "-t", target],
        workspace=workspace,
        home=tmp / target / "home",
        cwd=copy,
    )
    return result, time.monotonic() - started


def validate_all(project: Path, targets: list[str], tmp: Path, workspace) -> dict[str, CliResult]:
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        runs = dict(zip(targets, pool.map(lambda t: validate(project, t, tmp, workspace), targets), strict=True))
    print(f"{len(runs)} validate runs, {sum(s for _, s in runs.values()):.2f}s in total")
    return {t: r for t, (r, _) in runs.items()}


def expected_jobs(c: Combination, target: str) -> set[str]:
    jobs = {"batch_inference_job", "retraining_job"}
    if has_feature_store(c):
        jobs.add("write_feature_table_job")
    if is_promoting(c) and target == "prod":
        jobs.add("model_promotion_job")
    else:
        jobs.add("model_training_job")
    return jobs


def task(job: dict, key: str) -> dict:
    return next(t for t in job["tasks"] if t["task_key"] == key)


def params(job: dict, key: str) -> dict:
    return task(job, key)["notebook_task"]["base_parameters"]


def check_target(c: Combination, target: str, config: dict) -> None:
    """Assert the resolved configuration of one target."""
    name, schema = c["input_project_name"], c["input_schema_name"]
    catalog = expected_catalogs(c)[target]
    dev = target == "dev"
    root = f"/Workspace/Users/{CURRENT_USER}/.bundle/{name}/{target}"

    assert config["bundle"]["target"] == target
    assert config["bundle"].get("mode") == {"dev": "development", "prod": "production"}.get(target)
    host = expected_hosts(c)[target]
    assert config["workspace"].get("host") == host
    assert config["workspace"]["root_path"] == root

    variables = {k: v["value"] for k, v in config["variables"].items()}
    assert variables["catalog_name"] == catalog
    assert variables["schema_name"] == schema
    inference_table = f"{catalog}.{c['input_inference_table_name'].split('.', 1)[1]}"
    assert variables["inference_table_name"] == inference_table

    resources = config["resources"]
    model = resources["registered_models"]["model"]
    assert model["catalog_name"] == catalog and model["schema_name"] == schema
    assert model["name"] == (f"dev_{SHORT_NAME}_" if dev else "") + f"{name}-model"
    assert model["grants"] == [{"principal": c["input_unity_catalog_read_user_group"], "privileges": ["EXECUTE"]}]
    experiment = resources["experiments"]["experiment"]
    assert experiment["name"] == f"/Users/{CURRENT_USER}/{DEV_PREFIX if dev else ''}{target}-{name}-experiment"
    assert {"level": "CAN_READ", "group_name": c["input_read_user_group"]} in experiment["permissions"]
    assert [p for p in experiment["permissions"] if "group_name" in p] == [
        {"level": "CAN_READ", "group_name": c["input_read_user_group"]}
    ]

    jobs = resources["jobs"]
    assert set(jobs) == expected_jobs(c, target)
    for key, job in jobs.items():
        assert job["name"].startswith(f"{DEV_PREFIX if dev else ''}{target}-{name}-"), job["name"]
        assert [p for p in job["permissions"] if "group_name" in p] == [
            {"level": "CAN_VIEW", "group_name": c["input_read_user_group"]}
        ], key
        assert job["environments"] == [
            {
                "environment_key": "default",
                "spec": {"environment_version": "5", "dependencies": [f"-r {root}/files/requirements.txt"]},
            }
        ], key
        for t in job["tasks"]:
            if "notebook_task" in t:
                assert t["notebook_task"]["notebook_path"].startswith(f"{root}/files/"), (key, t["task_key"])
            if "run_job_task" in t:
                referenced = t["run_job_task"]["job_id"].removeprefix("${resources.jobs.").removesuffix(".id}")
                assert referenced in jobs, f"{key}.{t['task_key']} runs {referenced}, which {target} lacks"
        if key == "model_promotion_job":
            assert "schedule" not in job
        else:
            paused = "PAUSED" if target in ("dev", "test") else "UNPAUSED"
            assert job["schedule"]["pause_status"] == paused, (key, job["schedule"])

    deployed_model = f"{catalog}.{schema}.${{resources.registered_models.model.name}}"
    assert params(jobs["batch_inference_job"], "BatchInference")["model_name"] == deployed_model
    assert params(jobs["batch_inference_job"], "BatchInference")["output_table_name"] == inference_table
    assert params(jobs["batch_inference_job"], "UpdateMonitor") == {
        "table_name": inference_table,
        "output_schema_name": f"{catalog}.{schema}",
        "assets_dir": f"{root}/monitoring",
    }
    if "model_training_job" in jobs:
        train = params(jobs["model_training_job"], "Train")
        assert train["model_name"] == deployed_model and train["env"] == target
        if has_feature_store(c):
            assert train["pickup_features_table"] == f"{catalog}.{schema}.trip_pickup_features"
    if "model_promotion_job" in jobs:
        promote = params(jobs["model_promotion_job"], "PromoteModel")
        assert promote == {
            "source_model_name": f"{c['input_staging_catalog_name']}.{schema}.{name}-model",
            "model_name": deployed_model,
        }


def targets_of(c: Combination) -> list[str]:
    return ["dev", "staging", "prod", "test"] if c.setup == "CICD_and_Project" else ["dev"]


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_every_target_validates_strictly_with_the_answers_values(combo, rendered, fake_workspace, tmp_path):
    project = rendered(combo)
    seen_before = len(fake_workspace.requests)
    unexpected_before = len(fake_workspace.unexpected_requests)
    results = validate_all(project.project, targets_of(combo), tmp_path, fake_workspace)

    # No errors, and no warnings or recommendations either (stderr carries every diagnostic).
    failures = {t: (r.returncode, r.stderr) for t, r in results.items() if r.returncode != 0 or r.stderr.strip()}
    assert failures == {}
    for target, result in results.items():
        check_target(combo, target, json.loads(result.stdout))

    assert fake_workspace.unexpected_requests[unexpected_before:] == []
    hosts_contacted = {r.host.split(":")[0] for r in fake_workspace.requests[seen_before:]}
    for target in results:
        host = expected_hosts(combo)[target]
        if host:  # dev talks to the profile's workspace, here the fake one on 127.0.0.1
            assert urlparse(host).hostname in hosts_contacted, target


@pytest.mark.parametrize(
    "combo", [c for c in PROJECT_COMBINATIONS if c.setup == "Project_Only" and is_promoting(c)], ids=lambda c: c.id
)
def test_project_only_targets_named_by_resource_files_cannot_deploy_before_ci_cd_defines_them(
    combo, rendered, fake_workspace, tmp_path
):
    """With deploy_models the resource files scope jobs to staging/test/prod, which a Project_Only bundle does not
    define yet: selecting one must fail rather than deploy somewhere with no catalog."""
    results = validate_all(rendered(combo).project, ["staging", "prod", "test"], tmp_path, fake_workspace)
    assert {t: r.returncode for t, r in results.items()} == {"staging": 1, "prod": 1, "test": 1}
    assert all(PARTIAL_TARGET_ERROR in r.stderr for r in results.values())
