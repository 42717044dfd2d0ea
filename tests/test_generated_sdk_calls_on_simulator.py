"""Slow tier: the workspace API calls the generated modules make themselves (not through the bundle), called with
the parameters their jobs pass, against the Databricks CLI's workspace simulator, in the cached project venv.

The project (matrix.SUPERSET: feature store, deploy_models, so every module exists) is deployed to the dev target
first, so the job parameters are the deployed ones. Then each function below runs with `WorkspaceClient()` /
`MlflowClient()` configured only by the environment, as on a Databricks job (DATABRICKS_HOST and _TOKEN of the
simulator; MLflow tracking on "databricks", the registry on "databricks-uc").

Checked against the simulator:
- the SDK authenticates from that environment as the deploying user (SCIM Me);
- <package>/monitoring/monitor.py `ensure_monitor`: its first call, `tables.get`, reaches Unity Catalog's tables
  API with the inference table the batch inference job names.

Not checked, because the simulator (CLI v1.9.0) does not implement the API (UNCHECKED below; a test fails as soon
as it does, so this list stays true):
- `ensure_monitor`'s data-quality monitor calls: data_quality.get_monitor, create_monitor, list_refresh, create_refresh
  (/api/data-quality/v1/monitors...); its schemas.get comes after get_monitor and is not reached. The
  simulator's table stub has no table_id either.
- every MLflow registry call on Unity Catalog: the alias lookups of <package>/model_registry.py alias_version
  (used by deploy.deploy, promote.promote and predict.champion_model), set/delete alias, get/copy model
  version, version tags and descriptions (validation, deployment, promotion), and loading
  `models:/<name>@champion` (batch inference);
- MLflow tracking: mlflow.set_experiment (experiments/get-by-name) and everything after it in training and
  validation (runs, metrics, logged models, model version creation with its storage credentials);
- the Feature Engineering client (feature tables), and Spark and dbutils, which only a Databricks runtime has.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from bundle_expectations import params
from deployments import Deployment
from matrix import SUPERSET, by_id

from tooling.simulator import new_token

# The calls, as the script below makes them: (name, Python expression). `job` holds the deployed jobs' parameters.
CALLS = [
    ("current_user", "WorkspaceClient().current_user.me().user_name"),
    (
        "ensure_monitor",
        "ensure_monitor(WorkspaceClient(), job['table_name'], job['output_schema_name'], job['assets_dir'])",
    ),
    ("champion_model", "champion_model(MlflowClient(), job['model_name'])"),
    ("deploy", "deploy(MlflowClient(), job['model_name'], '1')"),
    ("promote", "promote(MlflowClient(), job['source_model_name'], job['promoted_model_name'])"),
    ("set_experiment", "mlflow.set_experiment(job['experiment_name']).experiment_id"),
]
SCRIPT = """
import importlib, json, sys
import mlflow
from databricks.sdk import WorkspaceClient
from mlflow import MlflowClient
package = sys.argv[3]
champion_model = importlib.import_module(f"{package}.batch_inference.predict").champion_model
deploy = importlib.import_module(f"{package}.deployment.deploy").deploy
promote = importlib.import_module(f"{package}.promotion.promote").promote
ensure_monitor = importlib.import_module(f"{package}.monitoring.monitor").ensure_monitor

job = json.loads(sys.argv[1])
outcomes = {}
for name, expression in json.loads(sys.argv[2]):
    try:
        outcomes[name] = {"result": str(eval(expression))}
    except Exception as error:
        outcomes[name] = {"error": type(error).__name__, "message": str(error)[:500]}
print(json.dumps(outcomes))
"""
# API the generated code calls that the simulator does not implement: "METHOD path regex" -> who calls it.
UNCHECKED = {
    r"GET /api/data-quality/v1/monitors/table/[^/]+": "monitoring/monitor.py ensure_monitor (data_quality.get_monitor)",
    r"GET /api/2.0/mlflow/unity-catalog/registered-models/alias": "<package>/model_registry.py alias_version",
    r"GET /api/2.0/mlflow/experiments/get-by-name": "mlflow.set_experiment in training and validation",
}


@pytest.mark.slow
def test_generated_modules_workspace_calls_reach_the_simulator_and_the_unanswered_ones_are_listed(
    rendered, simulator, project_python, tmp_path
):
    combo = by_id(SUPERSET)
    token = new_token()
    deployment = Deployment(simulator, token, rendered(combo).project, tmp_path, "dev")
    deployment.ok("bundle", "deploy")
    summary = deployment.summary()
    jobs = summary["resources"]["jobs"]
    model = summary["resources"]["registered_models"]["model"]
    update_monitor = params(jobs["batch_inference_job"], "UpdateMonitor")
    job = {
        **update_monitor,
        "model_name": model["id"],
        "source_model_name": f"{combo['input_staging_catalog_name']}.{model['schema_name']}.{model['name']}",
        "promoted_model_name": model["id"],
        "experiment_name": summary["resources"]["experiments"]["experiment"]["name"],
    }
    env = simulator.cli_env(tmp_path / "sdk-home", token=token, base={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    env |= {"MLFLOW_TRACKING_URI": "databricks", "MLFLOW_REGISTRY_URI": "databricks-uc"}
    env["PYTHONPATH"] = str(deployment.workdir / "src")
    first_request = len(simulator.requests(token))
    proc = subprocess.run(
        [str(project_python), "-c", SCRIPT, json.dumps(job), json.dumps(CALLS), combo.derived["project_package"]],
        cwd=deployment.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    outcomes = json.loads(proc.stdout.strip().splitlines()[-1])
    served = simulator.requests(token)[first_request:]
    deployment.ok("bundle", "destroy", "--auto-approve")

    assert outcomes["current_user"] == {"result": simulator.user_name(token)}
    table_lookups = [r for r in served if r.path == f"/api/2.1/unity-catalog/tables/{update_monitor['table_name']}"]
    assert [r.status for r in table_lookups] == [200]

    # Every call the simulator could not answer is a listed one; every listed one was needed.
    unanswered = {f"{r.method} {r.path}" for r in served if r.status == 501}
    matched = {pattern for pattern in UNCHECKED if any(re.fullmatch(pattern, call) for call in unanswered)}
    assert [call for call in unanswered if not any(re.fullmatch(p, call) for p in UNCHECKED)] == []
    assert matched == set(UNCHECKED)
    assert all("error" in outcomes[name] for name, _ in CALLS if name != "current_user"), outcomes
