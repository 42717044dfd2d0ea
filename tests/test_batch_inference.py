"""The generated batch-inference code, per combination: the job's parameters, scoring with the champion alias,
appending, and one prediction-table contract (the monitor's columns, label fare_amount) that both batch
inference and the monitor import."""

from __future__ import annotations

import pytest
from generated_code import constants, imported_modules, package_dir, python_files, widgets
from matrix import PROJECT_COMBINATIONS


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_batch_inference_notebook_declares_exactly_the_job_parameters(combo, rendered):
    declared = widgets(rendered(combo).project / "deployment" / "batch_inference" / "notebooks" / "BatchInference.py")
    assert set(declared) == {"env", "input_table_name", "output_table_name", "model_name"}
    assert declared["env"].kind == "text"  # any target name, including targets added later
    assert declared["input_table_name"].default == ""  # the bundle variable input_table_name names it


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_batch_inference_scores_with_the_champion_and_appends(combo, rendered):
    predict = (package_dir(rendered(combo).project) / "batch_inference" / "predict.py").read_text()
    assert 'f"models:/{model_name}@{CHAMPION}"' in predict
    assert '.write.mode("append").saveAsTable(output_table_name)' in predict
    assert "to_prediction_table(" in predict


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_prediction_table_contract_is_what_the_monitor_expects(combo, rendered):
    project = rendered(combo).project
    package = package_dir(project)
    contract = constants(package / "prediction_table.py")
    assert (contract["PREDICTION_COLUMN"], contract["MODEL_ID_COLUMN"], contract["TIMESTAMP_COLUMN"]) == (
        "prediction",
        "model_id",
        "timestamp",
    )
    assert contract["PROBLEM_TYPE"] == "regression"
    # The label is the fare the model predicts (upstream's monitor read a `price` column that does not exist).
    assert constants(package / "dataset.py")["LABEL_COLUMN"] == "fare_amount"
    name = f"{combo.derived['project_package']}.prediction_table"
    assert name in imported_modules(package / "batch_inference" / "predict.py")
    assert name in imported_modules(package / "monitoring" / "monitor.py")
    price = [p.name for p in project.rglob("*.py") if '"price"' in p.read_text()]
    assert price == []


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_the_label_is_named_in_one_module(combo, rendered):
    """Training, validation, the contract, the monitor and the feature computations import the label; no other
    file of the project's package or notebooks spells it."""
    project = rendered(combo).project
    label = constants(package_dir(project) / "dataset.py")["LABEL_COLUMN"]
    spelled = [p.relative_to(project).as_posix() for p in python_files(project) if f'"{label}"' in p.read_text()]
    assert [p for p in spelled if not p.startswith("tests/")] == [f"src/{combo.derived['project_package']}/dataset.py"]


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_feature_store_batch_inference_looks_features_up_with_the_client(combo, rendered):
    notebook = rendered(combo).project / "deployment" / "batch_inference" / "notebooks" / "BatchInference.py"
    uses_client = "databricks.feature_engineering" in imported_modules(notebook)
    assert uses_client == (combo["input_include_feature_store"] == "yes")
    assert ("feature_store_batch_scorer(FeatureEngineeringClient(), model_uri)" in notebook.read_text()) == uses_client
