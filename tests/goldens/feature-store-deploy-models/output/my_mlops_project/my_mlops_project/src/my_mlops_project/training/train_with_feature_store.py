"""Train the fare model on trips joined with the pickup and dropoff features.

`train_with_feature_store` builds the training set with the Feature Engineering client's
point-in-time lookups and logs the model with them (`fe.log_model`), so scoring the model later
looks the same features up by itself. `fe` is the client (`FeatureEngineeringClient` on
Databricks; its local stand-in in tests and local runs).
"""

from typing import Any

import mlflow
from mlflow import MlflowClient
from pyspark.sql import DataFrame, SparkSession

from ..data_split import training_rows
from ..dataset import LABEL_COLUMN, RAW_TIMESTAMP_COLUMNS
from ..features.lookups import LOOKUP_TIMESTAMP_COLUMNS, add_lookup_keys, feature_lookups
from ..features.trip_features import add_trip_features
from ..model_registry import ModelVersionRef
from .train import MODEL_ARTIFACT_NAME, fit, log_training_run


def training_input(trips: DataFrame) -> DataFrame:
    """The trips with their derived features and lookup keys, before the feature lookups."""
    return add_lookup_keys(add_trip_features(trips)).drop(*RAW_TIMESTAMP_COLUMNS)


def registered_version_of_run(client: MlflowClient, model_name: str, run_id: str) -> str:
    """The version of `model_name` that the MLflow run `run_id` registered."""
    versions = [
        int(v.version)
        for v in client.search_model_versions(f"name='{model_name}'")
        if v.run_id == run_id
    ]
    if not versions:
        raise RuntimeError(f"MLflow run {run_id} registered no version of {model_name}")
    return str(max(versions))


def train_with_feature_store(
    spark: SparkSession,
    fe: Any,
    training_data_table: str,
    pickup_features_table: str,
    dropoff_features_table: str,
    experiment_name: str,
    model_name: str,
) -> ModelVersionRef:
    """Train with features looked up by the Feature Engineering client `fe`; register a version
    of `model_name` and return it."""
    mlflow.set_experiment(experiment_name)
    training_set = fe.create_training_set(
        # The hold-out trips are left for validation (data_split.py).
        df=training_input(training_rows(spark.table(training_data_table))),
        feature_lookups=feature_lookups(pickup_features_table, dropoff_features_table),
        label=LABEL_COLUMN,
        exclude_columns=LOOKUP_TIMESTAMP_COLUMNS,
    )
    data = training_set.load_df().toPandas()
    with mlflow.start_run(run_name="train") as run:
        model, x_train, metrics = fit(data)
        log_training_run(x_train, metrics)
        fe.log_model(
            model=model,
            artifact_path=MODEL_ARTIFACT_NAME,
            flavor=mlflow.lightgbm,
            training_set=training_set,
            registered_model_name=model_name,
            infer_input_example=True,
        )
    version = registered_version_of_run(MlflowClient(), model_name, run.info.run_id)
    return ModelVersionRef(model_name, version)
