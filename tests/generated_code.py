"""Reading generated Python: notebook widgets and task values, imports, module-level constants.

Parsed with `ast` from the rendered files, so the tests see what Python would see."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

NOTEBOOK_HEADER = "# Databricks notebook source\n"
CELL_SEPARATOR = "\n# COMMAND ----------\n"


@dataclass(frozen=True)
class Widget:
    kind: str  # "text" or "dropdown"
    default: str
    choices: tuple[str, ...] = ()


def _calls(tree: ast.AST, dotted: str) -> list[ast.Call]:
    """Every call of `dotted` (e.g. "dbutils.widgets.text") in `tree`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == dotted:
            found.append(node)
    return found


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def widgets(path: Path) -> dict[str, Widget]:
    """The widgets a notebook declares, by name."""
    tree = parse(path)
    result: dict[str, Widget] = {}
    for kind in ("text", "dropdown"):
        for call in _calls(tree, f"dbutils.widgets.{kind}"):
            name, default = (ast.literal_eval(a) for a in call.args[:2])
            choices = tuple(ast.literal_eval(call.args[2])) if kind == "dropdown" else ()
            assert name not in result, f"{path}: widget {name} declared twice"
            result[name] = Widget(kind, default, choices)
    return result


def widgets_read(path: Path) -> set[str]:
    return {ast.literal_eval(c.args[0]) for c in _calls(parse(path), "dbutils.widgets.get")}


def task_values_set(path: Path) -> set[str]:
    return {ast.literal_eval(c.args[0]) for c in _calls(parse(path), "dbutils.jobs.taskValues.set")}


def module_name(path: Path) -> str | None:
    """The dotted name of a module under a project's `src/` folder (None elsewhere)."""
    parts = path.with_suffix("").parts
    if "src" not in parts:
        return None
    name = parts[len(parts) - parts[::-1].index("src") :]
    return ".".join(name[:-1] if name[-1] == "__init__" else name)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (for `from a.b import c`: "a.b"); relative imports of a module in a
    project's `src/` are resolved to absolute names."""
    modules = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            package = module_name(path)
            assert package, f"{path}: relative import outside src/"
            if path.name != "__init__.py":
                package = package.rpartition(".")[0]
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            modules.add(".".join([*base, *([node.module] if node.module else [])]))
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def package_dir(project: Path) -> Path:
    """The project's Python package, src/<package>/."""
    (package,) = (p for p in (project / "src").iterdir() if p.is_dir())
    return package


def constants(path: Path) -> dict[str, object]:
    """Module-level NAME = <literal> assignments."""
    values = {}
    for node in parse(path).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


def keyword_arguments(path: Path, dotted: str) -> list[set[str]]:
    """For each call of `dotted` in the file, the names of its keyword arguments."""
    return [{k.arg for k in call.keywords if k.arg} for call in _calls(parse(path), dotted)]


def function_parameters(path: Path, name: str) -> list[str]:
    """The parameter names of function (or method) `name`, keyword-only ones included, in order."""
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    raise AssertionError(f"{path}: no function {name}")


def python_files(project: Path) -> list[Path]:
    return sorted(project.rglob("*.py"))


def notebooks(project: Path) -> list[Path]:
    return sorted(p for p in project.rglob("*.py") if p.parent.name == "notebooks")
