# Databricks notebook source
# MAGIC %md
# MAGIC # Promote the staging model to production
# MAGIC
# MAGIC The first task of `model_promotion_job`, which CD runs in the production target after
# MAGIC each deployment. Production does not retrain: this copies the version holding `champion`
# MAGIC in the staging catalog's model into the production catalog's model, and hands the copy to
# MAGIC ModelValidation and ModelDeployment through task values (`model_uri`, `model_name`,
# MAGIC `model_version`). The production workspace needs read access to the staging catalog's
# MAGIC model. The logic is in
# MAGIC `src/my_mlops_project/promotion/promote.py`.
# MAGIC
# MAGIC Models in Unity Catalog: https://learn.microsoft.com/azure/databricks/machine-learning/manage-model-lifecycle/index

# COMMAND ----------

# MAGIC %pip install --quiet ../../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

import mlflow
from databricks.sdk.runtime import dbutils
from mlflow import MlflowClient

from my_mlops_project.promotion.promote import promote

# COMMAND ----------

dbutils.widgets.text("source_model_name", "")
dbutils.widgets.text("model_name", "")

source_model_name = dbutils.widgets.get("source_model_name")
model_name = dbutils.widgets.get("model_name")
if not source_model_name or not model_name:
    raise ValueError("Set the source_model_name and model_name parameters.")

# COMMAND ----------

mlflow.set_registry_uri("databricks-uc")
version = promote(MlflowClient(), source_model_name, model_name)
print(f"{source_model_name}@champion promoted as {version.model_uri}")

# COMMAND ----------

dbutils.jobs.taskValues.set("model_uri", version.model_uri)
dbutils.jobs.taskValues.set("model_name", version.model_name)
dbutils.jobs.taskValues.set("model_version", version.model_version)
dbutils.notebook.exit(version.model_uri)
