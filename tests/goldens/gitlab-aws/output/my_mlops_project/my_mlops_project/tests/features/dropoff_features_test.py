from datetime import datetime

from my_mlops_project.features.dropoff_features import compute_features_fn

TRIPS = (
    "tpep_pickup_datetime timestamp, tpep_dropoff_datetime timestamp, trip_distance double, "
    "fare_amount double, pickup_zip int, dropoff_zip int"
)


def trip(dropoff, zip_code):
    return (dropoff, dropoff, 1.0, 9.0, 10001, zip_code)


def test_dropoff_features_count_trips_per_zip_and_half_hour(spark):
    trips = spark.createDataFrame(
        [
            trip(datetime(2016, 2, 3, 9, 1), 10002),
            trip(datetime(2016, 2, 3, 9, 29), 10002),
            trip(datetime(2016, 2, 3, 9, 31), 10002),
        ],
        TRIPS,
    )
    features = compute_features_fn(trips, "tpep_dropoff_datetime", "", "")
    counts = {
        r.tpep_dropoff_datetime: r.count_trips_window_30m_dropoff_zip for r in features.collect()
    }
    assert counts == {datetime(2016, 2, 3, 9, 30): 2, datetime(2016, 2, 3, 10, 0): 1}


def test_dropoff_is_weekend_is_decided_in_new_york_time(spark):
    trips = spark.createDataFrame(
        [
            # Sunday 01:10 UTC is still Saturday evening in New York.
            trip(datetime(2016, 2, 7, 1, 10), 10002),
            # Monday 03:10 UTC is Sunday 22:10 in New York.
            trip(datetime(2016, 2, 8, 3, 10), 10003),
            # Monday 14:10 UTC is a Monday in New York.
            trip(datetime(2016, 2, 8, 14, 10), 10004),
        ],
        TRIPS,
    )
    features = compute_features_fn(trips, "tpep_dropoff_datetime", "", "")
    weekend = {r.zip: r.dropoff_is_weekend for r in features.collect()}
    assert weekend == {10002: 1, 10003: 1, 10004: 0}
