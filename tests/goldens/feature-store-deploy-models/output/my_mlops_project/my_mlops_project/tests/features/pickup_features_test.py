from datetime import datetime

from my_mlops_project.features.pickup_features import compute_features_fn

TRIPS = (
    "tpep_pickup_datetime timestamp, tpep_dropoff_datetime timestamp, trip_distance double, "
    "fare_amount double, pickup_zip int, dropoff_zip int"
)


def trip(pickup, zip_code, fare):
    return (pickup, pickup, 1.0, fare, zip_code, 10002)


def test_pickup_features_count_and_average_fares_per_zip_over_the_last_hour(spark):
    trips = spark.createDataFrame(
        [
            trip(datetime(2016, 2, 1, 10, 5), 10001, 10.0),
            trip(datetime(2016, 2, 1, 10, 20), 10001, 20.0),
            trip(datetime(2016, 2, 1, 10, 20), 10003, 7.0),
        ],
        TRIPS,
    )
    features = compute_features_fn(trips, "tpep_pickup_datetime", "", "")
    assert features.columns == [
        "zip",
        "tpep_pickup_datetime",
        "mean_fare_window_1h_pickup_zip",
        "count_trips_window_1h_pickup_zip",
    ]
    at_1030 = {
        r.zip: (r.count_trips_window_1h_pickup_zip, r.mean_fare_window_1h_pickup_zip)
        for r in features.filter("tpep_pickup_datetime = '2016-02-01 10:30:00'").collect()
    }
    assert at_1030 == {10001: (2, 15.0), 10003: (1, 7.0)}
    # Sliding windows: each trip counts in the four 1-hour windows that contain it.
    assert features.filter("zip = 10003").count() == 4


def test_pickup_features_only_use_trips_in_the_date_range(spark):
    trips = spark.createDataFrame(
        [
            trip(datetime(2016, 1, 31, 23, 50), 10001, 10.0),
            trip(datetime(2016, 2, 1, 12, 0), 10001, 30.0),
            trip(datetime(2016, 2, 2, 0, 10), 10001, 50.0),
        ],
        TRIPS,
    )
    features = compute_features_fn(trips, "tpep_pickup_datetime", "2016-02-01", "2016-02-02")
    assert {r.mean_fare_window_1h_pickup_zip for r in features.collect()} == {30.0}
