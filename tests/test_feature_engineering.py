"""The generated feature-engineering code: with the feature store, the feature job's notebook and the two
feature computations; without it, no code that imports the Feature Engineering client (or its requirement)."""

from __future__ import annotations

import tomllib

import pytest
from generated_code import function_parameters, imported_modules, keyword_arguments, package_dir, python_files, widgets
from matrix import PROJECT_COMBINATIONS

FS = [c for c in PROJECT_COMBINATIONS if c["input_include_feature_store"] == "yes"]
NO_FS = [c for c in PROJECT_COMBINATIONS if c["input_include_feature_store"] == "no"]


@pytest.mark.parametrize("combo", FS, ids=lambda c: c.id)
def test_feature_notebook_declares_exactly_the_job_parameters(combo, rendered):
    notebook = rendered(combo).project / "feature_engineering" / "notebooks" / "GenerateAndWriteFeatures.py"
    declared = widgets(notebook)
    assert set(declared) == {
        "input_table_name",
        "input_start_date",
        "input_end_date",
        "timestamp_column",
        "output_table_name",
        "features_transform_module",
        "primary_keys",
    }
    assert declared["input_start_date"].default == declared["input_end_date"].default == ""
    assert declared["input_table_name"].default == ""  # the bundle variable input_table_name names it


@pytest.mark.parametrize("combo", FS, ids=lambda c: c.id)
def test_feature_modules_share_one_interface(combo, rendered):
    features = package_dir(rendered(combo).project) / "features"
    for module in ("pickup_features.py", "dropoff_features.py"):
        assert function_parameters(features / module, "compute_features_fn") == [
            "input_df",
            "timestamp_column",
            "start_date",
            "end_date",
        ]


@pytest.mark.parametrize("combo", FS, ids=lambda c: c.id)
def test_feature_tables_are_time_series_tables_merged_by_the_client(combo, rendered):
    write = package_dir(rendered(combo).project) / "features" / "write.py"
    (create,) = keyword_arguments(write, "fe.create_table")
    assert {"name", "primary_keys", "timeseries_column", "df"} <= create
    assert 'mode="merge"' in write.read_text()


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_feature_engineering_requirement_only_with_the_feature_store(combo, rendered):
    project = tomllib.loads(rendered(combo).text(f"{combo.project_dir}/pyproject.toml"))["project"]
    required = any(r.startswith("databricks-feature-engineering==") for r in project["dependencies"])
    assert required == (combo["input_include_feature_store"] == "yes")


@pytest.mark.parametrize("combo", NO_FS, ids=lambda c: c.id)
def test_code_without_the_feature_store_never_imports_the_feature_engineering_client(combo, rendered):
    project = rendered(combo).project
    feature_store_modules = [f"{combo.derived['project_package']}.features.{m}" for m in ("lookups", "write")]
    importers = [
        p.relative_to(project).as_posix()
        for p in python_files(project)
        if any(m.startswith(("databricks.feature_engineering", *feature_store_modules)) for m in imported_modules(p))
    ]
    assert importers == []
