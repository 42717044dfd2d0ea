"""Pickup features: per pickup zip code, the trips started and their average fare over the last
hour, recomputed every 15 minutes."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..dataset import LABEL_COLUMN
from .date_range import filter_date_range


def compute_features_fn(
    input_df: DataFrame, timestamp_column: str, start_date: str, end_date: str
) -> DataFrame:
    """One row per pickup zip and 1-hour window (sliding by 15 minutes) that had trips.

    Columns: `zip`, `timestamp_column` (the window's end: the features are known from then on),
    `mean_fare_window_1h_pickup_zip`, `count_trips_window_1h_pickup_zip`.
    Rows are restricted to trips starting in [start_date, end_date) when those are set.
    """
    trips = filter_date_range(input_df, timestamp_column, start_date, end_date)
    windows = trips.groupBy(
        F.col("pickup_zip").alias("zip"),
        F.window(timestamp_column, "1 hour", "15 minutes"),
    ).agg(
        F.mean(LABEL_COLUMN).alias("mean_fare_window_1h_pickup_zip"),
        F.count("*").cast("int").alias("count_trips_window_1h_pickup_zip"),
    )
    return windows.select(
        "zip",
        F.col("window.end").alias(timestamp_column),
        F.col("mean_fare_window_1h_pickup_zip").cast("double"),
        "count_trips_window_1h_pickup_zip",
    )
