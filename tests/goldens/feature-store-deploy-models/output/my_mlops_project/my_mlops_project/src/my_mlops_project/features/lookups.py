"""How training, validation and batch inference get the pickup and dropoff features of a trip.

Each trip looks its features up by zip code, point in time: from the feature row of its zip with
the latest timestamp at or before the trip's rounded pickup (15 minutes) or dropoff (30 minutes)
time, so no feature is taken from the future. The Feature Engineering client does the lookups
(`fe`: `databricks.feature_engineering.FeatureEngineeringClient` on Databricks; in tests and local
runs its local stand-in, `local/feature_engineering.py`).
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..dataset import DROPOFF_TIMESTAMP_COLUMN, PICKUP_TIMESTAMP_COLUMN

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
    """The Feature Engineering client's lookups of the pickup and dropoff features."""
    from databricks.feature_engineering import FeatureLookup

    return [
        FeatureLookup(
            table_name=pickup_features_table,
            lookup_key=["pickup_zip"],
            timestamp_lookup_key=ROUNDED_PICKUP_COLUMN,
            feature_names=PICKUP_FEATURES,
            default_values={k: v for k, v in DEFAULT_VALUES.items() if k in PICKUP_FEATURES},
        ),
        FeatureLookup(
            table_name=dropoff_features_table,
            lookup_key=["dropoff_zip"],
            timestamp_lookup_key=ROUNDED_DROPOFF_COLUMN,
            feature_names=DROPOFF_FEATURES,
            default_values={k: v for k, v in DEFAULT_VALUES.items() if k in DROPOFF_FEATURES},
        ),
    ]


def feature_store_scorer(
    fe: Any, spark: SparkSession, model_uri: str
) -> Callable[[pd.DataFrame], np.ndarray]:
    """A function from trips (pandas, with lookup keys) to predictions, scoring through the
    Feature Engineering client: what validation evaluates a feature-store model with."""

    def predict(trips: pd.DataFrame) -> np.ndarray:
        rows = spark.createDataFrame(trips.assign(_row=np.arange(len(trips))))
        scored = fe.score_batch(model_uri=model_uri, df=rows, result_type="double")
        ordered = scored.orderBy("_row").select("prediction").toPandas()
        return ordered["prediction"].to_numpy()

    return predict


def feature_store_batch_scorer(fe: Any, model_uri: str) -> Callable[[DataFrame], DataFrame]:
    """Batch inference's `score` step through the Feature Engineering client."""

    def score(trips: DataFrame) -> DataFrame:
        return fe.score_batch(model_uri=model_uri, df=add_lookup_keys(trips), result_type="double")

    return score
