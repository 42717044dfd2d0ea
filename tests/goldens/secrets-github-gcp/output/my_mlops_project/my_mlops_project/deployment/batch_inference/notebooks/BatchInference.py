# Databricks notebook source
# MAGIC %md
# MAGIC # Batch inference
# MAGIC
# MAGIC The first task of `batch_inference_job`. It scores every trip of the input table with the
# MAGIC model version that holds the `champion` alias and appends the predictions to the output
# MAGIC table, in the layout the monitor reads. The next task, UpdateMonitor, creates or refreshes
# MAGIC the monitor on that table. The input table needs the columns the model was trained from
# MAGIC (see `dataset.py`); the layout of the output is in
# MAGIC `src/my_mlops_project/prediction_table.py`.
# MAGIC
# MAGIC Batch inference in Databricks: https://docs.gcp.databricks.com/machine-learning/model-inference/index.html

# COMMAND ----------

# MAGIC %pip install --quiet ../../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

from datetime import UTC, datetime

import mlflow
from databricks.sdk.runtime import dbutils, spark
from mlflow import MlflowClient

from my_mlops_project.batch_inference.predict import champion_model, predict_batch
from my_mlops_project.model_registry import ModelVersionRef

# COMMAND ----------

# The bundle target; any name, so that targets you add need no change here.
dbutils.widgets.text("env", "dev")
dbutils.widgets.text("input_table_name", "")
dbutils.widgets.text("output_table_name", "")
dbutils.widgets.text("model_name", "")

env = dbutils.widgets.get("env")
input_table_name = dbutils.widgets.get("input_table_name")
output_table_name = dbutils.widgets.get("output_table_name")
model_name = dbutils.widgets.get("model_name")
if not input_table_name or not output_table_name or not model_name:
    raise ValueError("Set the input_table_name, output_table_name and model_name parameters.")

# COMMAND ----------

mlflow.set_registry_uri("databricks-uc")
model_uri, model_version = champion_model(MlflowClient(), model_name)
score = None  # the model scores the trips directly
predictions = predict_batch(
    spark,
    model_uri,
    input_table_name,
    output_table_name,
    ModelVersionRef(model_name, model_version).model_uri,
    datetime.now(UTC),
    score=score,
)
print(f"[{env}] scored {input_table_name} with {model_name} version {model_version}")
dbutils.notebook.exit(output_table_name)
