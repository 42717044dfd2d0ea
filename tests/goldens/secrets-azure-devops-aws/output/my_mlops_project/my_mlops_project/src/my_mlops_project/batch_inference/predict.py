"""Score a table of trips with the champion model and append the predictions to a table.

`predict_batch` is what the BatchInference notebook (deployment/batch_inference/notebooks/) calls;
it runs the same on local Spark with a local MLflow registry. The output follows the contract in
`prediction_table.py`, which the monitor reads.
"""

from collections.abc import Callable
from datetime import datetime

import mlflow
from mlflow import MlflowClient
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..features.trip_features import add_trip_features
from ..model_registry import CHAMPION, alias_version
from ..prediction_table import (
    PREDICTION_COLUMN,
    to_prediction_table,
)


def champion_model(client: MlflowClient, model_name: str) -> tuple[str, str]:
    """The URI batch inference loads (`models:/<name>@champion`) and the version it points to."""
    version = alias_version(client, model_name, CHAMPION)
    if version is None:
        raise RuntimeError(
            f"{model_name} has no '{CHAMPION}' version yet: run the training job first."
        )
    return f"models:/{model_name}@{CHAMPION}", version


def score_with_model(spark: SparkSession, model_uri: str, features: DataFrame) -> DataFrame:
    """`features` plus a `prediction` column from the MLflow model, fed with the columns of
    the model's signature."""
    signature = mlflow.models.get_model_info(model_uri).signature
    predict = mlflow.pyfunc.spark_udf(spark, model_uri, result_type="double", env_manager="local")
    inputs = F.struct(*signature.inputs.input_names())
    return features.withColumn(PREDICTION_COLUMN, predict(inputs))


def predict_batch(
    spark: SparkSession,
    model_uri: str,
    input_table_name: str,
    output_table_name: str,
    model_id: str,
    scored_at: datetime,
    score: Callable[[DataFrame], DataFrame] | None = None,
) -> DataFrame:
    """Score every row of `input_table_name` and append the rows to `output_table_name`, with
    `model_id` (the scoring version's `ModelVersionRef.model_uri`) on each.

    `score` adds the `prediction` column to the trips (with their derived features); by
    default the model at `model_uri` scores them directly. Returns the rows written.
    """
    trips = spark.table(input_table_name)
    features = add_trip_features(trips)
    if score is None:
        scored = score_with_model(spark, model_uri, features)
    else:
        scored = score(features)
    predictions = to_prediction_table(scored, trips.columns, model_id, scored_at)
    # Append, so the table keeps every batch and the monitor sees the history.
    predictions.write.mode("append").saveAsTable(output_table_name)
    return predictions
