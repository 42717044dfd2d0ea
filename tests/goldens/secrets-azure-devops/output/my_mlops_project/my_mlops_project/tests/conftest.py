"""Shared fixtures: one local Spark session and one local MLflow store for the whole test run."""

import itertools
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

from my_mlops_project.local.spark import local_spark_session
from my_mlops_project.local.tables import local_table_name
from my_mlops_project.training.train import train

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TRIPS = PROJECT_ROOT / "data" / "sample_trips.parquet"
_model_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    session = local_spark_session(tmp_path_factory.mktemp("spark-warehouse"))
    yield session
    session.stop()


@pytest.fixture(scope="session")
def trips_table(spark) -> str:
    """The shipped sample of raw trips (data/), as a local table."""
    name = local_table_name("test.taxi.trips")
    spark.read.parquet(str(SAMPLE_TRIPS)).createOrReplaceTempView(name)
    return name


@pytest.fixture(scope="session")
def mlflow_client(tmp_path_factory) -> MlflowClient:
    """A local MLflow tracking server and model registry (SQLite) for the whole run."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture
def model_name(mlflow_client) -> str:
    """A three-level model name no other test uses."""
    return f"test.fares.model_{next(_model_numbers)}"


@pytest.fixture(scope="session")
def trained_model(spark, trips_table, mlflow_client):
    """A model trained once on the sample trips with the project's training code."""
    return train(spark, trips_table, "/local/trained-model", "test.fares.trained")


@pytest.fixture
def new_version(mlflow_client, trained_model, model_name):
    """Registers the trained model as a new version of a fresh model; returns (name, version)."""

    def register(name: str = model_name) -> str:
        return str(mlflow.register_model(trained_model.model_uri, name).version)

    return register
