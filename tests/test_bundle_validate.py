"""`databricks bundle validate --strict -o json` passes for every target of every rendered project, against the
workspace simulator (each target's own host is intercepted locally), and resolves to the values the answers ask for.

One validate run per (combination, target); the targets of a combination run in parallel threads.
"""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bundle_expectations import check_target, expected_hosts, is_promoting, readme_jobs, targets_of
from matrix import PROJECT_COMBINATIONS

from tooling.render import CliResult, run_cli
from tooling.simulator import new_token

PARTIAL_TARGET_ERROR = "no value assigned to required variable catalog_name"


def validate(project: Path, target: str, tmp: Path, workspace, token: str) -> tuple[CliResult, float]:
    """Validate a private copy (validate writes .databricks/), with a private CLI home and cache."""
    copy = tmp / target / "project"
    shutil.copytree(project, copy)
    started = time.monotonic()
    result = run_cli(
        ["bundle", "validate", "--strict", "-o", "json", "-t", target],
        workspace=workspace,
        home=tmp / target / "home",
        cwd=copy,
        token=token,
    )
    return result, time.monotonic() - started


def validate_all(project: Path, targets: list[str], tmp: Path, workspace, token: str) -> dict[str, CliResult]:
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        runs = dict(zip(targets, pool.map(lambda t: validate(project, t, tmp, workspace, token), targets), strict=True))
    print(f"{len(runs)} validate runs, {sum(s for _, s in runs.values()):.2f}s in total")
    return {t: r for t, (r, _) in runs.items()}


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_every_target_validates_strictly_with_the_answers_values(combo, rendered, simulator, tmp_path):
    project = rendered(combo)
    token = new_token()
    user = simulator.user_name(token)
    results = validate_all(project.project, targets_of(combo), tmp_path, simulator, token)

    # No errors, and no warnings or recommendations either (stderr carries every diagnostic).
    failures = {t: (r.returncode, r.stderr) for t, r in results.items() if r.returncode != 0 or r.stderr.strip()}
    assert failures == {}
    promised = readme_jobs(project.project)
    for target, result in results.items():
        check_target(combo, target, json.loads(result.stdout), user, promised)

    # Every call was one the simulator implements, and each target talked to its own host.
    served = simulator.requests(token)
    assert [r for r in served if r.status == 501] == []
    hosts_contacted = {r.host.split(":")[0] for r in served}
    for target in results:
        host = expected_hosts(combo)[target]
        if host:  # dev talks to the profile's workspace, here the simulator on 127.0.0.1
            assert urlparse(host).hostname in hosts_contacted, target


@pytest.mark.parametrize(
    "combo", [c for c in PROJECT_COMBINATIONS if c.setup == "Project_Only" and is_promoting(c)], ids=lambda c: c.id
)
def test_project_only_targets_named_by_resource_files_cannot_deploy_before_ci_cd_defines_them(
    combo, rendered, simulator, tmp_path
):
    """With deploy_models the resource files scope jobs to staging/test/prod, which a Project_Only bundle does not
    define yet: selecting one must fail rather than deploy somewhere with no catalog."""
    results = validate_all(rendered(combo).project, ["staging", "prod", "test"], tmp_path, simulator, new_token())
    assert {t: r.returncode for t, r in results.items()} == {"staging": 1, "prod": 1, "test": 1}
    assert all(PARTIAL_TARGET_ERROR in r.stderr for r in results.values())
