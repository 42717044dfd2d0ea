import pytest

from my_mlops_project.local.bundle import BundleError, ResolvedTarget

FILES = "/Workspace/Users/me/.bundle/project/dev/files"


def target(jobs: dict) -> ResolvedTarget:
    """A configuration shaped like the output of `databricks bundle validate -o json`."""
    model = {"name": "dev_me_model"}
    models = {"model": model}
    variable = {"value": "main.raw.trips"}
    return ResolvedTarget(
        {
            "bundle": {"name": "project", "target": "dev"},
            "workspace": {"file_path": FILES},
            "variables": {"input_table_name": variable},
            "resources": {"jobs": jobs, "registered_models": models},
        }
    )


def notebook_task(key: str, *after: str, **parameters: str) -> dict:
    task = {
        "task_key": key,
        "notebook_task": {
            "notebook_path": f"{FILES}/{key.lower()}/notebooks/{key}",
            "base_parameters": parameters,
        },
    }
    if after:
        task["depends_on"] = [{"task_key": a} for a in after]
    return task


def test_jobs_run_unscheduled_first_then_by_time_of_day():
    jobs = {
        "evening": {"schedule": {"quartz_cron_expression": "0 0 18 * * ?"}, "tasks": []},
        "morning": {"schedule": {"quartz_cron_expression": "0 30 7 * * ?"}, "tasks": []},
        "on_deploy": {"tasks": []},
    }
    assert target(jobs).jobs_in_run_order() == ["on_deploy", "morning", "evening"]


def test_tasks_run_after_the_tasks_they_depend_on():
    tasks = [notebook_task("C", "B"), notebook_task("A"), notebook_task("B", "A")]
    job = {"tasks": tasks}
    resolved = target({"job": job})
    assert [t["task_key"] for t in resolved.tasks_in_order("job")] == ["A", "B", "C"]
    assert resolved.notebook(tasks[1]) == "a/notebooks/A"


def test_tasks_that_depend_on_each_other_are_reported():
    tasks = [notebook_task("A", "B"), notebook_task("B", "A")]
    job = {"tasks": tasks}
    resolved = target({"job": job})
    with pytest.raises(BundleError, match="depend on each other"):
        resolved.tasks_in_order("job")


def test_resource_names_and_task_values_are_filled_in():
    resolved = target({})
    assert resolved.variable("input_table_name") == "main.raw.trips"
    assert (
        resolved.resolve("dev.s.${resources.registered_models.model.name}", {})
        == "dev.s.dev_me_model"
    )
    train = {"model_version": "3"}
    values = {"Train": train}
    assert resolved.resolve("{{tasks.Train.values.model_version}}", values) == "3"
    with pytest.raises(BundleError, match="not set"):
        resolved.resolve("{{tasks.Train.values.model_uri}}", values)
