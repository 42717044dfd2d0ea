"""The ML code, data and tests of a rendered project, relative to the project folder, by answer.
Written from the documented layout, not from the template tree."""

from __future__ import annotations

from matrix import Combination


def package_name(c: Combination) -> str:
    """The project's Python package (src/<package>/): the project folder name, lower-cased."""
    return c.derived["project_folder"].lower()


# Every project has these: the package (src/<package>/: dataset and features, training, validation,
# deployment, batch inference with the prediction table contract, monitoring, the local stand-ins and the
# local run), the notebooks the jobs run (in the folders the customization guide names), sample data,
# the tests, and a README in every folder a data scientist opens.
COMMON = {
    "pyproject.toml",
    "data/README.md",
    "data/sample_trips.parquet",
    "src/{pkg}/README.md",
    "src/{pkg}/__init__.py",
    "src/{pkg}/data_split.py",
    "src/{pkg}/dataset.py",
    "src/{pkg}/model_registry.py",
    "src/{pkg}/prediction_table.py",
    "src/{pkg}/features/__init__.py",
    "src/{pkg}/features/trip_features.py",
    "src/{pkg}/training/__init__.py",
    "src/{pkg}/training/train.py",
    "src/{pkg}/validation/__init__.py",
    "src/{pkg}/validation/validation.py",
    "src/{pkg}/deployment/__init__.py",
    "src/{pkg}/deployment/deploy.py",
    "src/{pkg}/batch_inference/__init__.py",
    "src/{pkg}/batch_inference/predict.py",
    "src/{pkg}/monitoring/__init__.py",
    "src/{pkg}/monitoring/metric_violation_check_query.py",
    "src/{pkg}/monitoring/monitor.py",
    "src/{pkg}/local/__init__.py",
    "src/{pkg}/local/__main__.py",
    "src/{pkg}/local/bundle.py",
    "src/{pkg}/local/monitoring.py",
    "src/{pkg}/local/runner.py",
    "src/{pkg}/local/spark.py",
    "src/{pkg}/local/tables.py",
    "src/{pkg}/local/tasks.py",
    "training/README.md",
    "validation/README.md",
    "validation/notebooks/ModelValidation.py",
    "deployment/model_deployment/README.md",
    "deployment/model_deployment/notebooks/ModelDeployment.py",
    "deployment/batch_inference/README.md",
    "deployment/batch_inference/notebooks/BatchInference.py",
    "monitoring/README.md",
    "monitoring/notebooks/MonitoredMetricViolationCheck.py",
    "monitoring/notebooks/UpdateMonitor.py",
    "tests/README.md",
    "tests/conftest.py",
    "tests/notebooks_test.py",
    "tests/training/data_split_test.py",
    "tests/training/train_test.py",
    "tests/validation/validation_test.py",
    "tests/deployment/deploy_test.py",
    "tests/batch_inference/predict_test.py",
    "tests/monitoring/metric_violation_check_test.py",
    "tests/monitoring/monitor_test.py",
    "tests/local/bundle_test.py",
    "tests/local/monitoring_test.py",
    "tests/local/runner_test.py",
    "tests/local/tables_test.py",
}

WITHOUT_FEATURE_STORE = {
    "training/notebooks/Train.py",
}

WITH_FEATURE_STORE = {
    "training/notebooks/TrainWithFeatureStore.py",
    "src/{pkg}/training/train_with_feature_store.py",
    "src/{pkg}/features/date_range.py",
    "src/{pkg}/features/pickup_features.py",
    "src/{pkg}/features/dropoff_features.py",
    "src/{pkg}/features/lookups.py",
    "src/{pkg}/features/write.py",
    "src/{pkg}/local/feature_engineering.py",
    "feature_engineering/README.md",
    "feature_engineering/notebooks/GenerateAndWriteFeatures.py",
    "tests/features/pickup_features_test.py",
    "tests/features/dropoff_features_test.py",
    "tests/local/feature_engineering_test.py",
}

# deploy_models: production promotes staging's champion instead of retraining.
WITH_PROMOTION = {
    "src/{pkg}/promotion/__init__.py",
    "src/{pkg}/promotion/promote.py",
    "src/{pkg}/promotion/retraining.py",
    "src/{pkg}/local/promotion.py",
    "deployment/model_promotion/README.md",
    "deployment/model_promotion/notebooks/PromoteModel.py",
    "deployment/model_promotion/notebooks/RequestRetraining.py",
    "tests/promotion/promote_test.py",
}


# Model serving: the task after ModelDeployment that points a serving endpoint at the champion.
WITH_SERVING = {
    "src/{pkg}/serving/__init__.py",
    "src/{pkg}/serving/endpoint.py",
    "src/{pkg}/serving/smoke.py",
    "src/{pkg}/local/serving.py",
    "deployment/model_serving/README.md",
    "deployment/model_serving/notebooks/ServeModel.py",
    "tests/serving/endpoint_test.py",
    "tests/serving/smoke_test.py",
}


def serves(c: Combination) -> bool:
    return c.has_project and c["input_include_model_serving"] == "yes"


def project_files(c: Combination) -> set[str]:
    files = set(COMMON)
    files |= WITH_FEATURE_STORE if c["input_include_feature_store"] == "yes" else WITHOUT_FEATURE_STORE
    if c["input_deployment_pattern"] == "deploy_models":
        files |= WITH_PROMOTION
    if serves(c):
        files |= WITH_SERVING
    return {f.format(pkg=package_name(c)) for f in files}
