"""The generated project is a Python package: the notebooks import it without touching sys.path, and the wheel that
each notebook's `%pip install` of the project folder builds installs on its own and provides every module.

The fast tests read the rendered files of every combination. The slow tier builds the wheel of each representative
render with `pip wheel`, as `%pip install` does, installs it with `pip install --no-deps --target` into a
clean folder (its dependencies come from the cached project virtualenv), imports every module from there, and runs
each notebook's imports of the package from a folder one level deeper than the notebook's own.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from generated_code import module_name, notebooks, package_dir
from matrix import PROJECT_COMBINATIONS, REPRESENTATIVE, by_id

from tooling.example import pipeline_env

# Imports every module named in argv[2] and prints where each came from; then, for each (folder, imports) of
# argv[3], imports the package afresh from that folder.
IMPORT_CHECK = """
import importlib, json, os, sys
package, modules, plan = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
files = {name: importlib.import_module(name).__file__ for name in modules}
for folder, imports in plan:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    os.chdir(folder)
    exec(imports, {})
print(json.dumps({"files": files, "notebooks": len(plan)}))
"""
FE_GUARD = """
import sys
class _NoFeatureEngineering:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[:2] == ["databricks", "feature_engineering"]:
            raise ImportError(f"{name} imported by a project without the feature store")
sys.meta_path.insert(0, _NoFeatureEngineering())
"""


def package_imports(notebook: Path, package: str) -> list[ast.ImportFrom]:
    tree = ast.parse(notebook.read_text())
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == package
    ]


def defined_names(module: Path) -> set[str]:
    """Top-level functions, classes, assignments and imports of a module."""
    names: set[str] = set()
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_notebooks_import_what_the_package_defines_without_touching_sys_path(combo, rendered):
    project = rendered(combo).project
    package = combo.derived["project_package"]
    problems = []
    for notebook in notebooks(project):
        where = notebook.relative_to(project).as_posix()
        if "sys.path" in notebook.read_text():
            problems.append(f"{where}: touches sys.path")
        imports = package_imports(notebook, package)
        if not imports:
            problems.append(f"{where}: imports nothing from {package}")
        for node in imports:
            module = project / "src" / Path(*node.module.split("."))
            source = module.with_suffix(".py") if module.with_suffix(".py").is_file() else module / "__init__.py"
            if not source.is_file():
                problems.append(f"{where}: no module {node.module}")
                continue
            missing = {a.name for a in node.names} - defined_names(source)
            if missing:
                problems.append(f"{where}: {node.module} defines no {sorted(missing)}")
    assert problems == []


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_the_package_imports_itself_relatively_so_its_code_needs_no_template(combo, rendered):
    """Inside src/<package>/, modules import each other with relative imports: no file there spells the package
    name, so the package's code is plain Python in the template, whatever the project is called."""
    package = package_dir(rendered(combo).project)
    spelled = [p.name for p in package.rglob("*.py") if f"{package.name}." in p.read_text()]
    assert spelled == []


def build_wheel(project: Path, python: Path) -> Path:
    """Build the wheel that a notebook's `%pip install` of the project folder builds, with `python`'s venv."""
    env = pipeline_env() | {"PATH": os.pathsep.join([str(python.parent), os.environ["PATH"]])}
    command = [str(python), "-m", "pip", "wheel", "--no-deps", "--wheel-dir", "dist", "."]
    proc = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    (wheel,) = (project / "dist").glob("*.whl")
    return wheel


@pytest.mark.slow
@pytest.mark.parametrize("combination_id", [cid for cid, _ in REPRESENTATIVE])
def test_the_wheel_builds_installs_alone_and_provides_every_module(combination_id, rendered, project_python, tmp_path):
    combo = by_id(combination_id)
    project = Path(shutil.copytree(rendered(combo).project, tmp_path / "project"))
    wheel = build_wheel(project, project_python)
    package = combo.derived["project_package"]
    files = sorted(p.relative_to(project / "src").as_posix() for p in (project / "src" / package).rglob("*.*"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert sorted(n for n in names if not n.split("/")[0].endswith(".dist-info")) == files
    sources = [f for f in files if f.endswith(".py")]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as archive:
        requires = [line for line in archive.read(metadata).decode().splitlines() if line.startswith("Requires-Dist")]
    assert any("mlflow==" in line for line in requires)

    target = tmp_path / "installed"
    install = [str(project_python), "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)]
    proc = subprocess.run(install, env=pipeline_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]

    # Every module, imported from the installed copy (not from src/), from a folder unrelated to the project; and
    # each notebook's imports of the package from a folder one level deeper than the notebook's own: a notebook
    # finds the installed wheel wherever it is, no path leads to the package.
    modules = sorted({module_name(Path(p)) for p in (f"src/{s}" for s in sources)} - {f"{package}.local.__main__"})
    plan = []
    for notebook in notebooks(project):
        deeper = tmp_path / "moved" / notebook.parent.relative_to(project) / "deeper"
        deeper.mkdir(parents=True, exist_ok=True)
        moved = Path(shutil.copy(notebook, deeper / notebook.name))
        plan.append((str(deeper), "\n".join(ast.unparse(node) for node in package_imports(moved, package))))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = IMPORT_CHECK
    if combo["input_include_feature_store"] == "no":
        script = FE_GUARD + script  # a project without the feature store never imports its client
    env = pipeline_env() | {"PYTHONPATH": str(target), "SPARK_LOCAL_IP": "127.0.0.1"}
    proc = subprocess.run(
        [str(project_python), "-c", script, package, json.dumps(modules), json.dumps(plan)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(result["files"]) == modules
    assert all(Path(f).is_relative_to(target) for f in result["files"].values()), result["files"]
    assert result["notebooks"] == len(plan) >= 6
