"""Deploy, plan, run and destroy every target of the representative projects on the Databricks CLI's own workspace
simulator (tooling/simulator), side by side too, and recover from faults.

For each render of matrix.DEPLOYED and matrix.DEPLOYED_ADDED (a CI/CD-only repository with a project added by its
sub-template), every target it defines runs in its own thread, all in one simulated workspace of the test's own
token (so pytest-xdist workers never share one):

- `bundle deploy`, then `bundle summary -o json`: the resolved resources pass the same checks as
  `bundle validate` (bundle_expectations.check_target), and the jobs are those resources/README.md promises for
  the target;
- the workspace holds exactly what the bundle declares: each job's settings (references resolved) and
  permissions, every notebook and requirements file a job names, the experiment and its permissions, the
  registered model and its grants;
- `bundle plan -o json` right after the deploy: nothing to create, update or delete;
- `bundle run` of every job: TERMINATED SUCCESS, and the workspace has that run of that job with its tasks;
- `bundle destroy --auto-approve`, and finally nothing is left: no new job, experiment, model, monitor, ...
  (deployments.SIDE_TABLES names what the simulator keeps after deletion) and no file under any bundle root.

What this cannot prove (README, "What the simulator checks"): the simulator does not execute the notebooks (ours
keeps `uv` out of its reach; its run states are canned), does not check Unity Catalog privileges or that the
catalogs and schemas exist, and accepts any group name.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from bundle_expectations import check_target, readme_jobs, root_path, targets_of
from cicd_repository import add_project, repository_with_project
from deployments import Deployment, leftovers, run_of, workspace_differences
from matrix import DEPLOYED, DEPLOYED_ADDED, SIDE_BY_SIDE, Combination, by_id, with_added_project

from tooling.render import cli_environment, cli_path
from tooling.simulator import new_token

CASES = [pytest.param(c, None, id=c) for c in DEPLOYED] + [
    pytest.param(cicd, project, id=f"{cicd}+{project}") for cicd, project, _ in DEPLOYED_ADDED
]
FAULT_BODY = {
    500: json.dumps({"error_code": "INTERNAL_ERROR", "message": "simulated outage"}),
    429: json.dumps({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "simulated rate limit"}),
}
JOB_CREATE = "POST /api/2.2/jobs/create"


def project_under_test(rendered, simulator, tmp_path: Path, first: str, added: str | None) -> tuple[Combination, Path]:
    """The combination and its project folder; for an added project, the repository after add_project_cicd.py."""
    if added is None:
        return by_id(first), rendered(by_id(first)).project
    cicd, project = by_id(first), by_id(added)
    repo, folder = repository_with_project(rendered, cicd, project, tmp_path)
    result = add_project(repo, folder, simulator, tmp_path / "add-home")
    assert result.returncode == 0, result.stdout + result.stderr
    return with_added_project(cicd, project), repo / folder


def cycle(deployment: Deployment) -> dict:
    """deploy, summary, the workspace's view, plan, a run of every job, destroy; what each step returned."""
    deployment.ok("bundle", "deploy")
    summary = deployment.summary()
    differences = workspace_differences(deployment.simulator, deployment.token, summary)
    actions = deployment.plan_actions()
    jobs = sorted(summary["resources"]["jobs"])
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        runs = dict(zip(jobs, pool.map(lambda job: deployment.run("bundle", "run", job), jobs), strict=True))
    started = {job: run_of(deployment.simulator, deployment.token, r) for job, r in runs.items() if r.returncode == 0}
    deployment.ok("bundle", "destroy", "--auto-approve")
    return {"summary": summary, "differences": differences, "actions": actions, "runs": runs, "started": started}


@pytest.mark.parametrize(("first", "added"), CASES)
def test_every_target_deploys_matches_its_declaration_replans_clean_runs_and_is_destroyed(
    first, added, rendered, simulator, tmp_path
):
    combo, project = project_under_test(rendered, simulator, tmp_path, first, added)
    token = new_token()
    user = simulator.user_name(token)
    before = simulator.inventory(token)
    targets = targets_of(combo)
    deployments = [Deployment(simulator, token, project, tmp_path, target) for target in targets]
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        results = dict(zip(targets, pool.map(cycle, deployments), strict=True))
    for deployment in deployments:
        print(deployment.target, {step: round(s, 2) for step, s in deployment.seconds.items()})

    promised = readme_jobs(project)
    for target, result in results.items():
        summary = result["summary"]
        check_target(combo, target, summary, user, promised)
        assert result["differences"] == [], target
        declared = {f"resources.{kind}.{key}" for kind, items in summary["resources"].items() for key in items}
        assert declared <= set(result["actions"]), target
        assert {key: a for key, a in result["actions"].items() if a != "skip"} == {}, target
        for job, run in result["runs"].items():
            assert run.returncode == 0 and "TERMINATED SUCCESS" in run.output, f"{target} {job}:\n{run.output}"
            started = result["started"][job]
            assert str(started["job_id"]) == summary["resources"]["jobs"][job]["id"]
            declared_tasks = {t["task_key"] for t in summary["resources"]["jobs"][job]["tasks"]}
            assert {t["task_key"] for t in started["tasks"]} == declared_tasks

    roots = [root_path(combo, target, user) for target in targets]
    assert leftovers(before, simulator.inventory(token), roots) == {}
    assert [r for r in simulator.requests(token) if r.status == 501] == []


def test_two_projects_share_one_workspace_without_colliding(rendered, simulator, tmp_path):
    """Two projects whose names differ only in "_" and "-", both in dev and staging of one workspace: nothing is
    shared, both replan clean with the other deployed, and destroying one leaves the other intact."""
    token = new_token()
    before = simulator.inventory(token)
    combos = [by_id(c) for c in SIDE_BY_SIDE]
    assert combos[0]["input_project_name"] != combos[1]["input_project_name"]
    deployments = {
        (c.id, target): Deployment(simulator, token, rendered(c).project, tmp_path / c.id, target)
        for c in combos
        for target in ("dev", "staging")
    }
    with ThreadPoolExecutor(max_workers=len(deployments)) as pool:
        list(pool.map(lambda d: d.ok("bundle", "deploy"), deployments.values()))
        summaries = dict(zip(deployments, pool.map(Deployment.summary, deployments.values()), strict=True))

    def names(project_id: str, kind: str, field: str) -> set[str]:
        return {
            str(r[field])
            for (p, _), summary in summaries.items()
            if p == project_id
            for r in summary["resources"][kind].values()
        }

    first, second = (c.id for c in combos)
    for kind, field in (("jobs", "name"), ("jobs", "id"), ("experiments", "name"), ("registered_models", "id")):
        assert names(first, kind, field).isdisjoint(names(second, kind, field)), kind
    roots = {key: s["workspace"]["root_path"] for key, s in summaries.items()}
    assert len(set(roots.values())) == len(roots)
    inventory = simulator.inventory(token)
    for kind, collection in (
        ("jobs", "Jobs"),
        ("experiments", "Experiments"),
        ("registered_models", "RegisteredModels"),
    ):
        assert set(inventory.collections[collection]) == names(first, kind, "id") | names(second, kind, "id")
    for deployment in deployments.values():
        assert set(deployment.plan_actions().values()) == {"skip"}, deployment.target

    for (project_id, _), deployment in deployments.items():
        if project_id == first:
            deployment.ok("bundle", "destroy", "--auto-approve")
    assert set(simulator.inventory(token).collections["Jobs"]) == names(second, "jobs", "id")
    for (project_id, _), deployment in deployments.items():
        if project_id == second:
            assert set(deployment.plan_actions().values()) == {"skip"}, deployment.target
            assert workspace_differences(simulator, token, summaries[(project_id, deployment.target)]) == []
            deployment.ok("bundle", "destroy", "--auto-approve")
    assert leftovers(before, simulator.inventory(token), list(roots.values())) == {}


def job_creates(simulator, token: str) -> list[int]:
    return [r.status for r in simulator.requests(token) if f"{r.method} {r.path}" == JOB_CREATE]


def deploy_then_verify_clean(deployment: Deployment, *extra: str) -> None:
    """Deploy succeeds, the plan is empty and the workspace holds each declared job exactly once."""
    deployment.ok("bundle", "deploy", *extra)
    assert set(deployment.plan_actions().values()) == {"skip"}
    summary = deployment.summary()
    jobs = {j["id"] for j in summary["resources"]["jobs"].values()}
    assert set(deployment.simulator.inventory(deployment.token).collections["Jobs"]) == jobs
    assert workspace_differences(deployment.simulator, deployment.token, summary) == []


def test_a_server_error_fails_the_deploy_with_the_apis_message_and_the_next_deploy_completes(
    rendered, simulator, tmp_path
):
    token = new_token()
    deployment = Deployment(simulator, token, rendered(by_id("defaults")).project, tmp_path, "staging")
    simulator.fault(token, JOB_CREATE, 500, FAULT_BODY[500])
    failed = deployment.run("bundle", "deploy")
    assert failed.returncode == 1
    assert "Error: cannot create resources.jobs." in failed.stderr
    assert "simulated outage (500 INTERNAL_ERROR)" in failed.stderr
    assert "Endpoint: POST" in failed.stderr and "/api/2.2/jobs/create" in failed.stderr
    # What did get created is in the deployment state: the plan creates only what is missing.
    pending = {key: a for key, a in deployment.plan_actions().items() if a != "skip"}
    assert pending and set(pending.values()) == {"create"}

    simulator.clear_fault(token, JOB_CREATE)
    deploy_then_verify_clean(deployment)
    deployment.ok("bundle", "destroy", "--auto-approve")


def test_rate_limited_job_creation_is_retried_by_the_cli_and_the_deploy_completes(rendered, simulator, tmp_path):
    """The SDK retries 429 (apierr IsRetriable) for up to 15 minutes in bundle commands (the CLI's
    bundle/config/workspace.go sets RetryTimeoutSeconds), so a burst of 429s delays the deploy without failing it."""
    token = new_token()
    deployment = Deployment(simulator, token, rendered(by_id("defaults")).project, tmp_path, "staging")
    simulator.fault(token, JOB_CREATE, 429, FAULT_BODY[429], times=2)
    deploy_then_verify_clean(deployment)
    statuses = job_creates(simulator, token)
    assert statuses[:2] == [429, 429] and statuses.count(200) == len(statuses) - 2
    deployment.ok("bundle", "destroy", "--auto-approve")


def cancel_like_a_ci_runner(proc: subprocess.Popen) -> None:
    """What a GitHub Actions runner does to a step of a cancelled run: SIGINT, SIGTERM after 7.5 s, and after 2.5 s
    more it kills the process (docs.github.com, "Workflow cancellation reference"). The CLI does not always stop
    on the first signal while the SDK waits between retries."""
    for sig, grace in ((signal.SIGINT, 7.5), (signal.SIGTERM, 2.5)):
        proc.send_signal(sig)
        try:
            proc.communicate(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
    proc.communicate(timeout=30)


def test_a_deploy_interrupted_while_rate_limited_is_recovered_with_force_lock(rendered, simulator, tmp_path):
    """Persistent 429s keep the CLI retrying (it would give up only after 15 minutes); an interrupted deploy (a
    cancelled CI run) leaves the target's deploy lock behind: the next deploy refuses until --force-lock, then
    completes with nothing duplicated."""
    token = new_token()
    deployment = Deployment(simulator, token, rendered(by_id("defaults")).project, tmp_path, "staging")
    simulator.fault(token, JOB_CREATE, 429, FAULT_BODY[429], times=10_000)
    env = cli_environment(simulator, deployment.home, token=token)
    proc = subprocess.Popen(
        [str(cli_path()), "bundle", "deploy", "-t", "staging"],
        cwd=deployment.workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while job_creates(simulator, token).count(429) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, "the deploy ended instead of retrying"
        time.sleep(0.2)
    assert job_creates(simulator, token).count(429) >= 3
    cancel_like_a_ci_runner(proc)
    assert proc.returncode != 0

    simulator.clear_fault(token, JOB_CREATE)
    locked = deployment.run("bundle", "deploy")
    assert locked.returncode == 1 and "deploy lock acquired by" in locked.stderr
    deploy_then_verify_clean(deployment, "--force-lock")
    deployment.ok("bundle", "destroy", "--auto-approve")
