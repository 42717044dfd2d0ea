"""The pinned Databricks CLI: one version, installed for real, agreed on everywhere."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from tooling.paths import REPO_ROOT, TEMPLATE_SCHEMA
from tooling.render import cli_path, render
from tooling.versions import pinned_cli_version, pinned_go_sdk_version


def test_installed_cli_reports_the_pinned_version():
    out = subprocess.run([str(cli_path()), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"Databricks CLI {pinned_cli_version()}"


def test_schema_requires_the_pinned_version():
    schema = json.loads(TEMPLATE_SCHEMA.read_text())
    assert schema["min_databricks_cli_version"] == pinned_cli_version()


def test_min_cli_version_is_enforced_by_the_installed_build(tmp_path, simulator, cli_home):
    """A source build without a stamped version skips the check; ours must refuse a newer minimum."""
    template = tmp_path / "template-needing-newer-cli"
    shutil.copytree(REPO_ROOT / "library", template / "library")
    (template / "template").mkdir()
    schema = json.loads(TEMPLATE_SCHEMA.read_text())
    schema["min_databricks_cli_version"] = "v99.0.0"
    (template / "databricks_template_schema.json").write_text(json.dumps(schema))
    result = render({}, tmp_path / "out", workspace=simulator, home=cli_home, template_dir=template)
    assert result.returncode != 0
    assert (
        f'minimum CLI version "v99.0.0" is greater than current CLI version "{pinned_cli_version()}"' in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_installer_is_idempotent_and_fast_on_second_run():
    """The test command already installed the tools; installing again must not rebuild (no 'Building' line)."""
    proc = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "python"), "-m", "tooling.install_tools"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Building" not in proc.stderr
    assert "databricks" in proc.stdout or "cli:" in proc.stdout


def test_installer_explains_a_missing_go(tmp_path):
    """With no `go` on PATH and nothing cached, the installer stops with a clear message."""
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path), "MLOPS_STACKS_CACHE_DIR": str(tmp_path / "cache")}
    code = (
        "import sys; from tooling import install_tools as t\n"
        "from pathlib import Path\n"
        "try:\n    t.build(t.databricks_cli(), Path(sys.argv[1]))\n"
        "except t.ToolInstallError as e:\n    print(e)\n"
    )
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "cli")], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert "Go is required" in proc.stdout and "go` is not on PATH" in proc.stdout


def test_the_go_sdk_version_is_the_one_the_pinned_cli_requires():
    # The CLI's own go.mod, from the module cache that `go install` of the pinned CLI filled.
    gomodcache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    go_mod = Path(gomodcache) / f"github.com/databricks/cli@{pinned_cli_version()}/go.mod"
    required = re.search(r"^\s*github.com/databricks/databricks-sdk-go (v\S+)", go_mod.read_text(), re.M)
    assert required and required[1] == pinned_go_sdk_version()
