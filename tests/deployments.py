"""Running `databricks bundle ...` for one target of a project copy against the workspace simulator, and reading
back what the deployment left in the simulated workspace.

Shared by the deploy tier (test_deploy_on_simulator.py) and the slow tier's test of the generated modules' own
workspace calls (test_generated_sdk_calls_on_simulator.py)."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tooling.render import CliResult, run_cli

# Collections of a simulated workspace that outlive the objects they describe, so "nothing left behind" ignores
# them: the simulator keeps the access control lists and Unity Catalog grants of deleted objects (the real
# workspace keeps job ACLs for a while too), and run history stays after a job is deleted, as in a workspace.
SIDE_TABLES = {"Permissions", "Grants", "JobRuns", "JobRunOutputs"}
REFERENCE = re.compile(r"\$\{resources\.(\w+)\.(\w+)\.(\w+)\}")
RUN_URL = re.compile(r"/runs/(\d+)")


@dataclass
class Deployment:
    """A private copy of a bundle, deployed to `target` as `token`, with its own CLI home."""

    simulator: Any
    token: str
    source: Path
    scratch: Path
    target: str
    seconds: dict[str, float] = field(default_factory=dict)  # per command, summed (runs of jobs run in threads)

    def __post_init__(self):
        self._lock = threading.Lock()
        self.workdir = self.scratch / self.target / "project"
        self.home = self.scratch / self.target / "home"
        if not self.workdir.exists():
            shutil.copytree(self.source, self.workdir)

    def run(self, *args: str) -> CliResult:
        started = time.monotonic()
        result = run_cli(
            [*args, "-t", self.target], workspace=self.simulator, home=self.home, cwd=self.workdir, token=self.token
        )
        command = " ".join(args[:2])
        with self._lock:
            self.seconds[command] = self.seconds.get(command, 0) + time.monotonic() - started
        return result

    def ok(self, *args: str) -> CliResult:
        result = self.run(*args)
        assert result.returncode == 0, f"{self.target}: databricks {' '.join(args)}\n{result.output}"
        return result

    def summary(self) -> dict:
        return json.loads(self.ok("bundle", "summary", "-o", "json").stdout)

    def plan_actions(self) -> dict[str, str]:
        """`bundle plan -o json`: the action per resource ("skip" when the workspace already matches)."""
        plan = json.loads(self.ok("bundle", "plan", "-o", "json").stdout)
        return {key: entry["action"] for key, entry in plan["plan"].items()}


# --- what the bundle declares, as the workspace should hold it --------------------------------------------------
def resolve(value: Any, summary: dict) -> Any:
    """`value` with every ${resources.<kind>.<key>.<field>} replaced by that field of the deployed summary."""
    if isinstance(value, str):
        return REFERENCE.sub(lambda m: str(summary["resources"][m[1]][m[2]][m[3]]), value)
    if isinstance(value, list):
        return [resolve(v, summary) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, summary) for k, v in value.items()}
    return value


def mismatches(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where `actual` differs from `expected`; fields the workspace adds (server-side defaults) are ignored."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {actual!r} is not an object"]
        return [m for k, v in expected.items() for m in mismatches(v, actual.get(k), f"{where}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {actual!r} instead of {expected!r}"]
        return [
            m for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for m in mismatches(e, a, f"{where}[{i}]")
        ]
    if isinstance(actual, int) and not isinstance(actual, bool) and expected == str(actual):
        return []  # ids are strings in the bundle's configuration, numbers in the Jobs API
    return [] if expected == actual else [f"{where}: {actual!r} instead of {expected!r}"]


def principal(entry: dict) -> str:
    for key in ("user_name", "group_name", "service_principal_name"):
        if key in entry:
            return f"{key}:{entry[key]}"
    raise AssertionError(f"no principal in {entry}")


def declared_acl(resource: dict) -> set[tuple[str, str]]:
    return {(principal(p), p["level"]) for p in resource.get("permissions", [])}


def workspace_acl(simulator, token: str, object_path: str) -> set[tuple[str, str]]:
    """The directly granted permissions on /jobs/<id> or /experiments/<id> (inherited ones, e.g. admins, left out)."""
    status, body = simulator.api("GET", f"/api/2.0/permissions{object_path}", token=token)
    assert status == 200, (object_path, body)
    return {
        (principal(entry), p["permission_level"])
        for entry in body.get("access_control_list", [])
        for p in entry["all_permissions"]
        if not p.get("inherited")
    }


def workspace_differences(simulator, token: str, summary: dict) -> list[str]:
    """Every way the workspace differs from what the deployed bundle declares (its summary): each job's settings
    and permissions, every notebook and wheel a job names, the experiment and its permissions, the
    registered model and its grants."""
    found: list[str] = []
    resources = summary["resources"]
    for key, job in resources["jobs"].items():
        status, body = simulator.api("GET", "/api/2.2/jobs/get", token=token, query={"job_id": job["id"]})
        if status != 200:
            found.append(f"job {key}: {status} {body}")
            continue
        declared = resolve({k: v for k, v in job.items() if k not in ("id", "url", "permissions")}, summary)
        found += [f"job {key}{m}" for m in mismatches(declared, body["settings"])]
        acl = workspace_acl(simulator, token, f"/jobs/{job['id']}")
        if acl != declared_acl(job):
            found.append(f"job {key}: permissions {sorted(acl)} instead of {sorted(declared_acl(job))}")
        paths = [t["notebook_task"]["notebook_path"] for t in job["tasks"] if "notebook_task" in t]
        paths += [d for e in declared.get("environments", []) for d in e["spec"]["dependencies"]]
        for path in paths:
            status, _ = simulator.api("GET", "/api/2.0/workspace/get-status", token=token, query={"path": path})
            if status != 200:
                found.append(f"job {key}: {path} is not in the workspace")
    for key, experiment in resources["experiments"].items():
        status, body = simulator.api(
            "GET", "/api/2.0/mlflow/experiments/get", token=token, query={"experiment_id": experiment["id"]}
        )
        if status != 200 or body["experiment"]["name"] != experiment["name"]:
            found.append(f"experiment {key}: {status} {body}")
        acl = workspace_acl(simulator, token, f"/experiments/{experiment['id']}")
        if acl != declared_acl(experiment):
            found.append(f"experiment {key}: permissions {sorted(acl)} instead of {sorted(declared_acl(experiment))}")
    for key, model in resources["registered_models"].items():
        status, body = simulator.api("GET", f"/api/2.1/unity-catalog/models/{model['id']}", token=token)
        declared = {k: model[k] for k in ("name", "catalog_name", "schema_name", "comment")}
        found += [f"model {key}{m}" for m in mismatches(declared, body if status == 200 else None)]
        status, grants = simulator.api("GET", f"/api/2.1/unity-catalog/permissions/function/{model['id']}", token=token)
        if sorted(grants.get("privilege_assignments", []), key=str) != sorted(model.get("grants", []), key=str):
            found.append(f"model {key}: grants {grants}")
    return found


def run_of(simulator, token: str, result: CliResult) -> dict:
    """The run `bundle run` started (its run id is in the Run URL it prints), as the workspace reports it."""
    match = RUN_URL.search(result.output)
    assert match, result.output
    status, run = simulator.api("GET", "/api/2.2/jobs/runs/get", token=token, query={"run_id": match[1]})
    assert status == 200, run
    return run


def leftovers(before, after, roots: list[str]) -> dict[str, list[str]]:
    """What a workspace holds after destroy that it did not hold before: new keys in any collection but the side
    tables, and any workspace path under the bundle roots."""
    found = {
        name: sorted(set(keys) - set(before.collections.get(name, [])))
        for name, keys in after.collections.items()
        if name not in SIDE_TABLES
    }
    found = {name: keys for name, keys in found.items() if keys}
    paths = [p for root in roots for p in after.under(root)]
    if paths:
        found["workspace_paths"] = paths
    return found
