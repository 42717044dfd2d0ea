"""The generated training code, per combination: the notebook for the feature-store answer, its parameters
and task values, MLflow 3 logging with a signature into Unity Catalog, and the upstream feature lookups."""

from __future__ import annotations

import pytest
from generated_code import (
    constants,
    function_parameters,
    imported_modules,
    keyword_arguments,
    package_dir,
    task_values_set,
    widgets,
)
from matrix import PROJECT_COMBINATIONS

FS_COMBINATIONS = [c for c in PROJECT_COMBINATIONS if c["input_include_feature_store"] == "yes"]


def training_notebook(project, combo):
    name = "TrainWithFeatureStore.py" if combo["input_include_feature_store"] == "yes" else "Train.py"
    return project / "training" / "notebooks" / name


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_training_notebook_reads_the_job_parameters_of_its_variant(combo, rendered):
    project = rendered(combo).project
    declared = widgets(training_notebook(project, combo))
    expected = {"env", "training_data_table", "experiment_name", "model_name"}
    if combo["input_include_feature_store"] == "yes":
        expected |= {"pickup_features_table", "dropoff_features_table"}
    assert set(declared) == expected
    # Any target name a job passes is accepted (upstream's dropdown offered only staging/prod).
    assert declared["env"].kind == "text"
    # The input table is named once, by the bundle variable the job passes; the notebook has no second copy.
    assert declared["training_data_table"].default == ""


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_training_notebook_hands_the_new_version_to_validation_and_deployment(combo, rendered):
    notebook = training_notebook(rendered(combo).project, combo)
    assert task_values_set(notebook) == {"model_uri", "model_name", "model_version"}


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_training_notebook_calls_the_training_module_of_its_variant(combo, rendered):
    project = rendered(combo).project
    modules = imported_modules(training_notebook(project, combo))
    package = combo.derived["project_package"]
    if combo["input_include_feature_store"] == "yes":
        assert {f"{package}.training.train_with_feature_store", "databricks.feature_engineering"} <= modules
    else:
        assert f"{package}.training.train" in modules
        assert not any(m.startswith("databricks.feature_engineering") for m in modules)
    assert 'mlflow.set_registry_uri("databricks-uc")' in training_notebook(project, combo).read_text()


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_model_is_logged_with_mlflow3_arguments_and_registered(combo, rendered):
    train = package_dir(rendered(combo).project) / "training" / "train.py"
    (arguments,) = keyword_arguments(train, "mlflow.lightgbm.log_model")
    # MLflow 3 spelling (name=, not artifact_path=); Unity Catalog needs the signature.
    assert {"name", "signature", "input_example", "registered_model_name"} <= arguments
    assert "artifact_path" not in arguments
    assert keyword_arguments(train, "mlflow.lightgbm.autolog") == []  # autolog would log a second model
    assert constants(train)["LIGHTGBM_PARAMS"]["objective"] == "regression"


@pytest.mark.parametrize("combo", FS_COMBINATIONS, ids=lambda c: c.id)
def test_feature_store_training_uses_the_upstream_lookups(combo, rendered):
    package = package_dir(rendered(combo).project)
    lookups = package / "features" / "lookups.py"
    values = constants(lookups)
    assert values["PICKUP_FEATURES"] == ["mean_fare_window_1h_pickup_zip", "count_trips_window_1h_pickup_zip"]
    assert values["DROPOFF_FEATURES"] == ["count_trips_window_30m_dropoff_zip", "dropoff_is_weekend"]
    assert (values["ROUNDED_PICKUP_COLUMN"], values["ROUNDED_DROPOFF_COLUMN"]) == (
        "rounded_pickup_datetime",
        "rounded_dropoff_datetime",
    )
    (lookup_args,) = {frozenset(a) for a in keyword_arguments(lookups, "FeatureLookup")}
    assert {"table_name", "lookup_key", "timestamp_lookup_key", "feature_names"} <= lookup_args
    train = package / "training" / "train_with_feature_store.py"
    (training_set,) = keyword_arguments(train, "fe.create_training_set")
    assert {"df", "feature_lookups", "label", "exclude_columns"} <= training_set
    (logged,) = keyword_arguments(train, "fe.log_model")
    assert {"model", "flavor", "training_set", "registered_model_name"} <= logged
    # One training function, whatever the client: Databricks passes the Feature Engineering client, tests
    # and local runs its local stand-in, which accepts exactly the keywords the code passes.
    assert function_parameters(train, "train_with_feature_store")[:2] == ["spark", "fe"]
    stand_in = package / "local" / "feature_engineering.py"
    for method, passed in (("create_training_set", training_set), ("log_model", logged)):
        assert passed <= set(function_parameters(stand_in, method)), method
