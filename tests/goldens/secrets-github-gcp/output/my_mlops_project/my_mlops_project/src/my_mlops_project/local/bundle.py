"""The bundle's configuration as the Databricks CLI resolves it, for local runs.

`resolve_target` runs `databricks bundle validate -o json -t <target>` in the project folder: the
CLI substitutes every variable for that target exactly as a deployment would, and the result says
which jobs the target deploys, with which tasks and parameters. Two kinds of reference stay for
later, as on Databricks: `${resources.<type>.<key>.<field>}` (the names the CLI gives the resources
it deploys, found in the same configuration) and `{{tasks.<task>.values.<key>}}` (task values, set
while the job runs). `ResolvedTarget.resolve` fills in both.

The CLI needs a workspace connection to resolve a target (it asks the workspace who you are): your
profile from `databricks auth login`, or DATABRICKS_HOST and DATABRICKS_TOKEN.
"""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VALIDATE_TIMEOUT_SECONDS = 300
_RESOURCE_REFERENCE = re.compile(r"\$\{resources\.([\w.-]+)\}")
_TASK_VALUE_REFERENCE = re.compile(r"\{\{\s*tasks\.([\w-]+)\.values\.([\w-]+)\s*\}\}")
_AUTH_ERRORS = ("cannot configure default credentials", "auth", "credentials", "profile", "token")


class BundleError(RuntimeError):
    """The bundle's configuration could not be resolved; the message says what to do."""


def find_project_root(start: Path | None = None) -> Path:
    """The folder with `databricks.yml`: `start` (default: the working directory) or a parent."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "databricks.yml").is_file():
            return folder
    raise BundleError(f"no databricks.yml in {start} or above: run this from the project folder")


def resolve_target(
    project_root: Path, target: str | None, cli: str = "databricks"
) -> "ResolvedTarget":
    """The configuration of `target` (None: the bundle's default target), resolved by the CLI."""
    executable = shutil.which(cli)
    if executable is None:
        raise BundleError(
            f"the Databricks CLI ({cli}) was not found. Local runs read the bundle's jobs with it: "
            "install it (the project README says how, https://github.com/databricks/cli too), or "
            "pass its path with --databricks-cli."
        )
    command = [executable, "bundle", "validate", "-o", "json", *(["-t", target] if target else [])]
    try:
        proc = subprocess.run(
            command,
            cwd=project_root,
            capture_output=True,
            text=True,
            timeout=VALIDATE_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BundleError(
            f"`{' '.join(command[1:])}` did not finish in {VALIDATE_TIMEOUT_SECONDS} s: is the "
            "workspace of your Databricks CLI profile (or DATABRICKS_HOST) reachable?"
        ) from None
    if proc.returncode != 0:
        detail = proc.stderr.strip() or proc.stdout.strip()
        hint = ""
        if any(word in detail.lower() for word in _AUTH_ERRORS):
            hint = (
                "\nThe CLI needs a connection to a workspace to resolve the bundle: log in with "
                "`databricks auth login --host <workspace-url>`, or set DATABRICKS_HOST and "
                "DATABRICKS_TOKEN. A target with its own workspace.host needs a login to that host."
            )
        raise BundleError(f"`databricks {' '.join(command[1:])}` failed:\n{detail}{hint}")
    return ResolvedTarget(json.loads(proc.stdout))


def _schedule_seconds(job: dict[str, Any]) -> int | None:
    """Seconds after midnight at which the job's daily Quartz schedule fires; None without one."""
    cron = (job.get("schedule") or {}).get("quartz_cron_expression")
    if not cron:
        return None
    second, minute, hour = (int(field) if field.isdigit() else 0 for field in cron.split()[:3])
    return hour * 3600 + minute * 60 + second


@dataclass(frozen=True)
class ResolvedTarget:
    config: dict[str, Any]

    @property
    def name(self) -> str:
        return self.config["bundle"]["target"]

    @property
    def bundle_name(self) -> str:
        return self.config["bundle"]["name"]

    def variable(self, name: str) -> str:
        return str(self.config["variables"][name]["value"])

    def jobs(self) -> dict[str, dict[str, Any]]:
        return self.config.get("resources", {}).get("jobs", {})

    def jobs_in_run_order(self) -> list[str]:
        """Unscheduled jobs first (CI/CD runs them right after deploying), then the scheduled ones
        by the time of day they run at."""
        jobs = self.jobs()

        def order(key: str) -> tuple[int, str]:
            seconds = _schedule_seconds(jobs[key])
            return (-1 if seconds is None else seconds, key)

        return sorted(jobs, key=order)

    def tasks_in_order(self, job_key: str) -> list[dict[str, Any]]:
        """The job's tasks, each after the tasks it depends on (ties by task key)."""
        pending = {task["task_key"]: task for task in self.jobs()[job_key]["tasks"]}
        ordered: list[dict[str, Any]] = []
        while pending:
            done = {task["task_key"] for task in ordered}
            ready = sorted(
                key
                for key, task in pending.items()
                if all(d["task_key"] in done for d in task.get("depends_on", []))
            )
            if not ready:
                raise BundleError(f"{job_key}: the tasks {sorted(pending)} depend on each other")
            ordered += [pending.pop(key) for key in ready]
        return ordered

    def notebook(self, task: dict[str, Any]) -> str:
        """The task's notebook, relative to the project folder and without `.py`."""
        path = task["notebook_task"]["notebook_path"]
        files = self.config["workspace"]["file_path"].rstrip("/") + "/"
        return path.removeprefix(files).removesuffix(".py")

    def resolve(self, value: Any, task_values: dict[str, dict[str, str]]) -> str:
        """`value` with `${resources.*}` references and `{{tasks.*.values.*}}` filled in."""

        def resource(match: re.Match) -> str:
            node: Any = self.config.get("resources", {})
            for part in match[1].split("."):
                if not isinstance(node, dict) or part not in node:
                    raise BundleError(f"{match[0]} names nothing in target {self.name}")
                node = node[part]
            return str(node)

        def task_value(match: re.Match) -> str:
            try:
                return str(task_values[match[1]][match[2]])
            except KeyError:
                raise BundleError(
                    f"task value {match[2]!r} of task {match[1]!r} is not set"
                ) from None

        return _TASK_VALUE_REFERENCE.sub(task_value, _RESOURCE_REFERENCE.sub(resource, str(value)))
