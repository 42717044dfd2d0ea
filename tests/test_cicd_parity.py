"""The three CI/CD platforms do the same things.

Each platform's pipelines are reduced to the same model: for each event (a pull request into a branch, or a
change reaching a branch), the chains of commands that run, where a chain is one job's commands preceded by
those of the jobs it waits for (`pytest`, or a `databricks bundle` command with its target). The model is then
compared across platforms and with what the generated root README ("How a change reaches production") says
CI/CD does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from cicd_expectations import platform_family, runs_after_deploy, script_commands
from matrix import CICD_COMBINATIONS, Combination

FULL = [c for c in CICD_COMBINATIONS if c.has_project]

Chain = tuple[tuple[str, ...], ...]
Flows = dict[tuple[str, str], frozenset]


def chain_of(jobs: dict[str, list[tuple[str, ...]]], depends: dict[str, list[str]], job: str) -> Chain:
    """A job's commands preceded by those of the jobs it waits for, transitively."""
    before: list[tuple[str, ...]] = []
    for dep in depends.get(job, []):
        before.extend(chain_of(jobs, depends, dep))
    return (*before, *jobs[job])


def chains(jobs: dict[str, list[tuple[str, ...]]], depends: dict[str, list[str]]) -> set[Chain]:
    """The chain of every job that runs a tracked command."""
    return {chain_of(jobs, depends, job) for job, commands in jobs.items() if commands}


def _yaml(path: Path):
    return yaml.safe_load(path.read_text())


def github_flows(root: Path, name: str) -> dict[tuple[str, str], set[Chain]]:
    flows: dict[tuple[str, str], set[Chain]] = defaultdict(set)
    for suffix in ("run-tests", "bundle-ci", "bundle-cd-staging", "bundle-cd-prod"):
        workflow = _yaml(root / f".github/workflows/{name}-{suffix}.yml")
        on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
        events = [("pull_request", b) for b in on.get("pull_request", {}).get("branches", [])]
        events += [("push", b) for b in on.get("push", {}).get("branches", [])]
        jobs = {
            key: [c for step in job["steps"] for c in script_commands(step.get("run", ""))]
            for key, job in workflow["jobs"].items()
        }
        needs = {
            key: ([job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []))
            for key, job in workflow["jobs"].items()
        }
        for event in events:
            flows[event] |= chains(jobs, needs)
    return flows


def azure_devops_flows(root: Path, name: str) -> dict[tuple[str, str], set[Chain]]:
    flows: dict[tuple[str, str], set[Chain]] = defaultdict(set)
    for suffix in ("tests-ci", "bundle-cicd"):
        pipeline = _yaml(root / f".azure/devops-pipelines/{name}-{suffix}.yml")
        pr_branches = pipeline.get("pr", {}).get("branches", {}).get("include", [])
        stages = pipeline["stages"]
        jobs: dict[str, list[tuple[str, ...]]] = {}
        depends: dict[str, list[str]] = {}
        stage_jobs: dict[str, list[str]] = {}
        for i, stage in enumerate(stages):
            stage_deps = stage.get("dependsOn", [stages[i - 1]["stage"]] if i else [])
            stage_deps = [stage_deps] if isinstance(stage_deps, str) else stage_deps
            stage_jobs[stage["stage"]] = []
            for job in stage["jobs"]:
                key = f"{stage['stage']}.{job['job']}"
                stage_jobs[stage["stage"]].append(key)
                jobs[key] = [c for step in job["steps"] for c in script_commands(step.get("script", ""))]
                depends[key] = [k for dep in stage_deps for k in stage_jobs[dep]]
        for stage in stages:
            condition = stage.get("condition", "")
            keys = stage_jobs[stage["stage"]]
            stage_chains = {chain_of(jobs, depends, k) for k in keys if jobs[k]}
            if "'PullRequest'" in condition and condition.startswith("eq("):
                events = [("pull_request", b) for b in pr_branches]
            elif "refs/heads/" in condition:
                events = [("push", b) for b in re.findall(r"'refs/heads/([^']+)'", condition)]
            else:  # no condition: runs for the pipeline's triggers, here pull requests only
                assert pipeline.get("trigger") == "none", f"{suffix}: unconditional stage on a branch trigger"
                events = [("pull_request", b) for b in pr_branches]
            for event in events:
                flows[event] |= stage_chains
    return flows


def gitlab_flows(root: Path, name: str) -> dict[tuple[str, str], set[Chain]]:
    flows: dict[tuple[str, str], set[Chain]] = defaultdict(set)
    triggers = _yaml(root / f".gitlab/pipelines/{name}-triggers-cicd.yml")
    for job in triggers.values():
        if not isinstance(job, dict) or "trigger" not in job:
            continue
        events = []
        for rule in job["rules"]:
            condition = rule["if"]
            if '$CI_PIPELINE_SOURCE == "merge_request_event"' in condition:
                events += [
                    ("pull_request", b)
                    for b in re.findall(r'\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "([^"]+)"', condition)
                ]
            elif '$CI_PIPELINE_SOURCE == "push"' in condition:
                events += [("push", b) for b in re.findall(r'\$CI_COMMIT_BRANCH == "([^"]+)"', condition)]
        child = _yaml(root / job["trigger"]["include"])
        stages = child["stages"]
        child_jobs = {k: v for k, v in child.items() if isinstance(v, dict) and "script" in v}
        jobs = {k: [c for line in v["script"] for c in script_commands(line)] for k, v in child_jobs.items()}
        depends = {}
        for k, v in child_jobs.items():
            if "needs" in v:
                depends[k] = list(v["needs"])
            else:  # without `needs`, a job waits for every job of the earlier stages
                earlier = stages[: stages.index(v["stage"])]
                depends[k] = [o for o, ov in child_jobs.items() if ov["stage"] in earlier]
        for event in events:
            flows[event] |= chains(jobs, depends)
    return flows


READERS = {"github": github_flows, "azure_devops": azure_devops_flows, "gitlab": gitlab_flows}


def normalised_flows(c: Combination, root: Path) -> Flows:
    """The flows with branch names replaced by their role, so that renders with other answers compare."""
    role = {c["input_default_branch"]: "default", c["input_release_branch"]: "release"}
    raw = READERS[platform_family(c["input_cicd_platform"])](root, c["input_project_name"])
    return {(event, role[branch]): frozenset(found) for (event, branch), found in raw.items()}


def contract_flows(c: Combination) -> Flows:
    """What CI/CD must do, as the generated root README describes it."""
    integration = [("validate", "test"), ("deploy", "test")]
    if c["input_include_feature_store"] == "yes":
        integration.append(("run write_feature_table_job", "test"))
    integration.append(("run model_training_job", "test"))
    prod = [("validate", "prod"), ("deploy", "prod"), *runs_after_deploy(c, "prod")]
    staging = [("validate", "staging"), ("deploy", "staging"), *runs_after_deploy(c, "staging")]
    return {
        ("pull_request", "default"): frozenset(
            {
                (("pytest",),),
                (("pytest",), *integration),
                (("validate", "staging"),),
                (("validate", "prod"),),
            }
        ),
        ("push", "default"): frozenset({tuple(staging)}),
        ("push", "release"): frozenset({tuple(prod)}),
    }


@pytest.mark.parametrize("combo", FULL, ids=lambda c: c.id)
def test_pipelines_do_what_the_contract_says(combo, rendered):
    assert normalised_flows(combo, rendered(combo).root) == contract_flows(combo)


def _group_key(c: Combination) -> tuple[str, ...]:
    return (c["input_cloud"], c["input_include_feature_store"], c["input_deployment_pattern"])


GROUPS: dict[tuple[str, ...], list[Combination]] = defaultdict(list)
for _c in FULL:
    GROUPS[_group_key(_c)].append(_c)


@pytest.mark.parametrize("key", sorted(GROUPS), ids=lambda k: "-".join(k))
def test_every_platform_runs_the_same_commands_for_the_same_events(key, rendered):
    combos = GROUPS[key]
    assert {platform_family(c["input_cicd_platform"]) for c in combos} == {"github", "azure_devops", "gitlab"}
    by_platform = {c["input_cicd_platform"]: normalised_flows(c, rendered(c).root) for c in combos}
    reference = by_platform["github_actions"]
    for platform, found in by_platform.items():
        assert found == reference, platform


def test_the_model_sees_a_missing_step():
    """The reduction is sensitive: dropping one job's command changes the flows."""
    jobs = {"unit": [("pytest",)], "integration": [("validate", "test"), ("deploy", "test")]}
    full = chains(jobs, {"integration": ["unit"]})
    jobs["integration"] = [("validate", "test")]
    assert chains(jobs, {"integration": ["unit"]}) != full
    assert script_commands("cd x\ndatabricks bundle run model_training_job -t test --refresh-all") == [
        ("run model_training_job", "test")
    ]
