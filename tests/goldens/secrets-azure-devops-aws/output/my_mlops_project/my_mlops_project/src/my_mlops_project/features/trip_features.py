"""The features derived from each raw trip, used by every model whatever the feature store answer.

Training, validation and batch inference all call `add_trip_features`, so the model sees the same
inputs everywhere. To change what the model learns from, change it here and retrain.
"""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..dataset import DROPOFF_TIMESTAMP_COLUMN, PICKUP_TIMESTAMP_COLUMN, RAW_TIMESTAMP_COLUMNS


def add_trip_features(trips: DataFrame) -> DataFrame:
    """`trips` plus the trip's duration in minutes and its pickup hour and day of week."""
    pickup = F.col(PICKUP_TIMESTAMP_COLUMN)
    dropoff = F.col(DROPOFF_TIMESTAMP_COLUMN)
    duration_seconds = dropoff.cast("long") - pickup.cast("long")
    return (
        trips.withColumn("trip_duration_minutes", duration_seconds / 60.0)
        .withColumn("pickup_hour", F.hour(pickup))
        .withColumn("pickup_day_of_week", F.dayofweek(pickup))
    )


def training_frame(trips: DataFrame) -> DataFrame:
    """The label and the model inputs of each trip (raw timestamps are not model inputs)."""
    return add_trip_features(trips).drop(*RAW_TIMESTAMP_COLUMNS)
