"""Dropoff features: per dropoff zip code, the trips ended in each half hour, and whether that
half hour falls on a weekend in New York."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from .date_range import filter_date_range

# Weekends are weekends where the taxis drive.
LOCAL_TIME_ZONE = "America/New_York"


def compute_features_fn(
    input_df: DataFrame, timestamp_column: str, start_date: str, end_date: str
) -> DataFrame:
    """One row per dropoff zip and 30-minute window that had trips.

    Columns: `zip`, `timestamp_column` (the window's end), `count_trips_window_30m_dropoff_zip`,
    `dropoff_is_weekend` (1 if the window ends on a Saturday or Sunday in New York, else 0).
    Rows are restricted to trips ending in [start_date, end_date) when those are set.
    """
    trips = filter_date_range(input_df, timestamp_column, start_date, end_date)
    windows = trips.groupBy(
        F.col("dropoff_zip").alias("zip"), F.window(timestamp_column, "30 minutes")
    ).agg(F.count("*").cast("int").alias("count_trips_window_30m_dropoff_zip"))
    # dayofweek: 1 = Sunday ... 7 = Saturday.
    local_day = F.dayofweek(F.from_utc_timestamp(F.col("window.end"), LOCAL_TIME_ZONE))
    return windows.select(
        "zip",
        F.col("window.end").alias(timestamp_column),
        "count_trips_window_30m_dropoff_zip",
        local_day.isin(1, 7).cast("int").alias("dropoff_is_weekend"),
    )
