"""Slow tier: the generated project's local pipeline (`python -m local.run_pipeline`) runs end to end.

For the representative renders of the slow tier (feature store yes and no, deploy_code and deploy_models,
a project without CI/CD whose bundle declares only the dev target), the pipeline runs in a copy of the
project, in the cached project virtualenv. The test then checks what the run left behind, not only what it
reported: the MLflow store (read with MlflowClient in the project venv), the prediction table and the
profile metrics table (read back from their files with pyarrow).

One render runs with Delta Lake's jars made unresolvable (Ivy pointed at an empty repository and an empty
cache through SPARK_CONF_DIR), so the parquet fallback is exercised; the others must get Delta Lake from
Maven Central (or the Ivy cache), as a user of this machine kind does.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from matrix import PROJECT_COMBINATIONS, REPRESENTATIVE, Combination, by_id

from tooling.example import pipeline_env, run_local_pipeline

# Renders whose run must fall back to parquet (Delta Lake's jars made unresolvable).
WITHOUT_DELTA_JARS = {"project-gcp-nofs-models"}
CONTRACT_COLUMNS = {"fare_amount", "prediction", "model_id", "timestamp"}
# The thresholds of the generated validation/validation.py.
MAX_RMSE, MIN_SHARE_WITHIN_5 = 10.0, 0.7

STORE_DUMP = '''
"""Print what a local MLflow store holds, as JSON."""
import json
import sys

from mlflow import MlflowClient

client = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[1])
models = {}
for model in client.search_registered_models():
    versions = client.search_model_versions(f"name='{model.name}'")
    models[model.name] = {
        "aliases": {alias: str(v) for alias, v in model.aliases.items()},
        "versions": {str(v.version): {"run_id": v.run_id, "tags": dict(v.tags)} for v in versions},
    }
runs = {}
for experiment in client.search_experiments():
    for run in client.search_runs([experiment.experiment_id]):
        runs[run.info.run_id] = {"metrics": run.data.metrics, "tags": dict(run.data.tags)}
print(json.dumps({"models": models, "runs": runs}))
'''

IVY_NOWHERE = """<ivysettings>
  <settings defaultResolver="nowhere"/>
  <resolvers>
    <filesystem name="nowhere">
      <artifact pattern="{root}/[organisation]/[module]/[revision]/[artifact].[ext]"/>
    </filesystem>
  </resolvers>
</ivysettings>
"""


def expected_stages(c: Combination) -> list[str]:
    stages = ["setup"]
    if c["input_include_feature_store"] == "yes":
        stages.append("features")
    stages += ["training", "validation", "deployment", "batch_inference", "monitor", "retraining_check"]
    if c["input_deployment_pattern"] == "deploy_models":
        stages.append("promotion")
    return stages


def training_catalog(c: Combination) -> str:
    """deploy_code runs the dev target's jobs; deploy_models trains in staging (and promotes into prod)."""
    if c["input_deployment_pattern"] == "deploy_models":
        return c["input_staging_catalog_name"]
    return c["input_inference_table_name"].split(".")[0]


def without_delta_jars(tmp_path: Path) -> dict[str, str]:
    """Spark configuration that makes Ivy resolve from an empty folder with an empty cache."""
    conf = tmp_path / "spark-conf"
    conf.mkdir()
    (conf / "ivysettings.xml").write_text(IVY_NOWHERE.format(root=tmp_path / "no-repository"))
    (conf / "spark-defaults.conf").write_text(
        f"spark.jars.ivySettings {conf / 'ivysettings.xml'}\nspark.jars.ivy {tmp_path / 'empty-ivy'}\n"
    )
    return {"SPARK_CONF_DIR": str(conf)}


def read_table(location: Path) -> pa.Table:
    """A local table from its files: Delta through its transaction log, parquet as a folder of files."""
    log = location / "_delta_log"
    if not log.exists():
        return pq.read_table(location)
    live: dict[str, None] = {}
    for commit in sorted(log.glob("*.json")):
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                live[action["add"]["path"]] = None
            elif "remove" in action:
                live.pop(action["remove"]["path"], None)
    return pa.concat_tables([pq.read_table(location / path) for path in live])


def stage_results(summary: dict) -> dict[str, dict]:
    return {stage["name"]: stage.get("result", {}) for stage in summary["stages"]}


def run_pipeline(project: Path, python: Path, tmp_path: Path, *args: str, extra_env=None):
    """Run the local pipeline in `project`; returns the process and the summary it wrote."""
    summary_path = tmp_path / "summary.json"
    proc = run_local_pipeline(
        project,
        python,
        "--summary",
        str(summary_path),
        *args,
        extra_env=extra_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
    return proc, summary


def mlflow_store(project: Path, python: Path, tmp_path: Path) -> dict:
    script = tmp_path / "dump_store.py"
    script.write_text(STORE_DUMP)
    uri = f"sqlite:///{project / '.local' / 'mlflow.db'}"
    proc = subprocess.run(
        [str(python), str(script), uri], capture_output=True, text=True, env=pipeline_env(), timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_bundle_jobs(project: Path, name: str):
    """The rendered project's local/bundle_jobs.py (it needs only PyYAML, which this venv has)."""
    spec = importlib.util.spec_from_file_location(f"bundle_jobs_{name}", project / "local" / "bundle_jobs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_local_pipeline_resolves_every_job_parameter_it_passes(combo, rendered, tmp_path):
    """Without Spark: the parameters the runner reads from resources/ resolve completely, to the answers'
    catalogs and schema, with task values handed from task to task as on Databricks."""
    bundle_jobs = load_bundle_jobs(rendered(combo).project, combo.id.replace("-", "_"))
    catalog, schema = training_catalog(combo), combo["input_schema_name"]
    target = "staging" if combo["input_deployment_pattern"] == "deploy_models" else "dev"
    bundle = bundle_jobs.load_bundle_target(rendered(combo).project, target, tmp_path / "workspace")
    train = bundle.task_parameters("model_training_job", "Train")
    assert train["model_name"].split(".")[:2] == [catalog, schema]
    assert train["env"] == target and train["training_data_table"] == "samples.nyctaxi.trips"
    bundle.set_task_values("Train", model_name=train["model_name"], model_version="7", model_uri="x")
    used = {
        "model_training_job": ["Train", "ModelValidation", "ModelDeployment"],
        "batch_inference_job": ["BatchInference", "UpdateMonitor"],
        "retraining_job": ["monitored_metric_violation_check"],
    }
    if combo["input_include_feature_store"] == "yes":
        used["write_feature_table_job"] = ["PickupFeatures", "DropoffFeatures"]
        assert train["pickup_features_table"] == f"{catalog}.{schema}.trip_pickup_features"
    resolved = {(job, task): bundle.task_parameters(job, task) for job, tasks in used.items() for task in tasks}
    for (job, task), params in resolved.items():
        assert bundle.task_keys(job)[: len(used[job])] == used[job]
        for name, value in params.items():
            assert "${" not in value and "{{" not in value, (job, task, name, value)
    validation = resolved[("model_training_job", "ModelValidation")]
    assert (validation["model_name"], validation["model_version"]) == (train["model_name"], "7")
    assert validation["experiment_name"] == train["experiment_name"]
    inference = resolved[("batch_inference_job", "BatchInference")]
    assert inference["model_name"] == train["model_name"]
    assert inference["output_table_name"].split(".")[0] == catalog
    check = resolved[("retraining_job", "monitored_metric_violation_check")]
    assert check["table_name_under_monitor"] == inference["output_table_name"]

    if combo["input_deployment_pattern"] == "deploy_models":
        prod = bundle_jobs.load_bundle_target(rendered(combo).project, "prod", tmp_path / "prod")
        promote = prod.task_parameters("model_promotion_job", "PromoteModel")
        # Promotion copies from the model the staging target trains, into the prod catalog's model.
        assert promote["source_model_name"] == train["model_name"]
        assert promote["model_name"].split(".")[:2] == [combo["input_prod_catalog_name"], schema]
        prod.set_task_values("PromoteModel", model_name=promote["model_name"], model_version="2", model_uri="x")
        prod_validation = prod.task_parameters("model_promotion_job", "ModelValidation")
        assert (prod_validation["model_name"], prod_validation["model_version"]) == (promote["model_name"], "2")
        with pytest.raises(KeyError, match="not deployed to target prod"):
            prod.task_parameters("model_training_job", "Train")


def test_undeclared_staging_target_uses_the_staging_catalog_variable(rendered, tmp_path):
    """Without CI/CD only dev is declared; the local staging run must still train where promotion reads."""
    project = Path(shutil.copytree(rendered(by_id("project-gcp-nofs-models")).project, tmp_path / "project"))
    bundle_file = project / "databricks.yml"
    assert "  staging:\n" not in bundle_file.read_text()
    edited = bundle_file.read_text().replace('    default: "staging"\n', '    default: "ml_staging"\n')
    assert edited != bundle_file.read_text()
    bundle_file.write_text(edited)
    bundle_jobs = load_bundle_jobs(project, "undeclared_staging")
    staging = bundle_jobs.load_bundle_target(project, "staging", tmp_path / "staging")
    prod = bundle_jobs.load_bundle_target(project, "prod", tmp_path / "prod")
    trained = staging.task_parameters("model_training_job", "Train")["model_name"]
    assert trained.startswith("ml_staging.")
    assert prod.task_parameters("model_promotion_job", "PromoteModel")["source_model_name"] == trained
    assert prod.task_parameters("model_promotion_job", "PromoteModel")["model_name"].startswith("prod.")


@pytest.mark.slow
@pytest.mark.parametrize("combination_id", [cid for cid, _ in REPRESENTATIVE])
def test_local_pipeline_trains_validates_deploys_and_scores(
    combination_id,
    rendered,
    project_python,
    tmp_path,
):
    combo = by_id(combination_id)
    project = Path(shutil.copytree(rendered(combo).project, tmp_path / "project"))
    extra = without_delta_jars(tmp_path) if combination_id in WITHOUT_DELTA_JARS else {}
    proc, summary = run_pipeline(project, project_python, tmp_path, extra_env=extra)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    results = stage_results(summary)
    assert summary["ok"] is True
    assert [s["name"] for s in summary["stages"]] == expected_stages(combo)
    assert all(s["status"] == "passed" and s["seconds"] >= 0 for s in summary["stages"])
    for name in expected_stages(combo):
        assert f"] {name}: " in proc.stdout  # each stage is printed as it starts

    # The MLflow store: the trained version holds champion, its validation metrics are logged on a run.
    store = mlflow_store(project, project_python, tmp_path)
    training, validation = results["training"], results["validation"]
    model, version = training["model_name"], training["model_version"]
    catalog, schema, _ = model.split(".")
    assert (catalog, schema) == (training_catalog(combo), combo["input_schema_name"])
    assert store["models"][model]["aliases"] == {"champion": version}
    assert store["models"][model]["versions"][version]["run_id"] == training["run_id"]
    validation_run = store["runs"][validation["validation_run_id"]]
    assert validation_run["tags"]["validation_status"] == "passed"
    logged = validation_run["metrics"]
    assert logged["root_mean_squared_error"] == pytest.approx(validation["metrics"]["root_mean_squared_error"])
    assert logged["root_mean_squared_error"] <= MAX_RMSE
    assert logged["share_within_5_dollars"] >= MIN_SHARE_WITHIN_5
    assert validation["passed"] is True and validation["aliases"] == ["challenger"]
    assert results["deployment"]["aliases"] == ["champion"]

    # The prediction table, read back from its files: one row per input trip, with the contract columns.
    inference = results["batch_inference"]
    sample_rows = pq.read_table(project / "data" / "sample_trips.parquet").num_rows
    table_name = f"{catalog}.{combo['input_inference_table_name'].split('.', 1)[1]}"
    location = project / ".local" / "spark-warehouse" / table_name.replace(".", "__")
    assert inference["output_table"] == f"{table_name} -> {table_name.replace('.', '__')}"
    assert Path(inference["output_location"]) == location
    predictions = read_table(location)
    assert predictions.num_rows == sample_rows == inference["input_rows"] == inference["output_rows"]
    assert CONTRACT_COLUMNS <= set(predictions.column_names)
    assert set(predictions.column("model_id").to_pylist()) == {version}
    assert predictions.column("prediction").null_count == 0

    # Delta Lake when its jars resolve, else parquet; the table on disk is what the run says.
    expected_format = "parquet" if combination_id in WITHOUT_DELTA_JARS else "delta"
    assert summary["table_format"] == inference["output_format"] == expected_format
    assert (location / "_delta_log").exists() == (expected_format == "delta")
    if expected_format == "parquet":
        assert "unresolved dependency" in results["setup"]["why"]

    # The monitor stand-in's metrics table holds the RMSE of the predictions; the check returned a boolean.
    error = pc.subtract(predictions.column("prediction"), predictions.column("fare_amount"))
    rmse = math.sqrt(pc.mean(pc.multiply(error, error)).as_py())
    metrics_location = location.with_name(location.name + "_profile_metrics")
    metrics = read_table(metrics_location)
    assert metrics.column("root_mean_squared_error").to_pylist() == [pytest.approx(rmse)]
    assert isinstance(results["retraining_check"]["is_metric_violated"], bool)

    if combo["input_deployment_pattern"] == "deploy_models":
        promotion = results["promotion"]
        prod_model = promotion["model_name"]
        assert prod_model.split(".")[:2] == [combo["input_prod_catalog_name"], schema]
        prod_version = store["models"][prod_model]["aliases"]["champion"]
        copy = store["models"][prod_model]["versions"][prod_version]
        # The prod champion is a copy of the staging champion: same run, tagged with its origin.
        assert copy["tags"]["promoted_from"] == f"{model}/{version}"
        assert copy["run_id"] == training["run_id"]
        assert promotion["validation_passed"] is True
    if combo["input_include_feature_store"] == "yes":
        for task in ("PickupFeatures", "DropoffFeatures"):
            assert results["features"][f"{task}_rows"] > 0


@pytest.mark.slow
def test_local_pipeline_stops_and_fails_when_validation_fails(rendered, project_python, tmp_path):
    project = Path(shutil.copytree(rendered(by_id("defaults")).project, tmp_path / "project"))
    validation = project / "validation" / "validation.py"
    strict = validation.read_text().replace("threshold=10.0", "threshold=0.01")
    assert strict != validation.read_text()
    validation.write_text(strict)
    proc, summary = run_pipeline(project, project_python, tmp_path, "--table-format", "parquet")
    assert proc.returncode == 1, (proc.stdout + proc.stderr)[-4000:]
    assert summary["ok"] is False
    assert [(s["name"], s["status"]) for s in summary["stages"]] == [
        ("setup", "passed"),
        ("training", "passed"),
        ("validation", "failed"),
    ]
    assert "ModelValidationError" in summary["stages"][-1]["error"]
    store = mlflow_store(project, project_python, tmp_path)
    model = stage_results(summary)["training"]["model_name"]
    assert store["models"][model]["aliases"] == {}  # never challenger, never champion
