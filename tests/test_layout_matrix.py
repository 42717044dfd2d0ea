"""Every combination of the answer matrix renders fully, with the files of a reviewed golden render."""

from __future__ import annotations

import py_compile
import re

import pytest
import yaml
from matrix import COMBINATIONS, EXCLUDED, PROJECT_COMBINATIONS
from rendering import unreviewed_files

# Double braces that are meant to reach the output: GitHub/Azure expressions `${{ ... }}` and Databricks
# job dynamic value references such as `{{tasks.Train.values.model_uri}}`.
INTENDED_BRACES = re.compile(r"\$\{\{.*?\}\}|\{\{\s*(tasks|job|parent_run|run|workspace|secrets)\.[^{}]*\}\}")


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: c.id)
def test_renders_the_files_of_a_reviewed_golden(combo, rendered):
    """Which files a render has is reviewed in tests/goldens/: its repository files are those of a golden, and so
    are its project files (names aside). A new answer that adds or drops files needs a golden showing it."""
    assert unreviewed_files(rendered(combo).layout()) is None


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: c.id)
def test_no_empty_directories_are_left(combo, rendered):
    project = rendered(combo)
    empty = sorted(d for d in project.dirs() if not any((project.output / d).iterdir()))
    assert empty == []


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: c.id)
def test_nothing_is_left_unrendered(combo, rendered):
    project = rendered(combo)
    leftovers = []
    for rel in sorted(project.files()):
        path = project.output / rel
        if path.suffix in {".gz", ".parquet", ".png"}:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            cleaned = INTENDED_BRACES.sub("", line)
            if "<no value>" in cleaned or "{{" in cleaned or "}}" in cleaned:
                leftovers.append(f"{rel}:{n}: {line.strip()}")
    assert leftovers == []


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: c.id)
def test_every_yaml_file_parses(combo, rendered):
    project = rendered(combo)
    for rel in sorted(project.files()):
        if rel.endswith((".yml", ".yaml")):
            assert yaml.safe_load(project.text(rel)) is not None, rel


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: c.id)
def test_every_python_file_compiles(combo, rendered, tmp_path):
    project = rendered(combo)
    for rel in sorted(project.files()):
        if rel.endswith(".py"):
            py_compile.compile(str(project.output / rel), cfile=str(tmp_path / "x.pyc"), doraise=True)


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: c.id)
def test_no_trailing_whitespace_or_blank_line_runs(combo, rendered):
    project = rendered(combo)
    problems = []
    for rel in sorted(project.files()):
        if rel.endswith((".gz", ".parquet", ".png")):
            continue
        text = project.text(rel)
        for n, line in enumerate(text.splitlines(), 1):
            if line != line.rstrip():
                problems.append(f"{rel}:{n}: trailing whitespace")
        # Python separates top-level definitions with two blank lines (PEP 8, ruff format); elsewhere one at most.
        blank_run = "\n\n\n\n" if rel.endswith(".py") else "\n\n\n"
        if blank_run in text:
            problems.append(f"{rel}: too many consecutive blank lines")
        if text and not text.endswith("\n"):
            problems.append(f"{rel}: no newline at end of file")
        if text.startswith("\n"):
            problems.append(f"{rel}: starts with a blank line")
    assert problems == []


def test_matrix_covers_every_enum_value():
    import json

    from tooling.paths import TEMPLATE_SCHEMA

    schema = json.loads(TEMPLATE_SCHEMA.read_text())
    for name, prop in schema["properties"].items():
        if "enum" in prop:
            seen = {c[name] for c in COMBINATIONS}
            assert seen == set(prop["enum"]), name


def test_excluded_combinations_are_explained():
    assert EXCLUDED and all(len(reason) > 40 for reason in EXCLUDED.values())


def test_project_combinations_cover_both_feature_store_values_per_cloud():
    seen = {(c["input_cloud"], c["input_include_feature_store"]) for c in PROJECT_COMBINATIONS}
    assert len(seen) == 6
