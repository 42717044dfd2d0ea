"""LOCAL STAND-IN for the Feature Engineering client, for tests and local runs; and the local
equivalents of the notebooks that use the client.

`databricks.feature_engineering.FeatureEngineeringClient` needs a workspace: it publishes feature
tables in Unity Catalog, joins features point in time into a training set, and packages the
lookups with the model it logs, so that scoring the model looks them up again.
`LocalFeatureEngineeringClient` does the same on local Spark, with the methods and arguments the
project's code calls: feature tables are plain local tables, and a model it logs is an MLflow
model whose run carries its lookups in the tag `local_feature_lookups`, which `score_batch` reads.
It implements nothing else of the client.
"""

import json
from collections.abc import Callable
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.models import infer_signature
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from ..batch_inference.predict import score_with_model
from ..data_split import holdout_rows
from ..features.lookups import feature_store_batch_scorer, feature_store_scorer
from ..features.write import compute_features, write_feature_table
from ..training.train_with_feature_store import train_with_feature_store, training_input
from .tables import local_table_name
from .tasks import LocalRun, Outcome, local_task, registered, score, validate

FEATURE_LOOKUPS_TAG = "local_feature_lookups"


def _as_of_join(rows: DataFrame, features: DataFrame, lookup: dict[str, Any]) -> DataFrame:
    """`rows` plus the lookup's features from the newest feature row of the same key at or before
    the row's lookup timestamp, or the lookup's default values."""
    keys = [k for k in lookup["primary_keys"] if k != lookup["timeseries_column"]]
    rows = rows.withColumn("_row", F.monotonically_increasing_id())
    candidates = features.select(
        *[F.col(k).alias(f"_key{i}") for i, k in enumerate(keys)],
        F.col(lookup["timeseries_column"]).alias("_at"),
        *lookup["feature_names"],
    )
    match = F.col("_at") <= F.col(lookup["timestamp_lookup_key"])
    for i, key in enumerate(lookup["lookup_key"]):
        match &= F.col(key) == F.col(f"_key{i}")
    newest_first = Window.partitionBy("_row").orderBy(F.col("_at").desc_nulls_last())
    joined = (
        rows.join(candidates, match, "left")
        .withColumn("_rank", F.row_number().over(newest_first))
        .filter(F.col("_rank") == 1)
        .drop("_row", "_at", "_rank", *[f"_key{i}" for i in range(len(keys))])
    )
    return joined.fillna(lookup["default_values"]) if lookup["default_values"] else joined


class LocalTrainingSet:
    def __init__(
        self, client: "LocalFeatureEngineeringClient", df: DataFrame, lookups, label, exclude
    ):
        self.lookups, self.label = lookups, label
        self._client, self._df, self._exclude = client, df, list(exclude)

    def load_df(self) -> DataFrame:
        return self._client.join_features(self._df, self.lookups).drop(*self._exclude)


class LocalFeatureEngineeringClient:
    """The Feature Engineering client's calls used by this project, on local Spark tables.

    `local_name` maps a Unity Catalog table name to the local table that stands in for it.
    """

    def __init__(self, spark: SparkSession, local_name: Callable[[str], str] = local_table_name):
        self._spark = spark
        self._local_name = local_name
        self._tables: dict[str, dict[str, Any]] = {}

    def create_table(self, *, name, primary_keys, timeseries_column, df, description=""):
        table = self._local_name(name)
        df.write.mode("overwrite").saveAsTable(table)
        self._tables[table] = {
            "primary_keys": list(primary_keys),
            "timeseries_column": timeseries_column,
        }

    def write_table(self, *, name, df, mode="merge"):
        """Merge: the rows of `df` replace the table's rows with the same primary key."""
        table = self._local_name(name)
        keys = self._tables[table]["primary_keys"]
        kept = self._spark.table(table).join(df.select(*keys), keys, "left_anti").localCheckpoint()
        kept.unionByName(df).write.mode("overwrite").saveAsTable(table)

    def _lookup(self, lookup) -> dict[str, Any]:
        """A FeatureLookup as plain data, with the keys of its feature table."""
        keys = lookup.lookup_key if isinstance(lookup.lookup_key, list) else [lookup.lookup_key]
        return {
            "table_name": lookup.table_name,
            "lookup_key": keys,
            "timestamp_lookup_key": lookup.timestamp_lookup_key,
            "feature_names": list(lookup.feature_names),
            "default_values": dict(lookup.default_values or {}),
            **self._tables[self._local_name(lookup.table_name)],
        }

    def join_features(self, rows: DataFrame, lookups: list[dict[str, Any]]) -> DataFrame:
        for lookup in lookups:
            rows = _as_of_join(
                rows, self._spark.table(self._local_name(lookup["table_name"])), lookup
            )
        return rows

    def create_training_set(self, *, df, feature_lookups, label, exclude_columns=()):
        return LocalTrainingSet(
            self, df, [self._lookup(x) for x in feature_lookups], label, exclude_columns
        )

    def log_model(
        self,
        *,
        model,
        artifact_path,
        flavor,
        training_set,
        registered_model_name=None,
        infer_input_example=False,
    ):
        """Log `model` with plain MLflow, its lookups in the run's tag FEATURE_LOOKUPS_TAG."""
        inputs = training_set.load_df().drop(training_set.label).toPandas()
        mlflow.set_tag(FEATURE_LOOKUPS_TAG, json.dumps(training_set.lookups))
        return flavor.log_model(
            model,
            name=artifact_path,
            signature=infer_signature(inputs, model.predict(inputs)),
            input_example=inputs.head(5) if infer_input_example else None,
            registered_model_name=registered_model_name,
            pip_requirements=flavor.get_default_pip_requirements(),
        )

    def score_batch(self, *, model_uri, df, result_type="double"):
        """`df` with the model's features looked up and its `prediction`."""
        run_id = mlflow.models.get_model_info(model_uri).run_id
        lookups = json.loads(MlflowClient().get_run(run_id).data.tags[FEATURE_LOOKUPS_TAG])
        return score_with_model(self._spark, model_uri, self.join_features(df, lookups))


# --- The notebooks that use the client, locally (replacing the plain variants of tasks.py) ---
def client(run: LocalRun) -> LocalFeatureEngineeringClient:
    """The run's one stand-in client (it remembers the feature tables it created)."""
    return run.stand_ins.setdefault("feature_engineering", LocalFeatureEngineeringClient(run.spark))


@local_task("feature_engineering/notebooks/GenerateAndWriteFeatures")
def write_features(run: LocalRun, params: dict[str, str]) -> Outcome:
    features = compute_features(
        run.spark,
        run.table(params["input_table_name"]),
        params["features_transform_module"],
        params["timestamp_column"],
        params["input_start_date"],
        params["input_end_date"],
    )
    table = params["output_table_name"]
    keys = [key.strip() for key in params["primary_keys"].split(",")]
    result = write_feature_table(
        run.spark, client(run), features, run.table(table), keys, params["timestamp_column"]
    )
    return Outcome({"feature_table": f"{table}: {result}", "rows": run.rows(run.table(table))})


@local_task("training/notebooks/TrainWithFeatureStore")
def train_with_features(run: LocalRun, params: dict[str, str]) -> Outcome:
    run.use_experiment(params["experiment_name"])
    version = train_with_feature_store(
        run.spark,
        client(run),
        run.table(params["training_data_table"]),
        params["pickup_features_table"],
        params["dropoff_features_table"],
        params["experiment_name"],
        params["model_name"],
    )
    return registered(run, version)


@local_task("validation/notebooks/ModelValidation")
def validate_with_features(run: LocalRun, params: dict[str, str]) -> Outcome:
    data = training_input(holdout_rows(run.sql(params["validation_input"]))).toPandas()
    fe = client(run)
    return validate(
        run, params, data, load_model=lambda uri: feature_store_scorer(fe, run.spark, uri)
    )


@local_task("deployment/batch_inference/notebooks/BatchInference")
def batch_inference_with_features(run: LocalRun, params: dict[str, str]) -> Outcome:
    return score(run, params, scorer=lambda uri: feature_store_batch_scorer(client(run), uri))
