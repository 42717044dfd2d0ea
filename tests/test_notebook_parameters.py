"""Jobs and notebooks agree: for every notebook task of every rendered project, the widgets the notebook reads
are exactly the base_parameters its task passes, and every `{{tasks.X.values.Y}}` reference points at an upstream
task whose notebook sets the task value Y."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from bundle_expectations import full_jobs
from matrix import PROJECT_COMBINATIONS

TASK_VALUE_REF = re.compile(r"\{\{\s*tasks\.([\w-]+)\.values\.(\w+)\s*\}\}")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _literal_calls(source: Path, function: str, keyword: str) -> set[str]:
    """First argument (or `keyword`) of every call to `function`; a non-literal argument is an error, because
    then nobody can tell which widget or task value the notebook uses."""
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Call) and _dotted(node.func) == function:
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == keyword), None)
            assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                f"{source.name}:{node.lineno}: {function} needs a literal name"
            )
            names.add(arg.value)
    return names


def widgets_read(notebook: Path) -> set[str]:
    return _literal_calls(notebook, "dbutils.widgets.get", "name")


def task_values_set(notebook: Path) -> set[str]:
    return _literal_calls(notebook, "dbutils.jobs.taskValues.set", "key")


def notebook_tasks(project):
    """(job key, task, notebook file) for every notebook task of the bundle."""
    for key, job in sorted(full_jobs(project).items()):
        for task in job["tasks"]:
            if "notebook_task" in task:
                path = (project.project / "resources" / task["notebook_task"]["notebook_path"]).resolve()
                yield key, task, path


def upstream(job: dict, task_key: str) -> set[str]:
    """Every task `task_key` transitively depends on."""
    by_key = {t["task_key"]: t for t in job["tasks"]}
    seen: set[str] = set()
    todo = [d["task_key"] for d in by_key[task_key].get("depends_on", [])]
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo += [d["task_key"] for d in by_key[key].get("depends_on", [])]
    return seen


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_widgets_read_are_exactly_the_parameters_passed(combo, rendered):
    project = rendered(combo)
    mismatches = []
    checked = 0
    for key, task, notebook in notebook_tasks(project):
        if not notebook.is_file():
            mismatches.append(f"{key}.{task['task_key']}: {notebook.name} is missing")
            continue
        passed = set(task["notebook_task"].get("base_parameters", {}))
        read = widgets_read(notebook)
        checked += 1
        if read != passed:
            mismatches.append(
                f"{key}.{task['task_key']} ({notebook.name}): not passed {sorted(read - passed)}, "
                f"not read {sorted(passed - read)}"
            )
    assert mismatches == []
    assert checked >= 6  # training (3), batch inference (2), retraining check (1), at least


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_task_value_references_point_at_upstream_tasks_that_set_them(combo, rendered):
    project = rendered(combo)
    notebooks = {(key, task["task_key"]): path for key, task, path in notebook_tasks(project)}
    problems = []
    references = 0
    for key, job in sorted(full_jobs(project).items()):
        for task in job["tasks"]:
            fields = {**task.get("notebook_task", {}).get("base_parameters", {}), **task.get("condition_task", {})}
            for field, value in fields.items():
                for source, name in TASK_VALUE_REF.findall(str(value)):
                    references += 1
                    where = f"{key}.{task['task_key']}.{field}"
                    if source not in upstream(job, task["task_key"]):
                        problems.append(f"{where}: {source} does not run before this task")
                    elif (key, source) not in notebooks:
                        problems.append(f"{where}: {source} is not a notebook task")
                    elif not notebooks[key, source].is_file():
                        problems.append(f"{where}: {notebooks[key, source].name} is missing")
                    elif name not in task_values_set(notebooks[key, source]):
                        problems.append(f"{where}: {notebooks[key, source].name} never sets task value {name!r}")
    assert problems == []
    # ModelValidation and ModelDeployment (2 each) and ModelServing (1, with serving) per validating job, and the
    # retraining condition.
    validating_jobs = 2 if combo["input_deployment_pattern"] == "deploy_models" else 1
    per_job = 5 if combo["input_include_model_serving"] == "yes" else 4
    assert references == per_job * validating_jobs + 1
