"""This repository's own entry points: the README's two commands, .ci/run and the pull-request workflow."""

from __future__ import annotations

import re
import subprocess

import yaml

from tooling.paths import REPO_ROOT, TOOLS_BIN

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "tests.yml"


def quick_start_commands() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the Quick start has exactly one code block"
    return blocks[0].strip().splitlines()


def test_quick_start_is_two_commands_that_exist():
    commands = quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        script = REPO_ROOT / command.split()[0]
        assert script.is_file() and script.stat().st_mode & 0o111, command


def test_ci_runs_exactly_the_readme_test_command():
    run = [
        line.strip()
        for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))
    ]
    assert run == [quick_start_commands()[1]]


def test_pull_request_workflow_runs_the_test_command_with_pinned_actions_and_read_only_token():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "pull_request" in workflow[True]  # YAML reads the `on:` key as True
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["tests"]["steps"]
    assert [s["run"] for s in steps if "run" in s] == [quick_start_commands()[1]]
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    assert re.search(r"uses: \S+@[0-9a-f]{40} # v\d+\.\d+\.\d+", WORKFLOW.read_text())


def test_pull_request_workflow_passes_actionlint_and_zizmor():
    subprocess.run([str(TOOLS_BIN / "actionlint"), str(WORKFLOW)], check=True)
    zizmor = REPO_ROOT / ".venv" / "bin" / "zizmor"
    proc = subprocess.run([str(zizmor), "--offline", str(WORKFLOW)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_repository_python_is_ruff_clean():
    ruff = REPO_ROOT / ".venv" / "bin" / "ruff"
    for args in (["check"], ["format", "--check"]):
        proc = subprocess.run([str(ruff), *args, "tooling", "tests"], cwd=REPO_ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
