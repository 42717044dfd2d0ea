"""The generated validation code, per combination: exactly the job's parameters with choices that accept what
jobs pass, MLflow 3 evaluation APIs (none of the arguments MLflow 3 removed), custom metrics with the MLflow 3
signature, and the challenger alias as the gate to deployment."""

from __future__ import annotations

import pytest
from generated_code import function_parameters, imported_modules, keyword_arguments, package_dir, widgets
from matrix import PROJECT_COMBINATIONS

CONTRACT_WIDGETS = {
    "experiment_name",
    "run_mode",
    "enable_baseline_comparison",
    "validation_input",
    "model_type",
    "model_name",
    "model_version",
}


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_validation_notebook_declares_exactly_the_job_parameters(combo, rendered):
    declared = widgets(rendered(combo).project / "validation" / "notebooks" / "ModelValidation.py")
    assert set(declared) == CONTRACT_WIDGETS
    assert set(declared["run_mode"].choices) == {"disabled", "dry_run", "enabled"}
    assert set(declared["enable_baseline_comparison"].choices) == {"true", "false"}
    assert declared["model_type"].default == "regressor"
    # The query is the bundle variable validation_input; the label comes from the package (dataset.py), so
    # there is no `targets` parameter that could name another column than the one the model was trained on.
    assert declared["validation_input"].default == ""


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_validation_uses_the_mlflow3_evaluation_apis(combo, rendered):
    validation = package_dir(rendered(combo).project) / "validation" / "validation.py"
    text = validation.read_text()
    (evaluate,) = keyword_arguments(validation, "mlflow.models.evaluate")
    assert {"model", "data", "targets", "model_type", "extra_metrics"} <= evaluate
    # Removed from mlflow.evaluate in MLflow 3 (upstream still passes them, so its validation never runs).
    assert not evaluate & {"validation_thresholds", "custom_metrics", "baseline_model"}
    assert keyword_arguments(validation, "mlflow.evaluate") == []
    assert "mlflow.validate_evaluation_results(" in text
    assert function_parameters(validation, "_share_within_five_dollars") == ["predictions", "targets", "metrics"]
    assert all("greater_is_better" in k for k in keyword_arguments(validation, "MetricThreshold"))


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_only_validated_versions_become_challenger(combo, rendered):
    package = package_dir(rendered(combo).project)
    validation = (package / "validation" / "validation.py").read_text()
    assert "client.set_registered_model_alias(model_name, CHALLENGER, version)" in validation
    assert 'if outcome.passed or run_mode == "dry_run":' in validation
    registry = package / "model_registry.py"
    assert 'CHALLENGER = "challenger"' in registry.read_text() and 'CHAMPION = "champion"' in registry.read_text()


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_feature_store_models_are_validated_through_the_feature_engineering_client(combo, rendered):
    modules = imported_modules(rendered(combo).project / "validation" / "notebooks" / "ModelValidation.py")
    uses_client = "databricks.feature_engineering" in modules
    assert uses_client == (combo["input_include_feature_store"] == "yes")
    assert (f"{combo.derived['project_package']}.features.lookups" in modules) == uses_client
