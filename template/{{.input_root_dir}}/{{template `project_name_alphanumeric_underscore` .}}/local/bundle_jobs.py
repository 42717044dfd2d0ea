"""The parameters the bundle's jobs pass to their notebooks, read from `databricks.yml` and
`resources/*.yml`, for local runs.

The local pipeline (`local/run_pipeline.py`) calls each notebook's module with exactly the
parameters its job task declares, so a threshold or table name changed in `resources/` changes
the local run too. References are resolved as the Databricks CLI would for one target:
`${var.*}` from the variables' defaults and the target's overrides, `${bundle.*}`,
`${resources.*}`, `${workspace.current_user.userName}` (your local user name) and
`${workspace.root_path}` (a local folder), and `{{tasks.<task>.values.<key>}}` from the task
values the earlier local tasks set. Names are used as declared: the `dev_<you>_` prefixes of
development mode are not applied.
"""

import getpass
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_BUNDLE_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")
_TASK_VALUE_REFERENCE = re.compile(r"\{\{\s*tasks\.([\w-]+)\.values\.([\w-]+)\s*\}\}")


def _merge(base: dict, override: dict) -> dict:
    """`override` merged into `base`; job task lists are merged by `task_key`, as the CLI does."""
    merged = dict(base)
    for key, value in override.items():
        if key == "tasks" and isinstance(value, list) and key in merged:
            tasks = {task["task_key"]: task for task in merged[key]}
            for task in value:
                tasks[task["task_key"]] = _merge(tasks.get(task["task_key"], {}), task)
            merged[key] = list(tasks.values())
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass
class BundleTarget:
    """The bundle as deployed to one target: its variables and resources."""

    name: str
    bundle_name: str
    variables: dict[str, Any]
    resources: dict[str, Any]
    root_path: str
    task_values: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(self, value: Any, _depth: int = 0) -> Any:
        """`value` with every `${...}` and `{{tasks.*.values.*}}` reference replaced."""
        if not isinstance(value, str):
            return value
        if _depth > 20:
            raise ValueError(f"circular reference in {value!r}")
        value = _TASK_VALUE_REFERENCE.sub(self._task_value, value)
        resolved = _BUNDLE_REFERENCE.sub(lambda m: str(self._lookup(m.group(1))), value)
        if resolved != value and _BUNDLE_REFERENCE.search(resolved):
            return self.resolve(resolved, _depth + 1)
        return resolved

    def _task_value(self, match: re.Match) -> str:
        task, key = match.group(1), match.group(2)
        try:
            return str(self.task_values[task][key])
        except KeyError:
            raise ValueError(
                f"task value {key!r} of task {task!r} is not set yet"
            ) from None

    def _lookup(self, reference: str) -> Any:
        head, _, rest = reference.partition(".")
        if head == "var":
            if rest not in self.variables:
                raise ValueError(
                    f"variable {rest!r} has no value in target {self.name}"
                )
            return self.resolve(self.variables[rest])
        if reference == "bundle.target":
            return self.name
        if reference == "bundle.name":
            return self.bundle_name
        if reference in (
            "workspace.current_user.userName",
            "workspace.current_user.user_name",
        ):
            return getpass.getuser()
        if reference == "workspace.root_path":
            return self.root_path
        if head == "resources":
            node: Any = self.resources
            for part in rest.split("."):
                if not isinstance(node, dict) or part not in node:
                    raise ValueError(
                        f"${{{reference}}} is not declared in target {self.name}"
                    )
                node = node[part]
            return self.resolve(node)
        raise ValueError(f"${{{reference}}} has no local equivalent")

    def job(self, job_key: str) -> dict[str, Any]:
        jobs = self.resources.get("jobs", {})
        if job_key not in jobs:
            raise KeyError(f"job {job_key!r} is not deployed to target {self.name}")
        return jobs[job_key]

    def task_parameters(self, job_key: str, task_key: str) -> dict[str, str]:
        """The base parameters task `task_key` of job `job_key` passes to its notebook, resolved."""
        for task in self.job(job_key)["tasks"]:
            if task["task_key"] == task_key:
                parameters = task.get("notebook_task", {}).get("base_parameters", {})
                return {name: str(self.resolve(v)) for name, v in parameters.items()}
        raise KeyError(f"job {job_key!r} has no task {task_key!r}")

    def task_keys(self, job_key: str) -> list[str]:
        return [task["task_key"] for task in self.job(job_key)["tasks"]]

    def set_task_values(self, task_key: str, **values: str) -> None:
        """What `dbutils.jobs.taskValues.set` does in the task's notebook."""
        self.task_values.setdefault(task_key, {}).update(values)


def load_bundle_target(
    project_root: str | Path, target: str, root_path: str | Path
) -> BundleTarget:
    """The bundle in `project_root` as deployed to `target`.

    A target that `databricks.yml` does not declare (a project generated without CI/CD has
    only `dev`) uses the variables' defaults, and as its catalog the default of the variable
    `<target>_catalog_name` if there is one (`staging_catalog_name`), else the target's name.
    """
    root = Path(project_root)
    bundle = yaml.safe_load((root / "databricks.yml").read_text())
    documents = [bundle]
    for pattern in bundle.get("include", []):
        documents += [
            yaml.safe_load(path.read_text()) or {}
            for path in sorted(root.glob(pattern))
        ]
    variables = {
        name: spec.get("default") if isinstance(spec, dict) else spec
        for name, spec in bundle.get("variables", {}).items()
    }
    declared = bundle.get("targets", {}).get(target)
    if declared is not None:
        variables.update((declared or {}).get("variables", {}))
    if variables.get("catalog_name") is None:
        variables["catalog_name"] = variables.get(f"{target}_catalog_name") or target
    resources: dict[str, Any] = {}
    for document in documents:
        resources = _merge(resources, document.get("resources", {}))
    for document in documents:
        target_doc = (document.get("targets", {}) or {}).get(target) or {}
        resources = _merge(resources, target_doc.get("resources", {}))
    return BundleTarget(
        name=target,
        bundle_name=bundle["bundle"]["name"],
        variables=variables,
        resources=resources,
        root_path=str(root_path),
    )
