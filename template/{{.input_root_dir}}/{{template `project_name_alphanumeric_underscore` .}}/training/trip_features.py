"""The model's label and the features derived from each raw trip.

Training, validation and batch inference all call `add_trip_features`, so the model sees the same
inputs everywhere. To change what the model learns from, change it here and retrain.

Raw trips have the columns of `samples.nyctaxi.trips` (and of the sample in data/):
tpep_pickup_datetime, tpep_dropoff_datetime, trip_distance, fare_amount, pickup_zip, dropoff_zip.
"""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

LABEL_COLUMN = "fare_amount"
PICKUP_TIMESTAMP_COLUMN = "tpep_pickup_datetime"
DROPOFF_TIMESTAMP_COLUMN = "tpep_dropoff_datetime"
RAW_TIMESTAMP_COLUMNS = [PICKUP_TIMESTAMP_COLUMN, DROPOFF_TIMESTAMP_COLUMN]


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
