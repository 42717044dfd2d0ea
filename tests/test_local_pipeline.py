"""The generated project's local run (`python -m <package>.local`): what it reads from the bundle, and, in the slow
tier, the run itself, end to end.

The local run asks the Databricks CLI for the resolved configuration of a target (`bundle validate -o json`), here
the pinned CLI talking to the workspace simulator (tooling/workspace_cli.py). The fast tests load the
project's `local/bundle.py` (standard library only) and check, for one project per setup mode, feature-store
answer and deployment pattern, that the CLI's configuration gives the job order and task order the run follows,
that every notebook task has a local equivalent, and that every parameter resolves once upstream tasks have set
their task values.

In the slow tier, for the representative renders (feature store yes and no, deploy_code and deploy_models, a
project without CI/CD whose bundle declares only the dev target), the run goes in a copy of the project, in the
cached project virtualenv. deploy_models with CI/CD runs `--target staging --target prod`, following a model from
staging into production; every other render runs its default target, dev. The test then checks what the run left
behind, not only what it reported: the MLflow store (read with MlflowClient in the project venv), the prediction
table and the profile metrics table (read back from their files with pyarrow).

One render runs with Delta Lake's jars made unresolvable (Ivy pointed at an empty repository and an empty cache
through SPARK_CONF_DIR), so the parquet fallback is exercised; the others must get Delta Lake from Maven Central
(or the Ivy cache), as a user of this machine kind does.
"""

from __future__ import annotations

import ast
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
from bundle_expectations import jobs_of_target, readme_jobs, short_name
from generated_code import package_dir, task_values_set
from matrix import PROJECT_COMBINATIONS, REPRESENTATIVE, Combination, by_id

from tooling.example import pipeline_env, run_local_pipeline
from tooling.workspace_cli import cli_wrapper

# Renders whose run must fall back to parquet (Delta Lake's jars made unresolvable).
WITHOUT_DELTA_JARS = {"project-gcp-nofs-models-serve"}
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


def is_promoting_with_cicd(c: Combination) -> bool:
    return c["input_deployment_pattern"] == "deploy_models" and c.setup == "CICD_and_Project"


def run_targets(c: Combination) -> list[str]:
    """The targets the slow test runs: staging then prod to follow a promotion, else the default (dev)."""
    return ["staging", "prod"] if is_promoting_with_cicd(c) else ["dev"]


def resolved_targets(project: Path, combo: Combination, simulator, scratch: Path) -> list:
    """The targets the slow test runs, as the project's local/bundle.py resolves them through the CLI."""
    bundle = load_bundle_module(project, combo.id.replace("-", "_"))
    cli = cli_wrapper(simulator, scratch / "home", scratch / "bin") / "databricks"
    return [bundle.resolve_target(project, None if t == "dev" else t, str(cli)) for t in run_targets(combo)]


def planned_stages(targets: list) -> list[str]:
    """The stages a local run of `targets` goes through: each job of each target in run order, task by task."""
    return ["setup"] + [
        f"{target.name} / {job} / {task['task_key']}"
        for target in targets
        for job in target.jobs_in_run_order()
        for task in target.tasks_in_order(job)
    ]


def training_catalog(c: Combination) -> str:
    """dev's catalog (the inference table answer's), or staging's when the run follows a promotion."""
    if is_promoting_with_cicd(c):
        return c["input_staging_catalog_name"]
    return c["input_inference_table_name"].split(".")[0]


def table_prefix(target: str, simulator) -> str:
    """The start of the names of the tables the jobs write: the developer's own in dev (dev_<short name>_)."""
    return f"dev_{short_name(simulator.user_name())}_" if target == "dev" else ""


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
    """Each stage's result, by stage name (`setup`, `<target> / <job> / <task>`)."""
    return {stage["name"]: stage.get("result", {}) for stage in summary["stages"]}


def run_pipeline(project: Path, python: Path, tmp_path: Path, workspace, *args: str, extra_env=None):
    """Run the local run in `project`; returns the process and the summary it wrote."""
    summary_path = tmp_path / "summary.json"
    proc = run_local_pipeline(
        project,
        python,
        "--summary",
        str(summary_path),
        *args,
        workspace=workspace,
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


def load_bundle_module(project: Path, name: str):
    """The rendered project's local/bundle.py (it needs only the standard library)."""
    path = package_dir(project) / "local" / "bundle.py"
    spec = importlib.util.spec_from_file_location(f"bundle_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def local_task_notebooks(project: Path) -> set[str]:
    """The notebooks a local equivalent is registered for (`@local_task("...")` in the package's local/)."""
    found = set()
    for module in (package_dir(project) / "local").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "local_task":
                found.add(node.args[0].value)
    return found


# One project per setup mode, feature-store answer, deployment pattern and model-serving answer: what the local run
# reads changes only with those.
VARIANTS = list(
    {
        (c.setup, c["input_include_feature_store"], c["input_deployment_pattern"], c["input_include_model_serving"]): c
        for c in PROJECT_COMBINATIONS
    }.values()
)


@pytest.mark.parametrize("combo", VARIANTS, ids=lambda c: c.id)
def test_the_local_run_reads_every_job_it_runs_from_the_cli(combo, rendered, simulator, tmp_path):
    """Without Spark: the targets the slow test runs resolve through the CLI, in the job and task order the run
    follows; every notebook task has a local equivalent; every parameter resolves to the answers' catalogs and
    schema once the upstream tasks have set the task values their notebooks set."""
    project = Path(shutil.copytree(rendered(combo).project, tmp_path / "project"))
    catalog, schema = training_catalog(combo), combo["input_schema_name"]
    registered = local_task_notebooks(project)
    promised = readme_jobs(project)
    resolved = {}
    targets = resolved_targets(project, combo, simulator, tmp_path)
    assert [target.name for target in targets] == run_targets(combo)
    for target in targets:
        target_name = target.name
        # The jobs resources/README.md promises in the target; each job's tasks after those they depend on.
        assert set(target.jobs_in_run_order()) == jobs_of_target(promised, target_name)
        for job in target.jobs_in_run_order():
            tasks = target.tasks_in_order(job)
            keys = [t["task_key"] for t in tasks]
            assert sorted(keys) == sorted(t["task_key"] for t in target.jobs()[job]["tasks"]), job
            for i, task in enumerate(tasks):
                assert {d["task_key"] for d in task.get("depends_on", [])} <= set(keys[:i]), (job, keys)
            values: dict[str, dict[str, str]] = {}
            for task in tasks:
                if "notebook_task" not in task:
                    continue
                notebook = target.notebook(task)
                assert notebook in registered, notebook
                params = {
                    k: target.resolve(v, values) for k, v in task["notebook_task"].get("base_parameters", {}).items()
                }
                for name, value in params.items():
                    assert "${" not in value and "{{" not in value, (job, task["task_key"], name, value)
                resolved[target_name, job, task["task_key"]] = params
                keys = task_values_set(project / f"{notebook}.py")
                values[task["task_key"]] = {key: f"{task['task_key']}-{key}" for key in keys}
    first = run_targets(combo)[0]
    train = resolved[first, "model_training_job", "Train"]
    assert train["model_name"].split(".")[:2] == [catalog, schema]
    assert train["training_data_table"] == "samples.nyctaxi.trips"
    validation = resolved[first, "model_training_job", "ModelValidation"]
    assert validation["model_version"] == "Train-model_version"
    assert validation["validation_input"] == "SELECT * FROM samples.nyctaxi.trips"
    inference = resolved[first, "batch_inference_job", "BatchInference"]
    assert inference["model_name"] == train["model_name"]
    assert inference["output_table_name"].split(".")[0] == catalog
    check = resolved[first, "retraining_job", "monitored_metric_violation_check"]
    assert check["table_name_under_monitor"] == inference["output_table_name"]
    if combo["input_include_feature_store"] == "yes":
        prefix = table_prefix(first, simulator)
        assert train["pickup_features_table"] == f"{catalog}.{schema}.{prefix}trip_pickup_features"
    if is_promoting_with_cicd(combo):
        promote = resolved["prod", "model_promotion_job", "PromoteModel"]
        # Promotion copies from the model the staging target trains, into the prod catalog's model.
        assert promote["source_model_name"] == train["model_name"]
        assert promote["model_name"].split(".")[:2] == [combo["input_prod_catalog_name"], schema]
        prod_validation = resolved["prod", "model_promotion_job", "ModelValidation"]
        assert prod_validation["model_name"] == "PromoteModel-model_name"
    if combo["input_include_model_serving"] == "yes":
        serving = resolved[first, "model_training_job", "ModelServing"]
        assert serving["model_name"] == "Train-model_name"
        assert serving["inference_tables_schema"] == f"{catalog}.{schema}"
        assert serving["endpoint_name"].startswith(f"{first}-") and serving["endpoint_name"].endswith(
            f"-{combo['input_project_name']}"
        )


def test_without_a_cli_or_a_connection_the_local_run_says_what_to_do(rendered, tmp_path):
    project = Path(shutil.copytree(rendered(by_id("defaults")).project, tmp_path / "project"))
    bundle = load_bundle_module(project, "errors")
    with pytest.raises(bundle.BundleError, match="Databricks CLI .* was not found"):
        bundle.resolve_target(project, None, str(tmp_path / "no-such-cli"))
    # A CLI without any credentials: a clean HOME, no DATABRICKS_* variables.
    from tooling.render import cli_path

    lonely = tmp_path / "bin" / "databricks"
    lonely.parent.mkdir()
    lonely.write_text(f'#!/bin/sh\nexec env -i HOME={tmp_path / "home"} PATH=/usr/bin:/bin {cli_path()} "$@"\n')
    lonely.chmod(0o755)
    with pytest.raises(bundle.BundleError, match="databricks auth login"):
        bundle.resolve_target(project, None, str(lonely))


def test_the_package_code_and_its_runner_are_plain_python_in_the_template():
    """The local run decides from the bundle at run time, not from the answers: no module of the package, the
    runner included, is a Go template (only the package's README is)."""
    from tooling.paths import TEMPLATE_DIR

    (package,) = TEMPLATE_DIR.glob("*/*/src/*")
    templates = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.tmpl"))
    assert templates == ["README.md.tmpl"]
    assert (package / "local" / "runner.py").is_file() and (package / "local" / "bundle.py").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("combination_id", [cid for cid, _ in REPRESENTATIVE])
def test_local_pipeline_trains_validates_deploys_and_scores(
    combination_id,
    rendered,
    project_python,
    simulator,
    tmp_path,
):
    combo = by_id(combination_id)
    project = Path(shutil.copytree(rendered(combo).project, tmp_path / "project"))
    extra = without_delta_jars(tmp_path) if combination_id in WITHOUT_DELTA_JARS else {}
    targets = [arg for target in run_targets(combo) if target != "dev" for arg in ("--target", target)]
    proc, summary = run_pipeline(project, project_python, tmp_path, simulator, *targets, extra_env=extra)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    results = stage_results(summary)
    assert summary["ok"] is True
    planned = planned_stages(resolved_targets(project, combo, simulator, tmp_path / "plan"))
    assert [s["name"] for s in summary["stages"]] == planned
    for name in planned:
        assert f"] {name}\n" in proc.stdout  # each stage is printed as it starts
    first = run_targets(combo)[0]

    def result(job: str, task: str, target: str = first) -> dict:
        return results[f"{target} / {job} / {task}"]

    # The MLflow store: the trained version holds champion, its validation metrics are logged on a run.
    store = mlflow_store(project, project_python, tmp_path)
    training = result("model_training_job", "Train")
    validation = result("model_training_job", "ModelValidation")
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
    assert result("model_training_job", "ModelDeployment")["aliases"] == ["champion"]

    # The prediction table, read back from its files: one row per input trip, with the contract columns.
    inference = result("batch_inference_job", "BatchInference")
    sample_rows = pq.read_table(project / "data" / "sample_trips.parquet").num_rows
    _, inference_schema, inference_name = combo["input_inference_table_name"].split(".")
    table_name = f"{catalog}.{inference_schema}.{table_prefix(first, simulator)}{inference_name}"
    location = project / ".local" / "spark-warehouse" / table_name.replace(".", "__")
    assert inference["output_table"] == f"{table_name} -> {table_name.replace('.', '__')}"
    assert Path(inference["output_location"]) == location
    predictions = read_table(location)
    assert predictions.num_rows == sample_rows == inference["input_rows"] == inference["output_rows"]
    assert CONTRACT_COLUMNS <= set(predictions.column_names)
    # model_id names the model version, not only its number: two models' predictions never count as one.
    assert set(predictions.column("model_id").to_pylist()) == {f"models:/{model}/{version}"}
    assert predictions.column("prediction").null_count == 0

    # Delta Lake when its jars resolve, else parquet; the table on disk is what the run says.
    expected_format = "parquet" if combination_id in WITHOUT_DELTA_JARS else "delta"
    assert summary["table_format"] == inference["output_format"] == expected_format
    assert (location / "_delta_log").exists() == (expected_format == "delta")
    if expected_format == "parquet":
        assert "unresolved dependency" in results["setup"]["why"]

    # The monitor stand-in's metrics table holds the RMSE of the predictions; the check decides on it, and the
    # retraining condition follows the check (the sample's error is far below the threshold).
    error = pc.subtract(predictions.column("prediction"), predictions.column("fare_amount"))
    rmse = math.sqrt(pc.mean(pc.multiply(error, error)).as_py())
    metrics_location = location.with_name(location.name + "_profile_metrics")
    metrics = read_table(metrics_location)
    assert metrics.column("root_mean_squared_error").to_pylist() == [pytest.approx(rmse)]
    monitor = result("batch_inference_job", "UpdateMonitor")
    assert monitor["newest_window_root_mean_squared_error"] == pytest.approx(rmse)
    assert result("retraining_job", "monitored_metric_violation_check")["is_metric_violated"] is False
    assert result("retraining_job", "is_metric_violated")["outcome"] == "false"
    statuses = {s["name"]: s["status"] for s in summary["stages"]}
    skipped = {name for name, status in statuses.items() if status == "skipped"}
    assert skipped == {n for n in statuses if n.endswith("/ retraining_job / trigger_retraining")}
    assert set(statuses.values()) == {"passed", "skipped"}

    if is_promoting_with_cicd(combo):
        promoted = result("model_promotion_job", "PromoteModel", "prod")
        prod_model = promoted["model_name"]
        assert prod_model.split(".")[:2] == [combo["input_prod_catalog_name"], schema]
        prod_version = store["models"][prod_model]["aliases"]["champion"]
        assert prod_version == promoted["model_version"]
        copy = store["models"][prod_model]["versions"][prod_version]
        # The prod champion is a copy of the staging champion: same run, tagged with its origin.
        assert copy["tags"]["promoted_from"] == promoted["promoted_from"] == f"{model}/{version}"
        assert copy["run_id"] == training["run_id"]
        assert result("model_promotion_job", "ModelValidation", "prod")["passed"] is True
        # Prod scores with its own champion, the copy.
        assert result("batch_inference_job", "BatchInference", "prod")["model_version"] == prod_version
    if combo["input_include_feature_store"] == "yes":
        for task in ("PickupFeatures", "DropoffFeatures"):
            assert result("write_feature_table_job", task)["rows"] > 0
    if combo["input_include_model_serving"] == "yes":
        # The champion, served by MLflow's scoring server on 127.0.0.1, answered the smoke request with a fare.
        serving = result("model_training_job", "ModelServing")
        assert serving["served"] == f"models:/{model}@champion = version {version}"
        assert "(local stand-in: MLflow scoring server http://127.0.0.1:" in serving["endpoint"]
        (row,) = serving["smoke_request"]
        assert row and "fare_amount" not in row  # a row of model inputs, without the label
        (fare,) = serving["predictions"]
        assert 0 < fare < 500


@pytest.mark.slow
def test_a_degraded_champion_makes_the_monitor_trigger_retraining(rendered, project_python, simulator, tmp_path):
    """A deployed model that predicts badly (trained on fares three times too high, deployed with validation in
    dry_run so that it is deployed anyway) gives the monitored RMSE above validation's limit, which is the
    retraining threshold: the check reports the violation and trigger_retraining runs the training job. One scoring
    run makes one daily window, so the copy also lowers num_violation_windows to 1."""
    combo = by_id("defaults")
    project = Path(shutil.copytree(rendered(combo).project, tmp_path / "project"))
    edits = [
        (
            package_dir(project) / "training" / "train.py",
            "lgb.Dataset(x_train, y_train)",
            "lgb.Dataset(x_train, y_train * 3)",
        ),
        (project / "resources" / "model-workflow-resource.yml", "run_mode: enabled", "run_mode: dry_run"),
        (project / "resources" / "monitoring-resource.yml", 'num_violation_windows: "2"', 'num_violation_windows: "1"'),
    ]
    for path, old, new in edits:
        text = path.read_text()
        assert text.count(old) == 1, (path, old)
        path.write_text(text.replace(old, new))
    proc, summary = run_pipeline(project, project_python, tmp_path, simulator, "--table-format", "parquet")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    results = stage_results(summary)
    validation = results["dev / model_training_job / ModelValidation"]
    assert validation["passed"] is False and validation["metrics"]["root_mean_squared_error"] > MAX_RMSE
    assert results["dev / model_training_job / ModelDeployment"]["aliases"] == ["champion"]
    monitored = results["dev / batch_inference_job / UpdateMonitor"]["newest_window_root_mean_squared_error"]
    check = results["dev / retraining_job / monitored_metric_violation_check"]
    assert check["threshold"] == MAX_RMSE < monitored  # validation's limit, not a number of its own
    assert check["is_metric_violated"] is True
    assert results["dev / retraining_job / is_metric_violated"]["outcome"] == "true"
    assert results["dev / retraining_job / trigger_retraining"] == {"would_run_job": "model_training_job"}
    assert {s["status"] for s in summary["stages"]} == {"passed"}


@pytest.mark.slow
def test_local_pipeline_stops_and_fails_when_validation_fails(rendered, project_python, simulator, tmp_path):
    combo = by_id("defaults")
    project = Path(shutil.copytree(rendered(combo).project, tmp_path / "project"))
    validation = package_dir(project) / "validation" / "validation.py"
    strict = validation.read_text().replace("threshold=10.0", "threshold=0.01")
    assert strict != validation.read_text()
    validation.write_text(strict)
    proc, summary = run_pipeline(project, project_python, tmp_path, simulator, "--table-format", "parquet")
    assert proc.returncode == 1, (proc.stdout + proc.stderr)[-4000:]
    assert summary["ok"] is False
    assert [(s["name"], s["status"]) for s in summary["stages"]] == [
        ("setup", "passed"),
        ("dev / model_training_job / Train", "passed"),
        ("dev / model_training_job / ModelValidation", "failed"),
    ]
    assert "ModelValidationError" in summary["stages"][-1]["error"]
    store = mlflow_store(project, project_python, tmp_path)
    model = stage_results(summary)["dev / model_training_job / Train"]["model_name"]
    assert store["models"][model]["aliases"] == {}  # never challenger, never champion


@pytest.mark.slow
def test_the_local_run_refuses_to_start_without_a_connection(rendered, project_python, tmp_path):
    """No workspace connection: the run stops before starting Spark, with the CLI's reason and what to do."""
    project = Path(shutil.copytree(rendered(by_id("defaults")).project, tmp_path / "project"))
    from tooling.render import cli_path

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "databricks").symlink_to(cli_path())
    env = pipeline_env() | {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(project / "src"),
    }
    env = {k: v for k, v in env.items() if not k.startswith("DATABRICKS_")}
    module = f"{by_id('defaults').derived['project_package']}.local"
    proc = subprocess.run(
        [str(project_python), "-m", module], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Cannot run the jobs locally" in proc.stderr and "databricks auth login" in proc.stderr
    assert not (project / ".local").exists()
