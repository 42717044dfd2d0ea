"""Reading a rendered bundle's YAML, and the values the project contract expects in it, per combination.

Shared by the tests of the bundle as written (test_resources.py), as the CLI resolves it
(test_bundle_validate.py) and of the notebooks' parameters (test_notebook_parameters.py)."""

from __future__ import annotations

from urllib.parse import urlparse

from matrix import Combination, resolve

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


def normalised(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def expected_hosts(c: Combination) -> dict[str, str | None]:
    """Per target: dev uses the CLI profile's workspace; the others the (normalised) answers, where an empty
    answer falls back to the cloud's placeholder (staging, prod) or to the staging workspace (test)."""
    placeholders = resolve({"input_cloud": c["input_cloud"]})
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
