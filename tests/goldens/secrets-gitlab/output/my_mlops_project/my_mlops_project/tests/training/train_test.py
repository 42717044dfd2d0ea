from datetime import datetime

import mlflow
import numpy as np
import pandas as pd

from my_mlops_project.dataset import LABEL_COLUMN
from my_mlops_project.features.trip_features import add_trip_features, training_frame

MODEL_INPUTS = {
    "trip_distance",
    "pickup_zip",
    "dropoff_zip",
    "trip_duration_minutes",
    "pickup_hour",
    "pickup_day_of_week",
}


def test_trip_features_derive_duration_hour_and_day_of_week(spark):
    trips = spark.createDataFrame(
        [
            (
                datetime(2016, 2, 6, 8, 50),
                datetime(2016, 2, 6, 9, 5, 30),
                2.0,
                11.5,
                10001,
                10002,
            )
        ],
        "tpep_pickup_datetime timestamp, tpep_dropoff_datetime timestamp, "
        "trip_distance double, fare_amount double, pickup_zip int, dropoff_zip int",
    )
    row = add_trip_features(trips).first()
    assert row.trip_duration_minutes == 15.5
    assert row.pickup_hour == 8
    assert row.pickup_day_of_week == 7  # a Saturday (Spark: 1 = Sunday)


def test_training_frame_has_label_and_model_inputs_only(spark, trips_table):
    assert set(training_frame(spark.table(trips_table)).columns) == MODEL_INPUTS | {LABEL_COLUMN}


def test_train_registers_a_version_with_a_signature(mlflow_client, trained_model):
    version = mlflow_client.get_model_version(trained_model.model_name, trained_model.model_version)
    assert str(version.version) == trained_model.model_version
    info = mlflow.models.get_model_info(trained_model.model_uri)
    assert set(info.signature.inputs.input_names()) == MODEL_INPUTS
    assert info.signature.outputs is not None


def test_trained_model_learns_fares_from_distance_and_duration(spark, trips_table, trained_model):
    data = training_frame(spark.table(trips_table)).toPandas()
    model = mlflow.pyfunc.load_model(trained_model.model_uri)
    predictions = np.asarray(model.predict(data.drop(columns=[LABEL_COLUMN])))
    rmse = float(np.sqrt(np.mean((predictions - data[LABEL_COLUMN]) ** 2)))
    # Far better than always predicting the average fare.
    assert rmse < 0.3 * float(data[LABEL_COLUMN].std())
    longer = pd.concat([data.head(1)] * 2, ignore_index=True)
    longer.loc[1, "trip_distance"] += 5.0
    longer.loc[1, "trip_duration_minutes"] += 20.0
    cheap, dear = model.predict(longer.drop(columns=[LABEL_COLUMN]))
    assert dear > cheap
