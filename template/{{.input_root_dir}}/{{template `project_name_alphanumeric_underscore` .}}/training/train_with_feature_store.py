"""Train the fare model on trips joined with the pickup and dropoff features.

On Databricks, `train_with_feature_store` uses the Feature Engineering client: it builds the
training set with point-in-time feature lookups and logs the model with them (`fe.log_model`), so
scoring the model later looks the same features up by itself.

`train_with_local_features` is the LOCAL STAND-IN, for tests and local runs: the same training on
the same columns, with the features joined by `join_features_locally` from local feature tables
and the model logged with plain MLflow (no workspace needed).
"""

from typing import Any

import mlflow
from mlflow import MlflowClient
from pyspark.sql import DataFrame, SparkSession

from deployment.model_registry import ModelVersionRef
from feature_engineering.feature_lookups import (
    LOOKUP_TIMESTAMP_COLUMNS,
    add_lookup_keys,
    feature_lookups,
    join_features_locally,
)
from training.train import MODEL_ARTIFACT_NAME, fit, fit_and_register, log_training_run
from training.trip_features import (
    LABEL_COLUMN,
    RAW_TIMESTAMP_COLUMNS,
    add_trip_features,
)


def training_input(trips: DataFrame) -> DataFrame:
    """The trips with their derived features and lookup keys, before the feature lookups."""
    return add_lookup_keys(add_trip_features(trips)).drop(*RAW_TIMESTAMP_COLUMNS)


def registered_version_of_run(
    client: MlflowClient, model_name: str, run_id: str
) -> str:
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
    """Train with features looked up by the Feature Engineering client `fe` (Databricks)."""
    mlflow.set_experiment(experiment_name)
    training_set = fe.create_training_set(
        df=training_input(spark.table(training_data_table)),
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


def train_with_local_features(
    spark: SparkSession,
    training_data_table: str,
    pickup_features_table: str,
    dropoff_features_table: str,
    experiment_name: str,
    model_name: str,
) -> ModelVersionRef:
    """LOCAL STAND-IN for `train_with_feature_store`: features joined in plain Spark from the
    local feature tables, model logged with plain MLflow."""
    mlflow.set_experiment(experiment_name)
    data = training_frame_with_local_features(
        spark,
        spark.table(training_data_table),
        pickup_features_table,
        dropoff_features_table,
    ).toPandas()
    return fit_and_register(data, model_name)


def training_frame_with_local_features(
    spark: SparkSession,
    trips: DataFrame,
    pickup_features_table: str,
    dropoff_features_table: str,
) -> DataFrame:
    """LOCAL STAND-IN for the Feature Engineering client's training set (`load_df()`): the label
    and the model inputs of each trip, features joined from the local feature tables. Also the
    validation data of a local run."""
    rows = join_features_locally(
        training_input(trips),
        spark.table(pickup_features_table),
        spark.table(dropoff_features_table),
    )
    return rows.drop(*LOOKUP_TIMESTAMP_COLUMNS)
