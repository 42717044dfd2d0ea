"""Real linters accept every generated pipeline of every combination.

Each validator runs once over the files of all combinations (not once per file), and prints how many files it
checked. A second test per validator feeds it a deliberately broken file, to prove that the harness notices a
failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cicd_expectations import SHELLCHECK, gitlab_job_scripts, platform_family
from matrix import CICD_COMBINATIONS

from tooling.paths import TOOLS_BIN

VENV_BIN = Path(sys.executable).parent
ACTIONLINT = TOOLS_BIN / "actionlint"
CHECK_JSONSCHEMA = VENV_BIN / "check-jsonschema"
ZIZMOR = VENV_BIN / "zizmor"

SCHEMA_ARGS = {
    "github": ["--builtin-schema", "vendor.github-workflows"],
    "azure_devops": [
        "--builtin-schema",
        "vendor.azure-pipelines",
        "--data-transform",
        "azure-pipelines",
        "--regex-variant",
        "nonunicode",
    ],
    "gitlab": ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"],
}
PIPELINE_FOLDERS = {
    "github": ".github/workflows",
    "azure_devops": ".azure/devops-pipelines",
    "gitlab": ".gitlab/pipelines",
}


def pipeline_files(rendered, family: str) -> list[Path]:
    """Every pipeline YAML file of the given platform family, over all combinations."""
    files: list[Path] = []
    for combo in CICD_COMBINATIONS:
        if platform_family(combo["input_cicd_platform"]) != family:
            continue
        folder = rendered(combo).root / PIPELINE_FOLDERS[family]
        files += sorted(folder.glob("*.yml")) if folder.is_dir() else []
    return files


def run(
    tool: str, command: list, files: list[Path], cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    started = time.monotonic()
    result = subprocess.run(
        [str(c) for c in command] + [str(f) for f in files],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
    print(f"{tool}: checked {len(files)} files in {time.monotonic() - started:.1f} s")
    return result


def test_actionlint_accepts_every_github_workflow(rendered):
    files = pipeline_files(rendered, "github")
    assert len(files) >= 100
    # With shellcheck on PATH, actionlint also checks every `run:` script with it.
    env = {**os.environ, "PATH": f"{SHELLCHECK.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    result = run("actionlint", [ACTIONLINT, "-no-color"], files, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_accepts_every_generated_shell_script(rendered, tmp_path):
    """The GitLab image script, and each GitLab job's script lines as the runner's shell gets them."""
    scripts = [
        rendered(c).root / ".gitlab/docker/push_image_to_gitlab.sh"
        for c in CICD_COMBINATIONS
        if c["input_cicd_platform"] == "gitlab"
    ]
    scripts += gitlab_job_scripts(pipeline_files(rendered, "gitlab"), tmp_path)
    assert len(scripts) >= 30
    result = run("shellcheck", [SHELLCHECK], scripts)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("family", ["github", "azure_devops", "gitlab"])
def test_check_jsonschema_accepts_every_pipeline(family, rendered):
    files = pipeline_files(rendered, family)
    assert len(files) >= 20
    result = run(f"check-jsonschema {family}", [CHECK_JSONSCHEMA, *SCHEMA_ARGS[family]], files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_any_github_workflow(rendered, tmp_path):
    files = pipeline_files(rendered, "github")
    # zizmor reads its configuration from the working directory's parents: run it from an empty folder.
    result = run("zizmor", [ZIZMOR, "--offline", "--no-progress", "--format", "plain"], files, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def _broken_copy(source: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text
    copy = tmp_path / source.parent.name / source.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(text.replace(old, new, 1))
    return copy


@pytest.fixture
def a_full_render(rendered):
    def _get(family: str):
        combo = next(
            c for c in CICD_COMBINATIONS if c.has_project and platform_family(c["input_cicd_platform"]) == family
        )
        return combo, rendered(combo)

    return _get


def test_the_validators_reject_broken_pipelines(a_full_render, tmp_path):
    combo, github = a_full_render("github")
    workflow = github.root / f".github/workflows/{combo['input_project_name']}-bundle-cd-staging.yml"
    no_runner = _broken_copy(workflow, tmp_path / "a", "runs-on: ubuntu-latest", "runs-on: [")
    assert run("actionlint", [ACTIONLINT, "-no-color"], [no_runner]).returncode != 0
    bad_key = _broken_copy(workflow, tmp_path / "b", "timeout-minutes:", "timeout-minutez:")
    assert run("check-jsonschema", [CHECK_JSONSCHEMA, *SCHEMA_ARGS["github"]], [bad_key]).returncode != 0
    unpinned = _broken_copy(
        workflow,
        tmp_path / "c",
        "databricks/setup-cli@8b7b124dc4f5b9621e959ea61cf4d3dd4e421f67",
        "databricks/setup-cli@main",
    )
    zizmor = run("zizmor", [ZIZMOR, "--offline", "--no-progress"], [unpinned], cwd=tmp_path)
    assert zizmor.returncode != 0
    combo, ado = a_full_render("azure_devops")
    pipeline = ado.root / f".azure/devops-pipelines/{combo['input_project_name']}-bundle-cicd.yml"
    bad_stage = _broken_copy(pipeline, tmp_path / "d", "displayName: Deploy to staging", "displayname: x")
    assert run("check-jsonschema", [CHECK_JSONSCHEMA, *SCHEMA_ARGS["azure_devops"]], [bad_stage]).returncode != 0
    combo, gitlab = a_full_render("gitlab")
    child = gitlab.root / f".gitlab/pipelines/{combo['input_project_name']}-bundle-cd-staging.yml"
    bad_job = _broken_copy(child, tmp_path / "e", "    name: staging", "    nam: staging")
    assert run("check-jsonschema", [CHECK_JSONSCHEMA, *SCHEMA_ARGS["gitlab"]], [bad_job]).returncode != 0


def test_the_validators_are_installed():
    for tool in (ACTIONLINT, CHECK_JSONSCHEMA, ZIZMOR, SHELLCHECK):
        assert tool.exists() or shutil.which(tool.name), tool
