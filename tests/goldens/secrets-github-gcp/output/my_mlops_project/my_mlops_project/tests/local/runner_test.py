import pytest

from my_mlops_project.local.bundle import ResolvedTarget
from my_mlops_project.local.runner import TaskSkipped, run_task

CHECK = "{{tasks.check.values.violated}}"
TRAINING_JOB = "${resources.jobs.model_training_job.id}"


def retraining_tasks() -> list[dict]:
    """The condition and run-job tasks of a retraining job, as the CLI resolves them."""
    condition = {"op": "EQUAL_TO", "left": CHECK, "right": "true"}
    return [
        {"task_key": "decide", "condition_task": condition},
        {
            "task_key": "retrain",
            "depends_on": [{"task_key": "decide", "outcome": "true"}],
            "run_job_task": {"job_id": TRAINING_JOB},
        },
    ]


@pytest.mark.parametrize("violated", ["true", "false"])
def test_a_condition_decides_whether_the_job_it_guards_would_run(violated):
    bundle = {"name": "project", "target": "dev"}
    target = ResolvedTarget({"resources": {}, "bundle": bundle})
    decide, retrain = retraining_tasks()
    check = {"violated": violated}
    state = {"check": check}
    assert run_task(None, target, decide, state)["outcome"] == violated
    if violated == "true":
        assert run_task(None, target, retrain, state) == {"would_run_job": "model_training_job"}
    else:
        with pytest.raises(TaskSkipped, match="decide was not true"):
            run_task(None, target, retrain, state)
