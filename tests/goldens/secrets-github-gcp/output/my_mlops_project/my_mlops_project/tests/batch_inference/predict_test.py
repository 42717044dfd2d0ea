from datetime import UTC, datetime

import pytest
from pyspark.sql import functions as F

from my_mlops_project.batch_inference.predict import champion_model, predict_batch
from my_mlops_project.local.tables import local_table_name
from my_mlops_project.model_registry import CHAMPION, ModelVersionRef
from my_mlops_project.prediction_table import (
    CONTRACT_COLUMN_TYPES,
    prediction_table_columns,
)

SCORED_AT = datetime(2016, 3, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def champion(mlflow_client, model_name, new_version):
    version = new_version()
    mlflow_client.set_registered_model_alias(model_name, CHAMPION, version)
    return champion_model(mlflow_client, model_name)


def test_champion_model_is_loaded_by_alias(champion, model_name):
    model_uri, version = champion
    assert model_uri == f"models:/{model_name}@champion"
    assert version == "1"


def test_predict_batch_writes_the_contract_columns_one_row_per_input_row(
    spark, trips_table, champion, model_name
):
    model_uri, version = champion
    model_id = ModelVersionRef(model_name, version).model_uri
    output = local_table_name("test.fares.predictions_contract")
    predict_batch(spark, model_uri, trips_table, output, model_id, SCORED_AT)
    written = spark.table(output)
    trips = spark.table(trips_table)
    assert written.columns == prediction_table_columns(trips.columns)
    types = {f.name: f.dataType for f in written.schema.fields}
    assert {c: types[c] for c in CONTRACT_COLUMN_TYPES} == CONTRACT_COLUMN_TYPES
    assert written.count() == trips.count()
    assert written.filter(F.col("prediction").isNull()).count() == 0
    assert {r.model_id for r in written.select("model_id").distinct().collect()} == {model_id}
    error = written.select(F.avg(F.abs(F.col("prediction") - F.col("fare_amount")))).first()[0]
    assert error < 3.0


def test_predict_batch_appends_so_the_history_is_kept(spark, trips_table, champion, model_name):
    model_uri, version = champion
    model_id = ModelVersionRef(model_name, version).model_uri
    output = local_table_name("test.fares.predictions_history")
    predict_batch(spark, model_uri, trips_table, output, model_id, SCORED_AT)
    predict_batch(spark, model_uri, trips_table, output, model_id, datetime.now(UTC))
    written = spark.table(output)
    assert written.count() == 2 * spark.table(trips_table).count()
    assert written.select("timestamp").distinct().count() == 2


def test_champion_model_without_champion_explains_what_to_do(mlflow_client, model_name):
    with pytest.raises(RuntimeError, match="training job"):
        champion_model(mlflow_client, model_name)
