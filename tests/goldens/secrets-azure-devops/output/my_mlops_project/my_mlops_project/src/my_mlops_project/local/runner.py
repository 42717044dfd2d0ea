"""Run the jobs of the bundle on your machine, in the order Databricks would run them.

For each target asked for, the bundle's configuration comes from the Databricks CLI
(`bundle.py`): which jobs the target deploys, their tasks and the parameters of each, with the
target's variables filled in. The jobs run unscheduled ones first (CI/CD starts them right after
deploying), then scheduled ones by their time of day; each job's tasks run in dependency order. A
notebook task runs its local equivalent (`tasks.py`), a condition task is evaluated, and a task
that starts another job only reports that job. `data/sample_trips.parquet` stands in for the table
in the variable `input_table_name`.

Everything runs on local Spark and a local MLflow tracking server and model registry (SQLite), in
a `.local/` folder of the project that every run starts afresh. The run stops at the first task
that fails.

On Databricks each notebook's first cells install the project (`%pip install` of the project
folder) and restart Python. Locally nothing is installed per task: the notebooks are not run, and
the package code their local equivalents call is this virtualenv's (`pip install -e ".[dev]"`).
"""

import importlib
import logging
import os
import pkgutil
import re
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient

from .bundle import BundleError, ResolvedTarget
from .monitoring import LocalWorkspace
from .spark import start_local_spark
from .tables import local_table_name
from .tasks import TASKS, LocalRun, Outcome

SAMPLE = Path("data") / "sample_trips.parquet"
_CONDITIONS: dict[str, Callable[[str, str], bool]] = {
    "EQUAL_TO": lambda a, b: a == b,
    "NOT_EQUAL": lambda a, b: a != b,
    "GREATER_THAN": lambda a, b: float(a) > float(b),
    "GREATER_THAN_OR_EQUAL": lambda a, b: float(a) >= float(b),
    "LESS_THAN": lambda a, b: float(a) < float(b),
    "LESS_THAN_OR_EQUAL": lambda a, b: float(a) <= float(b),
}


class TaskFailed(RuntimeError):
    pass


class TaskSkipped(Exception):
    """The task does not run: a task it depends on did not have the outcome it requires."""


def local_tasks() -> dict[str, Callable[[LocalRun, dict[str, str]], Outcome]]:
    """Every notebook's local equivalent: importing this package's modules registers them."""
    package = __package__ or "local"
    for module in sorted(
        m.name for m in pkgutil.iter_modules(importlib.import_module(package).__path__)
    ):
        if module != "__main__":
            importlib.import_module(f"{package}.{module}")
    return TASKS


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_show(v)}" for k, v in value.items())
    return str(value)


class Stages:
    """Prints, times and records each step of the run."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def run(self, record: dict[str, Any], step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        print(f"\n[{len(self.records) + 1}] {record['name']}", flush=True)
        self.records.append(record)
        start = time.monotonic()
        try:
            result = step()
        except TaskSkipped as skipped:
            record.update(status="skipped", seconds=0.0, result={"skipped": str(skipped)})
            print(f"    skipped: {skipped}", flush=True)
            return record["result"]
        except Exception as error:
            record.update(status="failed", error=f"{type(error).__name__}: {error}")
            record["seconds"] = round(time.monotonic() - start, 2)
            traceback.print_exc()
            print(f"    FAILED after {record['seconds']:.1f} s: {record['error']}", flush=True)
            raise TaskFailed(record["name"]) from error
        record.update(status="passed", seconds=round(time.monotonic() - start, 2), result=result)
        for key, value in result.items():
            print(f"    {key}: {_show(value)}")
        print(f"    done in {record['seconds']:.1f} s", flush=True)
        return result


def start(
    project_root: Path, table_format: str, input_tables: set[str]
) -> tuple[LocalRun, dict[str, Any]]:
    """A fresh `.local/` folder, the local MLflow store, local Spark and the sample data."""
    state = project_root / ".local"
    if state.exists():
        shutil.rmtree(state)
    state.mkdir()
    (state / ".gitignore").write_text("*\n")  # nothing in .local/ belongs in version control
    uri = f"sqlite:///{state / 'mlflow.db'}"
    os.environ.update(
        MLFLOW_TRACKING_URI=uri,
        MLFLOW_REGISTRY_URI=uri,
        MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false",
    )
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    local = start_local_spark(state / "spark-warehouse", state / "spark.log", table_format)
    run = LocalRun(
        local.spark,
        local.table_format,
        MlflowClient(tracking_uri=uri, registry_uri=uri),
        state,
        LocalWorkspace(local.spark, local_table_name),
    )
    sample = local.spark.read.parquet(str(project_root / SAMPLE))
    for table in sorted(input_tables):
        sample.createOrReplaceTempView(run.table(table))
    report = {
        "table_format": local.table_format,
        "why": local.note,
        "spark": local.spark.version,
        "mlflow": mlflow.__version__,
        "mlflow_tracking_uri": uri,
        "spark_log": str(state / "spark.log"),
        "sample": f"{SAMPLE} ({sample.count()} rows) -> {', '.join(sorted(input_tables))}",
    }
    return run, report


def run_task(
    run: LocalRun, target: ResolvedTarget, task: dict[str, Any], state: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """Run one task; `state` holds the task values and condition outcomes of the job so far."""
    key = task["task_key"]
    for dependency in task.get("depends_on", []):
        wanted = dependency.get("outcome")
        if wanted is not None and state[dependency["task_key"]].get("outcome") != wanted:
            state[key] = {"outcome": "skipped"}
            raise TaskSkipped(f"{dependency['task_key']} was not {wanted}")
    if "notebook_task" in task:
        notebook = target.notebook(task)
        tasks = local_tasks()
        if notebook not in tasks:
            raise BundleError(f"{notebook} has no local equivalent: register one in local/tasks.py")
        params = task["notebook_task"].get("base_parameters", {})
        outcome = tasks[notebook](run, {k: target.resolve(v, state) for k, v in params.items()})
        state[key] = dict(outcome.task_values)
        return outcome.report
    if "condition_task" in task:
        condition = task["condition_task"]
        left, right = (target.resolve(condition[side], state) for side in ("left", "right"))
        result = str(_CONDITIONS[condition["op"]](left, right)).lower()
        state[key] = {"outcome": result}
        return {"condition": f"{left} {condition['op']} {right}", "outcome": result}
    if "run_job_task" in task:
        # A deployed job's id exists only on Databricks: report the job the reference names.
        job_id = str(task["run_job_task"]["job_id"])
        job = re.fullmatch(r"\$\{resources\.jobs\.([\w-]+)\.id\}", job_id)
        state[key] = {}
        return {"would_run_job": job[1] if job else job_id}
    raise BundleError(f"task {key} is of a kind the local run does not know: {sorted(task)}")


def run_targets(
    project_root: Path, targets: list[ResolvedTarget], table_format: str
) -> tuple[bool, dict]:
    """Run every job of each target in turn; returns whether all passed, and the summary."""
    started = time.monotonic()
    stages = Stages()
    summary: dict[str, Any] = {
        "project": targets[0].bundle_name,
        "targets": [t.name for t in targets],
        "state_dir": str(project_root / ".local"),
    }
    holder: dict[str, LocalRun] = {}
    inputs = {t.variable("input_table_name") for t in targets}

    def setup() -> dict[str, Any]:
        holder["run"], report = start(project_root, table_format, inputs)
        return report

    ok = True
    try:
        stages.run({"name": "setup"}, setup)
        run = holder["run"]
        summary["table_format"] = run.table_format
        for target in targets:
            for job in target.jobs_in_run_order():
                state: dict[str, dict[str, str]] = {}
                for task in target.tasks_in_order(job):
                    record = {
                        "name": f"{target.name} / {job} / {task['task_key']}",
                        "target": target.name,
                        "job": job,
                        "task": task["task_key"],
                    }
                    stages.run(
                        record, lambda t=target, task=task, s=state: run_task(run, t, task, s)
                    )
    except TaskFailed:
        ok = False
    summary.update(ok=ok, seconds=round(time.monotonic() - started, 2), stages=stages.records)
    return ok, summary
