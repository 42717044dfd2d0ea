"""Every notebook is a Databricks source file that imports what it calls from the package."""

import ast
import importlib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The notebooks the jobs in resources/ run. Add yours here: the tests below check each one.
EXPECTED_NOTEBOOKS = {
    "deployment/batch_inference/notebooks/BatchInference.py",
    "deployment/model_deployment/notebooks/ModelDeployment.py",
    "monitoring/notebooks/MonitoredMetricViolationCheck.py",
    "monitoring/notebooks/UpdateMonitor.py",
    "training/notebooks/Train.py",
    "validation/notebooks/ModelValidation.py",
}
PACKAGE = "my_mlops_project"


def found_notebooks() -> set[str]:
    return {
        path.relative_to(PROJECT_ROOT).as_posix()
        for pattern in ("*/notebooks/*.py", "*/*/notebooks/*.py")
        for path in PROJECT_ROOT.glob(pattern)
    }


def package_imports(notebook: str) -> list[tuple[str, list[str]]]:
    """(module, names) of every `from <package>... import ...` in the notebook."""
    tree = ast.parse((PROJECT_ROOT / notebook).read_text())
    return [
        (node.module, [alias.name for alias in node.names])
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE
    ]


def test_the_notebooks_found_are_exactly_the_expected_ones():
    assert found_notebooks() == EXPECTED_NOTEBOOKS


def test_every_notebook_is_a_databricks_source_file():
    for notebook in sorted(found_notebooks()):
        text = (PROJECT_ROOT / notebook).read_text()
        assert text.startswith("# Databricks notebook source\n"), notebook
        assert "\n\n# COMMAND ----------\n\n" in text, notebook


def test_every_notebook_imports_what_it_calls_from_the_installed_package():
    for notebook in sorted(found_notebooks()):
        # The package comes from the job's environment: no import path to set up, no `sys`.
        tree = ast.parse((PROJECT_ROOT / notebook).read_text())
        assert not any(
            isinstance(node, ast.Import) and any(a.name == "sys" for a in node.names)
            for node in ast.walk(tree)
        ), notebook
        imports = package_imports(notebook)
        assert imports, f"{notebook} calls nothing in {PACKAGE}"
        for module, names in imports:
            imported = importlib.import_module(module)
            missing = [name for name in names if not hasattr(imported, name)]
            assert missing == [], f"{notebook}: {module} has no {missing}"
