# Databricks notebook source
# MAGIC %md
# MAGIC # Deploy the validated model version
# MAGIC
# MAGIC The last task of `model_training_job`.
# MAGIC It moves the `champion` alias, which batch inference scores with, to the version that
# MAGIC validation marked `challenger`, and clears `challenger`. A version without `challenger` (it
# MAGIC failed validation) is refused and this task fails. The logic is in
# MAGIC `src/my_mlops_project/deployment/deploy.py`.
# MAGIC
# MAGIC Model aliases: https://learn.microsoft.com/azure/databricks/machine-learning/manage-model-lifecycle/index

# COMMAND ----------

# MAGIC %pip install --quiet ../../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

import mlflow
from databricks.sdk.runtime import dbutils
from mlflow import MlflowClient

from my_mlops_project.deployment.deploy import deploy

# COMMAND ----------

# The bundle target; any name, so that targets you add need no change here.
dbutils.widgets.text("env", "dev")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("model_version", "")

env = dbutils.widgets.get("env")
model_name = dbutils.widgets.get("model_name")
model_version = dbutils.widgets.get("model_version")
if not model_name or not model_version:
    raise ValueError("Set the model_name and model_version parameters.")

# COMMAND ----------

mlflow.set_registry_uri("databricks-uc")
print(f"[{env}] {deploy(MlflowClient(), model_name, model_version)}")
