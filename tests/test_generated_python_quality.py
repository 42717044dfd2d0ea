"""Every rendered project's Python is lint-clean and formatted (ruff, with the project's own configuration in
its pyproject.toml, at its own line length), its notebooks are Databricks source files, its doc links point to
the chosen cloud's documentation, and its requirements are pinned."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from generated_code import CELL_SEPARATOR, NOTEBOOK_HEADER, notebooks
from matrix import PROJECT_COMBINATIONS

RUFF = Path(sys.executable).with_name("ruff")
DOC_SITES = {
    "aws": "https://docs.databricks.com/",
    "gcp": "https://docs.gcp.databricks.com/",
    "azure": "https://learn.microsoft.com/azure/databricks/",
}
PINNED = re.compile(r"^[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*$")


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), *args, "--no-cache", "."], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_ruff_check_and_format_pass(combo, rendered, tmp_path):
    # Copy the project out of the output tree so no configuration around it (or in this repo) applies.
    project = shutil.copytree(rendered(combo).project, tmp_path / "project")
    config = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["ruff"]
    assert config["line-length"] and "E501" in config["lint"]["extend-select"]  # lines fit the project's length
    check = ruff("check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = ruff("format", "--check", cwd=project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_notebooks_are_databricks_source_files(combo, rendered):
    found = notebooks(rendered(combo).project)
    assert len(found) >= 6
    for notebook in found:
        text = notebook.read_text()
        assert text.startswith(NOTEBOOK_HEADER), notebook
        assert CELL_SEPARATOR in text, notebook
        # Markdown cells are MAGIC comments; no %run, %cd or %sh: modules are imported from the package.
        assert not re.search(r"^# MAGIC %(run|cd|sh)\b", text, re.MULTILINE), notebook


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_every_notebook_first_installs_the_project_then_restarts_python(combo, rendered):
    """Serverless notebook tasks get their libraries from the notebook (no job environment): the first code cell
    is `%pip install` of the project folder (relative to the notebook's folder, its working directory on
    Databricks), the next restarts Python, and only then does the notebook import anything."""
    project = rendered(combo).project
    for notebook in notebooks(project):
        cells = notebook.read_text().removeprefix(NOTEBOOK_HEADER).split(CELL_SEPARATOR)
        install, restart = cells[1].strip().splitlines(), cells[2].strip()
        assert len(install) == 1 and install[0].startswith("# MAGIC %pip install --quiet "), (notebook, install)
        target = install[0].rsplit(" ", 1)[1]
        assert (notebook.parent / target).resolve() == project.resolve(), (notebook, target)
        assert restart.endswith("dbutils.library.restartPython()"), (notebook, restart)
        assert "import" not in cells[1] and restart.count("import") == 1, notebook  # imports come after the restart
        assert sum(c.count("%pip") for c in cells) == 1, notebook


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_doc_links_point_to_the_chosen_clouds_documentation(combo, rendered):
    project = rendered(combo).project
    cloud = combo["input_cloud"]
    linked = other = 0
    for path in [*project.rglob("*.py"), *project.rglob("*.md")]:
        text = path.read_text()
        linked += text.count(DOC_SITES[cloud])
        other += sum(text.count(site) for c, site in DOC_SITES.items() if c != cloud)
    assert linked >= 8 and other == 0


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_requirements_are_pinned_for_the_serverless_environment_and_local_tests(combo, rendered):
    project = rendered(combo).project
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    runtime, dev = metadata["dependencies"], metadata["optional-dependencies"]["dev"]
    assert all(PINNED.match(line) for line in [*runtime, *dev]), [*runtime, *dev]
    requirements = dict(line.split("==") for line in [*runtime, *dev])
    assert requirements["mlflow"].startswith("3.")
    assert int(requirements["pandas"].split(".")[0]) < 3  # pandas 3 warns on every PySpark conversion
    assert requirements["pyspark"].startswith("4.2.")
    assert {"lightgbm", "databricks-sdk", "scikit-learn", "pytest"} <= set(requirements)
    # Spark comes from the Databricks runtime there: it must not be in the job environment.
    assert not any(line.startswith("pyspark") for line in runtime)
    # The jobs' serverless environment (version 5) runs Python 3.12.
    assert metadata["requires-python"] == ">=3.12"
