# Databricks notebook source
# MAGIC %md
# MAGIC # Train the fare model
# MAGIC
# MAGIC The first task of `model_training_job` (see `resources/model-workflow-resource.yml`). It
# MAGIC trains a LightGBM regressor that predicts the fare from each trip, logs the run to the
# MAGIC experiment and registers a new version of the Unity Catalog model, then hands that
# MAGIC version to validation and deployment through task values (`model_uri`, `model_name`,
# MAGIC `model_version`): keep them, the next tasks read them.
# MAGIC
# MAGIC This notebook only reads its parameters, calls the training code and passes the result
# MAGIC on. The training code (it runs and is tested on your machine too) is in
# MAGIC `src/my_mlops_project/training/train.py`.
# MAGIC
# MAGIC Models in Unity Catalog: https://docs.gcp.databricks.com/machine-learning/manage-model-lifecycle/index.html

# COMMAND ----------

# MAGIC %pip install --quiet ../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

import mlflow
from databricks.sdk.runtime import dbutils, spark

from my_mlops_project.training.train import train

# COMMAND ----------

# MAGIC %md
# MAGIC ## Parameters
# MAGIC
# MAGIC The job passes every one of them. To run this notebook by hand, fill in the input table,
# MAGIC the experiment and the three-level model name (`catalog.schema.model`) of your development
# MAGIC target.

# COMMAND ----------

# The bundle target; any name, so that targets you add need no change here.
dbutils.widgets.text("env", "dev")
dbutils.widgets.text("training_data_table", "")
dbutils.widgets.text("experiment_name", "")
dbutils.widgets.text("model_name", "")

env = dbutils.widgets.get("env")
training_data_table = dbutils.widgets.get("training_data_table")
experiment_name = dbutils.widgets.get("experiment_name")
model_name = dbutils.widgets.get("model_name")
if not training_data_table or not experiment_name or not model_name:
    raise ValueError("Set the training_data_table, experiment_name and model_name parameters.")

# COMMAND ----------

mlflow.set_registry_uri("databricks-uc")
version = train(spark, training_data_table, experiment_name, model_name)
print(f"[{env}] registered {version.model_uri}")

# COMMAND ----------

dbutils.jobs.taskValues.set("model_uri", version.model_uri)
dbutils.jobs.taskValues.set("model_name", version.model_name)
dbutils.jobs.taskValues.set("model_version", version.model_version)
dbutils.notebook.exit(version.model_uri)
