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


def strings(value) -> list[str]:
    """Every string in a parsed JSON or YAML document."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def check_target(c: Combination, target: str, config: dict, user: str, promised: dict[str, set[str]]) -> None:
    """Assert what the resolved configuration of one target (`bundle validate -o json` or `bundle summary -o json`),
    deployed by `user` (its SCIM userName), holds for any answers: the target's workspace, catalog and schema from
    the answers, the deployer's own folder, the jobs resources/README.md promises (`promised`, readme_jobs),
    every variable resolved, every notebook in the synced files and every job a task runs in the target. The exact
    values for the golden answer sets are reviewed in tests/goldens/<name>/resolved/<target>.json."""
    assert config["bundle"]["target"] == target
    assert config["workspace"].get("host") == expected_hosts(c)[target]
    assert config["workspace"]["current_user"]["userName"] == user
    root = config["workspace"]["root_path"]
    assert root == root_path(c, target, user)
    variables = {k: v["value"] for k, v in config["variables"].items()}
    assert (variables["catalog_name"], variables["schema_name"]) == (
        expected_catalogs(c)[target],
        c["input_schema_name"],
    )
    # Only references to what a deployment creates (resources' ids) are left to resolve.
    assert [s for s in strings(config) if "${" in s.replace("${resources.", "")] == []
    jobs = config["resources"]["jobs"]
    assert set(jobs) == jobs_of_target(promised, target)
    for key, job in jobs.items():
        for t in job["tasks"]:
            if "notebook_task" in t:
                assert t["notebook_task"]["notebook_path"].startswith(f"{root}/files/"), (key, t["task_key"])
            if "run_job_task" in t:
                referenced = t["run_job_task"]["job_id"].removeprefix("${resources.jobs.").removesuffix(".id}")
                assert referenced in jobs, f"{key}.{t['task_key']} runs {referenced}, which {target} lacks"
