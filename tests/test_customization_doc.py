"""CUSTOMIZATION.md stays true: every path it names exists, every command it shows works."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys

import pytest
from matrix import by_id

from tooling.paths import REPO_ROOT

DOC = REPO_ROOT / "CUSTOMIZATION.md"
TEXT = DOC.read_text()
# Renders whose files, together, are every file the template can generate for a project (feature store,
# promotion) and every CI/CD platform.
RENDERS = ["full-azure-gha-fs-models", "full-aws-ado-nofs-code", "full-gcp-gitlab-fs-code", "defaults_serving"]
PATH_SUFFIXES = (".md", ".py", ".json", ".tmpl", ".yml", ".yaml", ".toml", ".sh", ".gz", ".txt", ".parquet")


def inline_code() -> list[str]:
    without_blocks = re.sub(r"```.*?```", "", TEXT, flags=re.DOTALL)
    return re.findall(r"`([^`\n]+)`", without_blocks)


def named_paths() -> list[str]:
    paths = []
    for span in inline_code():
        if " " in span or span.startswith(("{{", "<", "$", "-", "http", "~")) or "{{tasks" in span:
            continue
        if re.fullmatch(r"\.[a-z]+", span) and span.endswith(PATH_SUFFIXES):
            continue  # a file extension, not a path
        if "/" in span or span.endswith(PATH_SUFFIXES):
            # A placeholder such as `src/<package>/` stands for any name there.
            paths.append(re.sub(r"<[^>/]+>", "*", span).removeprefix("./").rstrip("/"))
    return sorted(set(paths))


def made_by_our_scripts(path: str) -> bool:
    """Git-ignored outputs of the README commands (.venv, .tools, example): named, but not committed.

    They may not exist yet (CI runs the suite without the example command first), and a directory-only
    ignore rule such as `/example/` matches a missing path only when it is asked about as a folder.
    """
    return any(
        subprocess.run(["git", "check-ignore", "-q", "--no-index", candidate], cwd=REPO_ROOT).returncode == 0
        for candidate in (path, path + "/")
    )


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", TEXT, flags=re.DOTALL)


def repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return [f for f in listed if f and (REPO_ROOT / f).exists()]


def test_the_guide_names_paths_and_runs_commands():
    assert len(named_paths()) > 30 and len(bash_blocks()) >= 5


def test_every_named_path_exists(rendered):
    candidates = set(repository_files())
    candidates |= {str(p.relative_to(REPO_ROOT)) for p in REPO_ROOT.rglob("*") if p.is_dir() and ".git" not in p.parts}
    for combo_id in RENDERS:
        project = rendered(by_id(combo_id))
        for rel in project.files():
            candidates.add(rel)
            for folder in (project.root, project.project):
                path = project.output / rel
                if folder in path.parents:
                    candidates.add(path.relative_to(folder).as_posix())
                    candidates |= {p.relative_to(folder).as_posix() for p in path.parents if folder in p.parents}
    missing = [
        p
        for p in named_paths()
        if not any(fnmatch.fnmatch(c, p) or fnmatch.fnmatch(c, "*/" + p) for c in candidates)
        and not made_by_our_scripts(p)
    ]
    assert missing == []


def test_every_inline_command_exists():
    for span in inline_code():
        if span.startswith("./scripts/"):
            script = REPO_ROOT / span.split()[0]
            assert script.is_file() and os.access(script, os.X_OK), span
        elif span.startswith("python -m tooling."):
            module = span.split()[2]
            assert (REPO_ROOT / (module.replace(".", "/") + ".py")).is_file(), span


@pytest.fixture
def sandbox(tmp_path):
    """A scratch copy of the repository (committed, so git commands work), sharing the built tools and venv."""
    copy = tmp_path / "repo"
    for rel in repository_files():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, copy / rel)
    for shared in (".venv", ".tools"):
        (copy / shared).symlink_to(REPO_ROOT / shared)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    subprocess.run([*git, "commit", "-qm", "scratch"], cwd=copy, check=True)
    return copy


def test_every_bash_block_runs(sandbox):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{sandbox / '.venv' / 'bin'}:{os.environ['PATH']}"
    for block in bash_blocks():
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block], cwd=sandbox, env=env, capture_output=True, text=True, timeout=900
        )
        assert proc.returncode == 0, f"{block}\n--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    assert sys.executable  # the blocks ran with the repository's test environment
