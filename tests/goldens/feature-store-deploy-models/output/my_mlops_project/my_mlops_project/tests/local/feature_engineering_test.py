from datetime import UTC, datetime

import mlflow
import pytest

from my_mlops_project.batch_inference.predict import predict_batch
from my_mlops_project.dataset import LABEL_COLUMN
from my_mlops_project.features.lookups import (
    DROPOFF_FEATURES,
    PICKUP_FEATURES,
    ROUNDED_DROPOFF_COLUMN,
    ROUNDED_PICKUP_COLUMN,
    add_lookup_keys,
    feature_lookups,
    feature_store_batch_scorer,
    feature_store_scorer,
)
from my_mlops_project.features.write import compute_features, write_feature_table
from my_mlops_project.local.feature_engineering import LocalFeatureEngineeringClient
from my_mlops_project.local.tables import local_table_name
from my_mlops_project.training.train_with_feature_store import (
    train_with_feature_store,
    training_input,
)

TRIPS = (
    "tpep_pickup_datetime timestamp, tpep_dropoff_datetime timestamp, trip_distance double, "
    "fare_amount double, pickup_zip int, dropoff_zip int"
)
PICKUP = "zip int, tpep_pickup_datetime timestamp, mean_fare_window_1h_pickup_zip double, "
PICKUP += "count_trips_window_1h_pickup_zip int"
DROPOFF = "zip int, tpep_dropoff_datetime timestamp, count_trips_window_30m_dropoff_zip int, "
DROPOFF += "dropoff_is_weekend int"


@pytest.fixture(scope="module")
def fe(spark):
    return LocalFeatureEngineeringClient(spark)


@pytest.fixture(scope="module")
def feature_tables(spark, trips_table, fe):
    """The pickup and dropoff feature tables of the sample trips, written through the stand-in."""
    tables = {}
    for module, column in [
        ("pickup_features", "tpep_pickup_datetime"),
        ("dropoff_features", "tpep_dropoff_datetime"),
    ]:
        name = local_table_name(f"test.fares.trip_{module}")
        features = compute_features(spark, trips_table, module, column)
        assert write_feature_table(spark, fe, features, name, ["zip"], column) == "created"
        tables[module] = name
    return tables["pickup_features"], tables["dropoff_features"]


def test_lookup_keys_round_pickup_up_to_15_and_dropoff_up_to_30_minutes(spark):
    trips = spark.createDataFrame(
        [
            (
                datetime(2016, 2, 1, 10, 1),
                datetime(2016, 2, 1, 10, 31),
                1.0,
                9.0,
                10001,
                10002,
            )
        ],
        TRIPS,
    )
    row = add_lookup_keys(trips).first()
    assert row[ROUNDED_PICKUP_COLUMN] == datetime(2016, 2, 1, 10, 15)
    assert row[ROUNDED_DROPOFF_COLUMN] == datetime(2016, 2, 1, 11, 0)


def test_the_stand_in_looks_up_the_newest_features_known_at_the_trip_time(spark, fe):
    trips = add_lookup_keys(
        spark.createDataFrame(
            [
                (
                    datetime(2016, 2, 1, 10, 1),
                    datetime(2016, 2, 1, 10, 20),
                    1.0,
                    9.0,
                    1,
                    2,
                ),
                (
                    datetime(2016, 2, 1, 8, 0),
                    datetime(2016, 2, 1, 8, 10),
                    1.0,
                    9.0,
                    1,
                    3,
                ),
            ],
            TRIPS,
        )
    )
    pickup = spark.createDataFrame(
        [
            (1, datetime(2016, 2, 1, 9, 45), 11.0, 3),
            (1, datetime(2016, 2, 1, 10, 15), 12.0, 4),
            (1, datetime(2016, 2, 1, 10, 30), 99.0, 9),  # after the trip: never used
        ],
        PICKUP,
    )
    dropoff = spark.createDataFrame([(2, datetime(2016, 2, 1, 10, 30), 5, 0)], DROPOFF)
    for name, df, column in [
        ("test.lookups.pickup", pickup, "tpep_pickup_datetime"),
        ("test.lookups.dropoff", dropoff, "tpep_dropoff_datetime"),
    ]:
        fe.create_table(name=name, primary_keys=["zip", column], timeseries_column=column, df=df)
    training_set = fe.create_training_set(
        df=trips,
        feature_lookups=feature_lookups("test.lookups.pickup", "test.lookups.dropoff"),
        label=LABEL_COLUMN,
    )
    rows = {r.dropoff_zip: r for r in training_set.load_df().collect()}
    assert rows[2].mean_fare_window_1h_pickup_zip == 12.0
    assert rows[2].count_trips_window_1h_pickup_zip == 4
    assert rows[2].count_trips_window_30m_dropoff_zip == 5
    # Nothing known yet at 08:15: no fare average, and no trips counted.
    assert rows[3].mean_fare_window_1h_pickup_zip is None
    assert rows[3].count_trips_window_1h_pickup_zip == 0
    assert rows[3].count_trips_window_30m_dropoff_zip == 0


def test_feature_engineering_client_lookups_name_the_feature_tables_and_keys():
    pickup, dropoff = feature_lookups("c.s.trip_pickup_features", "c.s.trip_dropoff_features")
    assert (pickup.table_name, pickup.lookup_key) == (
        "c.s.trip_pickup_features",
        ["pickup_zip"],
    )
    assert pickup.timestamp_lookup_key == ROUNDED_PICKUP_COLUMN
    assert list(pickup.feature_names) == PICKUP_FEATURES
    assert (dropoff.table_name, dropoff.lookup_key) == (
        "c.s.trip_dropoff_features",
        ["dropoff_zip"],
    )
    assert dropoff.timestamp_lookup_key == ROUNDED_DROPOFF_COLUMN
    assert list(dropoff.feature_names) == DROPOFF_FEATURES


def test_write_table_merges_rows_by_primary_key(spark, fe):
    name = "test.lookups.merged"
    first = spark.createDataFrame([(1, datetime(2016, 2, 1, 10, 0), 5, 0)], DROPOFF)
    fe.create_table(
        name=name,
        primary_keys=["zip", "tpep_dropoff_datetime"],
        timeseries_column="tpep_dropoff_datetime",
        df=first,
    )
    again = spark.createDataFrame(
        [(1, datetime(2016, 2, 1, 10, 0), 7, 0), (2, datetime(2016, 2, 1, 10, 0), 1, 0)],
        DROPOFF,
    )
    fe.write_table(name=name, df=again, mode="merge")
    merged = spark.table(local_table_name(name)).collect()
    assert sorted((r.zip, r.count_trips_window_30m_dropoff_zip) for r in merged) == [(1, 7), (2, 1)]


def test_a_model_trained_with_the_feature_store_looks_its_features_up_when_scored(
    spark, trips_table, feature_tables, fe, mlflow_client, model_name
):
    pickup_table, dropoff_table = feature_tables
    version = train_with_feature_store(
        spark, fe, trips_table, pickup_table, dropoff_table, "/local/fs", model_name
    )
    inputs = mlflow.models.get_model_info(version.model_uri).signature.inputs.input_names()
    assert set(PICKUP_FEATURES + DROPOFF_FEATURES) <= set(inputs)
    # Validation scores trips that carry only their lookup keys, as on Databricks.
    trips = training_input(spark.table(trips_table)).toPandas()
    predictions = feature_store_scorer(fe, spark, version.model_uri)(trips.head(20))
    assert len(predictions) == 20
    output = local_table_name("test.fares.fs_predictions")
    score = feature_store_batch_scorer(fe, version.model_uri)
    scored_at = datetime(2016, 3, 1, tzinfo=UTC)
    predict_batch(
        spark, version.model_uri, trips_table, output, version.model_version, scored_at, score
    )
    written = spark.table(output)
    assert written.count() == spark.table(trips_table).count()
    assert not set(PICKUP_FEATURES + DROPOFF_FEATURES) & set(written.columns)
