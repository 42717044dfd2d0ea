"""The ML code, data and tests of a rendered project, relative to the project folder, by answer.
Written from the documented layout, not from the template tree."""

from __future__ import annotations

from matrix import Combination

# Every project has these: configuration, sample data, the local stand-ins and the local pipeline runner,
# training, validation, deployment, batch inference (with the prediction table contract), monitoring, and
# their tests.
COMMON = {
    "requirements.txt",
    "test-requirements.txt",
    "pytest.ini",
    "data/sample_trips.parquet",
    "local/__init__.py",
    "local/spark.py",
    "local/tables.py",
    "local/bundle_jobs.py",
    "local/pipeline_spark.py",
    "local/run_pipeline.py",
    "training/__init__.py",
    "training/trip_features.py",
    "training/train.py",
    "validation/__init__.py",
    "validation/validation.py",
    "validation/notebooks/ModelValidation.py",
    "validation/README.md",
    "deployment/__init__.py",
    "deployment/model_registry.py",
    "deployment/model_deployment/__init__.py",
    "deployment/model_deployment/deploy.py",
    "deployment/model_deployment/notebooks/ModelDeployment.py",
    "deployment/batch_inference/__init__.py",
    "deployment/batch_inference/prediction_table.py",
    "deployment/batch_inference/predict.py",
    "deployment/batch_inference/notebooks/BatchInference.py",
    "deployment/batch_inference/README.md",
    "monitoring/__init__.py",
    "monitoring/metric_violation_check_query.py",
    "monitoring/monitor.py",
    "monitoring/local_profile_metrics.py",
    "monitoring/notebooks/MonitoredMetricViolationCheck.py",
    "monitoring/notebooks/UpdateMonitor.py",
    "monitoring/README.md",
    "tests/conftest.py",
    "tests/local_tables_test.py",
    "tests/notebooks_test.py",
    "tests/training/train_test.py",
    "tests/validation/validation_test.py",
    "tests/deployment/deploy_test.py",
    "tests/deployment/batch_inference_test.py",
    "tests/monitoring/metric_violation_check_test.py",
    "tests/monitoring/monitor_test.py",
    "tests/monitoring/local_profile_metrics_test.py",
}

WITHOUT_FEATURE_STORE = {
    "training/notebooks/Train.py",
}

WITH_FEATURE_STORE = {
    "training/notebooks/TrainWithFeatureStore.py",
    "training/train_with_feature_store.py",
    "feature_engineering/__init__.py",
    "feature_engineering/README.md",
    "feature_engineering/feature_lookups.py",
    "feature_engineering/write_features.py",
    "feature_engineering/features/__init__.py",
    "feature_engineering/features/date_range.py",
    "feature_engineering/features/pickup_features.py",
    "feature_engineering/features/dropoff_features.py",
    "feature_engineering/notebooks/GenerateAndWriteFeatures.py",
    "tests/feature_engineering/pickup_features_test.py",
    "tests/feature_engineering/dropoff_features_test.py",
    "tests/feature_engineering/feature_lookups_test.py",
}

# deploy_models: production promotes staging's champion instead of retraining.
WITH_PROMOTION = {
    "deployment/model_promotion/__init__.py",
    "deployment/model_promotion/promote.py",
    "deployment/model_promotion/notebooks/PromoteModel.py",
    "tests/deployment/model_promotion_test.py",
}


def project_files(c: Combination) -> set[str]:
    files = set(COMMON)
    files |= WITH_FEATURE_STORE if c["input_include_feature_store"] == "yes" else WITHOUT_FEATURE_STORE
    if c["input_deployment_pattern"] == "deploy_models":
        files |= WITH_PROMOTION
    return files
