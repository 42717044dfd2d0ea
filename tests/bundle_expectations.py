"""Reading a rendered bundle's YAML, and the values the generated READMEs promise in it, per combination.

Shared by the tests of the bundle as written (test_resources.py), as the CLI resolves it
(test_bundle_validate.py), as it is deployed (test_deploy_on_simulator.py) and of the notebooks' parameters
(test_notebook_parameters.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from matrix import Combination

ALL = "every target"  # a job declared under the top-level `resources:`


# --- reading the bundle ---------------------------------------------------------------------------------------
def bundle_files(project) -> dict[str, dict]:
    """databricks.yml and every resources/*.yml, parsed, by path relative to the project folder."""
    rel = project.project.relative_to(project.output).as_posix()
    files = {"databricks.yml": project.yaml(f"{rel}/databricks.yml")}
    for path in sorted((project.project / "resources").glob("*.yml")):
        files[f"resources/{path.name}"] = project.yaml(f"{rel}/resources/{path.name}")
    return files


def job_declarations(project) -> dict[str, dict[str, dict]]:
    """job key -> {target or ALL: the job as declared there}, across every file of the bundle."""
    found: dict[str, dict[str, dict]] = {}
    for doc in bundle_files(project).values():
        for key, job in ((doc.get("resources") or {}).get("jobs") or {}).items():
            found.setdefault(key, {})[ALL] = job
        for target, body in (doc.get("targets") or {}).items():
            for key, job in (((body or {}).get("resources") or {}).get("jobs") or {}).items():
                found.setdefault(key, {})[target] = job
    return found


def full_jobs(project) -> dict[str, dict]:
    """Each job's complete definition (the declaration with a name; target overrides are partial)."""
    jobs = {}
    for key, where in job_declarations(project).items():
        complete = [job for job in where.values() if "name" in job]
        assert complete, f"{key} has no complete declaration"
        assert all(job == complete[0] for job in complete), f"{key} is declared differently per target"
        jobs[key] = complete[0]
    return jobs


def task(job: dict, key: str) -> dict:
    return next(t for t in job["tasks"] if t["task_key"] == key)


def params(job: dict, key: str) -> dict:
    return task(job, key)["notebook_task"]["base_parameters"]


def is_promoting(c: Combination) -> bool:
    return c["input_deployment_pattern"] == "deploy_models"


def has_feature_store(c: Combination) -> bool:
    return c["input_include_feature_store"] == "yes"


def serves(c: Combination) -> bool:
    return c.has_project and c["input_include_model_serving"] == "yes"


def expected_endpoint_name(c: Combination, target: str, user: str) -> str:
    """The serving endpoint of a target: <target>-<project>; in dev one per developer (the CLI's short name)."""
    owner = f"-{short_name(user)}" if target == "dev" else ""
    return f"{target}{owner}-{c['input_project_name']}"


def normalised(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def expected_hosts(c: Combination) -> dict[str, str | None]:
    """Per target: dev uses the CLI profile's workspace; the others the (normalised) answers, where an empty
    answer falls back to the cloud's placeholder (staging, prod) or to the staging workspace (test)."""
    placeholders = Combination("placeholders", {"input_cloud": c["input_cloud"]}).values  # the CLI's defaults
    staging = normalised(
        c["input_databricks_staging_workspace_host"] or placeholders["input_databricks_staging_workspace_host"]
    )
    prod = normalised(c["input_databricks_prod_workspace_host"] or placeholders["input_databricks_prod_workspace_host"])
    test = (
        normalised(c["input_databricks_test_workspace_host"]) if c["input_databricks_test_workspace_host"] else staging
    )
    return {"dev": None, "staging": staging, "prod": prod, "test": test}


def expected_catalogs(c: Combination) -> dict[str, str]:
    """dev: the catalog of the inference-table answer (which names the dev table); others: the catalog answers."""
    catalogs = {"dev": c["input_inference_table_name"].split(".")[0]}
    if c.setup == "CICD_and_Project":
        catalogs |= {
            "staging": c["input_staging_catalog_name"],
            "prod": c["input_prod_catalog_name"],
            "test": c["input_test_catalog_name"],
        }
    return catalogs


def targets_of(c: Combination) -> list[str]:
    """The targets a project's bundle defines: all four with CI/CD, only dev for a project on its own."""
    return ["dev", "staging", "prod", "test"] if c.setup == "CICD_and_Project" else ["dev"]


# --- the resources/README.md promise ----------------------------------------------------------------------------
README_JOB_ROW = re.compile(r"^\| `(\w+_job)` \| `([\w-]+\.yml)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$")
README_SCOPES = {"all": {"dev", "staging", "prod", "test"}, "all but `prod`": {"dev", "staging", "test"}}
README_SCOPES["`prod` only"] = {"prod"}


def readme_job_table(project_dir: Path) -> dict[str, dict[str, str]]:
    """The job table of a project's resources/README.md: job key -> its file, tasks, schedule and targets, as
    written."""
    text = (project_dir / "resources" / "README.md").read_text()
    rows = [m for line in text.splitlines() if (m := README_JOB_ROW.match(line))]
    columns = ("file", "tasks", "schedule", "targets")
    return {m.group(1): dict(zip(columns, (g.strip() for g in m.groups()[1:]), strict=True)) for m in rows}


def readme_jobs(project_dir: Path) -> dict[str, set[str]]:
    """The jobs a project's resources/README.md promises, each with the targets its table row names ("all",
    "all but `prod`", "`prod` only")."""
    return {job: README_SCOPES[row["targets"]] for job, row in readme_job_table(project_dir).items()}


# --- the bundle as the CLI resolves it (validate, summary) ---------------------------------------------------------
def short_name(user_name: str) -> str:
    """The CLI's short name of a user (libs/iamutil GetShortUserName): the e-mail's local part, normalised. The
    simulator's test user (tester@databricks.com) needs no normalising; anything else is refused here."""
    local = user_name.split("@", 1)[0]
    assert re.fullmatch(r"[a-z0-9]+", local), f"work out the CLI's normalised short name of {user_name}"
    return local


def root_path(c: Combination, target: str, user: str) -> str:
    return f"/Workspace/Users/{user}/.bundle/{c['input_project_name']}/{target}"


def jobs_of_target(promised: dict[str, set[str]], target: str) -> set[str]:
    """The jobs resources/README.md (read by readme_jobs) promises in `target`."""
    return {job for job, targets in promised.items() if target in targets}


def check_target(c: Combination, target: str, config: dict, user: str, promised: dict[str, set[str]]) -> None:
    """Assert the resolved configuration of one target (`bundle validate -o json` or `bundle summary -o json`),
    deployed by `user` (its SCIM userName); `promised` is the project's readme_jobs, the jobs its README names."""
    name, schema = c["input_project_name"], c["input_schema_name"]
    catalog = expected_catalogs(c)[target]
    dev = target == "dev"
    root = root_path(c, target, user)
    dev_prefix = f"[dev {short_name(user)}] " if dev else ""

    assert config["bundle"]["target"] == target
    assert config["bundle"].get("mode") == {"dev": "development", "prod": "production"}.get(target)
    host = expected_hosts(c)[target]
    assert config["workspace"].get("host") == host
    assert config["workspace"]["root_path"] == root
    assert config["workspace"]["current_user"]["userName"] == user

    variables = {k: v["value"] for k, v in config["variables"].items()}
    assert variables["catalog_name"] == catalog
    assert variables["schema_name"] == schema
    # In dev the tables are the developer's own, prefixed like the CLI prefixes the dev model.
    table_prefix = f"dev_{short_name(user)}_" if dev else ""
    assert variables["table_prefix"] == table_prefix
    _, inference_schema, inference_name = c["input_inference_table_name"].split(".")
    inference_table = f"{catalog}.{inference_schema}.{table_prefix}{inference_name}"
    assert variables["inference_table_name"] == inference_table

    resources = config["resources"]
    model = resources["registered_models"]["model"]
    assert model["catalog_name"] == catalog and model["schema_name"] == schema
    assert model["name"] == (f"dev_{short_name(user)}_" if dev else "") + f"{name}-model"
    assert model["grants"] == [{"principal": c["input_unity_catalog_read_user_group"], "privileges": ["EXECUTE"]}]
    experiment = resources["experiments"]["experiment"]
    assert experiment["name"] == f"/Users/{user}/{dev_prefix}{target}-{name}-experiment"
    assert [p for p in experiment["permissions"] if "group_name" in p] == [
        {"level": "CAN_READ", "group_name": c["input_read_user_group"]}
    ]

    assert "artifacts" not in config  # each notebook installs the project from its synced folder (%pip)

    jobs = resources["jobs"]
    assert set(jobs) == jobs_of_target(promised, target)
    for key, job in jobs.items():
        assert job["name"].startswith(f"{dev_prefix}{target}-{name}-"), job["name"]
        assert [p for p in job["permissions"] if "group_name" in p] == [
            {"level": "CAN_VIEW", "group_name": c["input_read_user_group"]}
        ], key
        # Serverless notebook tasks: their libraries come from the notebooks, not from a job environment.
        assert "environments" not in job, key
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
            assert train["pickup_features_table"] == f"{catalog}.{schema}.{table_prefix}trip_pickup_features"
    # The tasks after a new version: validation, deployment and, with serving, the endpoint update.
    after = {"model_training_job": "Train", "model_promotion_job": "PromoteModel"}
    for key in set(after) & set(jobs):
        tasks = {t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])] for t in jobs[key]["tasks"]}
        chain = {after[key]: [], "ModelValidation": [after[key]], "ModelDeployment": ["ModelValidation"]}
        if serves(c):
            chain["ModelServing"] = ["ModelDeployment"]
        assert tasks == chain, (key, tasks)
        if serves(c):
            assert params(jobs[key], "ModelServing") == {
                "env": target,
                "model_name": f"{{{{tasks.{after[key]}.values.model_name}}}}",
                "endpoint_name": expected_endpoint_name(c, target, user),
                "query_user_group": c["input_read_user_group"],
                "inference_tables_schema": f"{catalog}.{schema}",
            }
    assert ("serving_endpoint_name" in variables) == serves(c)
    if "model_promotion_job" in jobs:
        promote = params(jobs["model_promotion_job"], "PromoteModel")
        assert promote == {
            "source_model_name": f"{c['input_staging_catalog_name']}.{schema}.{name}-model",
            "model_name": deployed_model,
        }
