# Databricks notebook source
# MAGIC %md
# MAGIC # Train the fare model with features from the feature tables
# MAGIC
# MAGIC The first task of `model_training_job` (see `resources/model-workflow-resource.yml`). It
# MAGIC joins each trip with its pickup and dropoff features (point-in-time lookups in the
# MAGIC feature tables that `write_feature_table_job` writes), trains a LightGBM regressor that
# MAGIC predicts the fare, and logs and registers it with the Feature Engineering client, so that
# MAGIC scoring the model looks the features up by itself. It hands the new version to validation
# MAGIC and deployment through task values (`model_uri`, `model_name`, `model_version`): keep
# MAGIC them, the next tasks read them. The training code is in
# MAGIC `src/fare_forecast/training/`.
# MAGIC
# MAGIC Feature engineering in Unity Catalog: https://docs.databricks.com/machine-learning/feature-store/index.html

# COMMAND ----------

# MAGIC %pip install --quiet ../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

import mlflow
from databricks.feature_engineering import FeatureEngineeringClient
from databricks.sdk.runtime import dbutils, spark

from fare_forecast.training.train_with_feature_store import train_with_feature_store

# COMMAND ----------

# MAGIC %md
# MAGIC ## Parameters
# MAGIC
# MAGIC The job passes every one of them. To run this notebook by hand, fill in the experiment, the
# MAGIC three-level model name and the feature tables of your development target.

# COMMAND ----------

# The bundle target; any name, so that targets you add need no change here.
dbutils.widgets.text("env", "dev")
dbutils.widgets.text("training_data_table", "")
dbutils.widgets.text("experiment_name", "")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("pickup_features_table", "")
dbutils.widgets.text("dropoff_features_table", "")

env = dbutils.widgets.get("env")
training_data_table = dbutils.widgets.get("training_data_table")
experiment_name = dbutils.widgets.get("experiment_name")
model_name = dbutils.widgets.get("model_name")
pickup_features_table = dbutils.widgets.get("pickup_features_table")
dropoff_features_table = dbutils.widgets.get("dropoff_features_table")
if not all(
    [
        training_data_table,
        experiment_name,
        model_name,
        pickup_features_table,
        dropoff_features_table,
    ]
):
    raise ValueError(
        "Set the training_data_table, experiment_name, model_name, pickup_features_table and "
        "dropoff_features_table parameters."
    )

# COMMAND ----------

mlflow.set_registry_uri("databricks-uc")
version = train_with_feature_store(
    spark,
    FeatureEngineeringClient(),
    training_data_table,
    pickup_features_table,
    dropoff_features_table,
    experiment_name,
    model_name,
)
print(f"[{env}] registered {version.model_uri}")

# COMMAND ----------

dbutils.jobs.taskValues.set("model_uri", version.model_uri)
dbutils.jobs.taskValues.set("model_name", version.model_name)
dbutils.jobs.taskValues.set("model_version", version.model_version)
dbutils.notebook.exit(version.model_uri)
