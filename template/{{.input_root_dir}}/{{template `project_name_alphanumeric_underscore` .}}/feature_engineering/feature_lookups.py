"""How training, validation and batch inference get the pickup and dropoff features of a trip.

Each trip looks its features up by zip code, point in time: from the feature row of its zip with
the latest timestamp at or before the trip's rounded pickup (15 minutes) or dropoff (30 minutes)
time, so no feature is taken from the future.

On Databricks the Feature Engineering client does the lookups (`feature_lookups`,
`feature_store_scorer`, `feature_store_batch_scorer`: these need a workspace). On your machine,
`join_features_locally` is the LOCAL STAND-IN: the same point-in-time join written in plain Spark,
on feature tables computed by `feature_engineering/features/`. It never talks to a workspace.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from deployment.batch_inference.predict import score_with_model
from training.trip_features import DROPOFF_TIMESTAMP_COLUMN, PICKUP_TIMESTAMP_COLUMN

PICKUP_FEATURES = ["mean_fare_window_1h_pickup_zip", "count_trips_window_1h_pickup_zip"]
DROPOFF_FEATURES = ["count_trips_window_30m_dropoff_zip", "dropoff_is_weekend"]
ROUNDED_PICKUP_COLUMN = "rounded_pickup_datetime"
ROUNDED_DROPOFF_COLUMN = "rounded_dropoff_datetime"
LOOKUP_TIMESTAMP_COLUMNS = [ROUNDED_PICKUP_COLUMN, ROUNDED_DROPOFF_COLUMN]
# Features of a zip with no earlier trips: no trips counted.
DEFAULT_VALUES = {
    "count_trips_window_1h_pickup_zip": 0,
    "count_trips_window_30m_dropoff_zip": 0,
}


def _round_up(column: str, minutes: int):
    seconds = minutes * 60
    return F.timestamp_seconds(F.ceil(F.col(column).cast("long") / seconds) * seconds)


def add_lookup_keys(trips: DataFrame) -> DataFrame:
    """`trips` plus the timestamps its features are looked up at: the pickup time rounded up
    to 15 minutes and the dropoff time rounded up to 30 minutes."""
    return trips.withColumn(
        ROUNDED_PICKUP_COLUMN, _round_up(PICKUP_TIMESTAMP_COLUMN, 15)
    ).withColumn(ROUNDED_DROPOFF_COLUMN, _round_up(DROPOFF_TIMESTAMP_COLUMN, 30))


def feature_lookups(pickup_features_table: str, dropoff_features_table: str) -> list:
    """The Feature Engineering client's lookups of the pickup and dropoff features (Databricks)."""
    from databricks.feature_engineering import FeatureLookup

    return [
        FeatureLookup(
            table_name=pickup_features_table,
            lookup_key=["pickup_zip"],
            timestamp_lookup_key=ROUNDED_PICKUP_COLUMN,
            feature_names=PICKUP_FEATURES,
            default_values={
                k: v for k, v in DEFAULT_VALUES.items() if k in PICKUP_FEATURES
            },
        ),
        FeatureLookup(
            table_name=dropoff_features_table,
            lookup_key=["dropoff_zip"],
            timestamp_lookup_key=ROUNDED_DROPOFF_COLUMN,
            feature_names=DROPOFF_FEATURES,
            default_values={
                k: v for k, v in DEFAULT_VALUES.items() if k in DROPOFF_FEATURES
            },
        ),
    ]


def _as_of_join(
    rows: DataFrame,
    features: DataFrame,
    key: str,
    at: str,
    feature_timestamp: str,
    names: list[str],
) -> DataFrame:
    rows = rows.withColumn("_row", F.monotonically_increasing_id())
    candidates = features.select(
        F.col("zip").alias("_zip"), F.col(feature_timestamp).alias("_at"), *names
    )
    joined = rows.join(
        candidates,
        (rows[key] == candidates["_zip"]) & (candidates["_at"] <= rows[at]),
        "left",
    )
    latest_first = Window.partitionBy("_row").orderBy(F.col("_at").desc_nulls_last())
    return (
        joined.withColumn("_rank", F.row_number().over(latest_first))
        .filter(F.col("_rank") == 1)
        .drop("_row", "_zip", "_at", "_rank")
    )


def join_features_locally(
    rows: DataFrame, pickup_features: DataFrame, dropoff_features: DataFrame
) -> DataFrame:
    """LOCAL STAND-IN for the Feature Engineering client's point-in-time lookups.

    `rows` need `pickup_zip`, `dropoff_zip` and the lookup keys (`add_lookup_keys`); the feature
    tables are the output of `feature_engineering/features/` (columns `zip`, the timestamp column,
    the features). Adds PICKUP_FEATURES and DROPOFF_FEATURES, as the client would.
    """
    joined = _as_of_join(
        rows,
        pickup_features,
        "pickup_zip",
        ROUNDED_PICKUP_COLUMN,
        PICKUP_TIMESTAMP_COLUMN,
        PICKUP_FEATURES,
    )
    joined = _as_of_join(
        joined,
        dropoff_features,
        "dropoff_zip",
        ROUNDED_DROPOFF_COLUMN,
        DROPOFF_TIMESTAMP_COLUMN,
        DROPOFF_FEATURES,
    )
    return joined.fillna(DEFAULT_VALUES)


def feature_store_scorer(
    fe: Any, spark: SparkSession, model_uri: str
) -> Callable[[pd.DataFrame], np.ndarray]:
    """A function from trips (pandas, with lookup keys) to predictions, scoring with the Feature
    Engineering client (Databricks): what validation evaluates a feature-store model with."""

    def predict(trips: pd.DataFrame) -> np.ndarray:
        rows = spark.createDataFrame(trips.assign(_row=np.arange(len(trips))))
        scored = fe.score_batch(model_uri=model_uri, df=rows, result_type="double")
        ordered = scored.orderBy("_row").select("prediction").toPandas()
        return ordered["prediction"].to_numpy()

    return predict


def feature_store_batch_scorer(
    fe: Any, model_uri: str
) -> Callable[[DataFrame], DataFrame]:
    """Batch inference's `score` step with the Feature Engineering client (Databricks)."""

    def score(trips: DataFrame) -> DataFrame:
        return fe.score_batch(
            model_uri=model_uri, df=add_lookup_keys(trips), result_type="double"
        )

    return score


def local_feature_scorer(
    spark: SparkSession,
    model_uri: str,
    pickup_features_table: str,
    dropoff_features_table: str,
) -> Callable[[DataFrame], DataFrame]:
    """LOCAL STAND-IN for `feature_store_batch_scorer`: join the features locally, then score
    with the model."""

    def score(trips: DataFrame) -> DataFrame:
        rows = join_features_locally(
            add_lookup_keys(trips),
            spark.table(pickup_features_table),
            spark.table(dropoff_features_table),
        )
        return score_with_model(spark, model_uri, rows)

    return score
