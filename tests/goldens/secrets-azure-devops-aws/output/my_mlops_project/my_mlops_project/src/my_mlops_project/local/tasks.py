"""What each notebook of the jobs does, on your machine.

A local run runs a notebook task by calling the function registered here (with `@local_task`)
under the notebook's path, relative to the project folder and without `.py`, with the task's
parameters as the bundle resolves them. Each function does what its notebook does, calling the same
package code, with local stand-ins where only Databricks has the real thing: local Spark tables for
Unity Catalog ones (`tables.py`), a local MLflow store, and the stand-ins of this package. It
returns what to report and the task values the notebook sets.

When you add a notebook task to a job, register its local equivalent here or in another module of
this package (a later registration of the same notebook replaces an earlier one).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from pyspark.sql import DataFrame, SparkSession

from ..batch_inference.predict import champion_model, predict_batch
from ..data_split import holdout_rows
from ..deployment.deploy import deploy
from ..features.trip_features import training_frame
from ..model_registry import ModelVersionRef
from ..monitoring.metric_violation_check_query import (
    is_metric_violated,
    profile_metrics_table,
    violation_threshold,
)
from ..monitoring.monitor import enable_change_data_feed, ensure_monitor
from ..training.train import train
from ..validation.validation import validate_model_version
from .monitoring import LocalWorkspace
from .tables import local_query, local_table_name


@dataclass
class LocalRun:
    """What the tasks of one local run share: Spark, the MLflow store and the local stand-ins."""

    spark: SparkSession
    table_format: str
    client: MlflowClient
    state_dir: Path
    workspace: LocalWorkspace
    stand_ins: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> str:
        """The local table standing in for the Unity Catalog table `name`."""
        return local_table_name(name)

    def sql(self, query: str) -> DataFrame:
        return self.spark.sql(local_query(query))

    def use_experiment(self, name: str) -> None:
        """Create the experiment with its artifacts under the run's folder (not ./mlruns)."""
        if mlflow.get_experiment_by_name(name) is None:
            mlflow.create_experiment(
                name, artifact_location=(self.state_dir / "mlartifacts").as_uri()
            )

    def aliases(self, model_name: str, version: str) -> list[str]:
        return sorted(self.client.get_model_version(model_name, version).aliases)

    def rows(self, name: str) -> int:
        return self.spark.table(name).count()


@dataclass
class Outcome:
    report: dict[str, Any]
    task_values: dict[str, str] = field(default_factory=dict)


Task = Callable[[LocalRun, dict[str, str]], Outcome]
TASKS: dict[str, Task] = {}


def local_task(notebook: str) -> Callable[[Task], Task]:
    """Register the decorated function as the local equivalent of `notebook`."""

    def register(function: Task) -> Task:
        TASKS[notebook] = function
        return function

    return register


def registered(run: LocalRun, version: ModelVersionRef) -> Outcome:
    """What a task that registers a model version reports and hands on (as Train does)."""
    details = run.client.get_model_version(version.model_name, version.model_version)
    return Outcome(
        {
            "model_name": version.model_name,
            "model_version": version.model_version,
            "run_id": details.run_id,
            "training_metrics": run.client.get_run(details.run_id).data.metrics,
        },
        {
            "model_uri": version.model_uri,
            "model_name": version.model_name,
            "model_version": version.model_version,
        },
    )


@local_task("training/notebooks/Train")
def train_model(run: LocalRun, params: dict[str, str]) -> Outcome:
    run.use_experiment(params["experiment_name"])
    table = run.table(params["training_data_table"])
    return registered(run, train(run.spark, table, params["experiment_name"], params["model_name"]))


def validate(run: LocalRun, params: dict[str, str], data, **options) -> Outcome:
    """What ModelValidation does once it has the evaluation data."""
    run.use_experiment(params["experiment_name"])
    name, version = params["model_name"], params["model_version"]
    outcome = validate_model_version(
        run.client,
        name,
        version,
        data,
        experiment_name=params["experiment_name"],
        run_mode=params["run_mode"],
        enable_baseline_comparison=params["enable_baseline_comparison"] == "true",
        model_type=params["model_type"],
        **options,
    )
    return Outcome(
        {
            "model_name": name,
            "model_version": version,
            "validation_rows": len(data),
            "run_mode": params["run_mode"],
            "passed": outcome.passed,
            "message": outcome.message,
            "validation_run_id": outcome.run_id,
            "metrics": {k: v for k, v in sorted(outcome.metrics.items()) if "/" not in k},
            "aliases": run.aliases(name, version),
        }
    )


@local_task("validation/notebooks/ModelValidation")
def validate_model(run: LocalRun, params: dict[str, str]) -> Outcome:
    data = training_frame(holdout_rows(run.sql(params["validation_input"]))).toPandas()
    return validate(run, params, data)


@local_task("deployment/model_deployment/notebooks/ModelDeployment")
def deploy_model(run: LocalRun, params: dict[str, str]) -> Outcome:
    message = deploy(run.client, params["model_name"], params["model_version"])
    return Outcome(
        {"result": message, "aliases": run.aliases(params["model_name"], params["model_version"])}
    )


def score(run: LocalRun, params: dict[str, str], scorer=None) -> Outcome:
    """What BatchInference does; `scorer(model_uri)` gives its `score` step (None: the model)."""
    model_uri, version = champion_model(run.client, params["model_name"])
    source, output = run.table(params["input_table_name"]), run.table(params["output_table_name"])
    score_step = scorer(model_uri) if scorer else None
    predict_batch(
        run.spark,
        model_uri,
        source,
        output,
        ModelVersionRef(params["model_name"], version).model_uri,
        datetime.now(UTC),
        score=score_step,
    )
    info = {
        r["col_name"]: r["data_type"]
        for r in run.spark.sql(f"DESCRIBE TABLE EXTENDED {output}").collect()
    }
    return Outcome(
        {
            "model_uri": model_uri,
            "model_version": version,
            "input_rows": run.rows(source),
            "output_table": f"{params['output_table_name']} -> {output}",
            "output_rows": run.rows(output),
            "output_format": info.get("Provider", "").lower(),
            "output_location": info.get("Location", "").removeprefix("file:"),
        }
    )


@local_task("deployment/batch_inference/notebooks/BatchInference")
def batch_inference(run: LocalRun, params: dict[str, str]) -> Outcome:
    return score(run, params)


@local_task("monitoring/notebooks/UpdateMonitor")
def update_monitor(run: LocalRun, params: dict[str, str]) -> Outcome:
    table = params["table_name"]
    if run.table_format == "delta":
        enable_change_data_feed(run.spark, run.table(table))
    result = ensure_monitor(
        run.workspace, table, params["output_schema_name"], params["assets_dir"]
    )
    metrics = run.table(profile_metrics_table(params["output_schema_name"], table))
    newest = run.spark.table(metrics).orderBy("window.start", ascending=False).first()
    return Outcome(
        {
            "monitor": f"{result} (local stand-in: local/monitoring.py)",
            "profile_metrics_table": metrics,
            "profile_metrics_rows": run.rows(metrics),
            "newest_window_root_mean_squared_error": newest["root_mean_squared_error"],
        }
    )


@local_task("monitoring/notebooks/MonitoredMetricViolationCheck")
def check_metric(run: LocalRun, params: dict[str, str]) -> Outcome:
    metrics = profile_metrics_table(
        params["monitor_output_schema"], params["table_name_under_monitor"]
    )
    threshold = violation_threshold(params["metric_to_monitor"])
    violated = is_metric_violated(
        run.spark,
        run.table(metrics),
        params["metric_to_monitor"],
        threshold,
        int(params["num_evaluation_windows"]),
        int(params["num_violation_windows"]),
    )
    report = {
        "metric": params["metric_to_monitor"],
        "threshold": threshold,
        "is_metric_violated": violated,
    }
    return Outcome(report, {"is_metric_violated": json.dumps(violated)})
