# Databricks notebook source
# MAGIC %md
# MAGIC # Serve the champion on the model serving endpoint
# MAGIC
# MAGIC Runs after ModelDeployment in `model_training_job` (and in
# MAGIC `model_promotion_job` in production).
# MAGIC It creates the serving endpoint `endpoint_name` on first use and afterwards points it at
# MAGIC the new `champion` version (serverless, 100 % of the traffic, scale to zero except in
# MAGIC prod), lets `query_user_group` query it, logs requests to inference tables in
# MAGIC `inference_tables_schema` (AI Gateway; "" turns them off), and sends a smoke request with
# MAGIC a row of the model's input example. If that fails, the endpoint goes back to the version
# MAGIC it served before and this task fails with the response. The logic is in
# MAGIC `src/my_mlops_project/serving/`.
# MAGIC
# MAGIC Model serving: https://learn.microsoft.com/azure/databricks/machine-learning/model-serving/create-manage-serving-endpoints

# COMMAND ----------

# MAGIC %pip install --quiet ../../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.runtime import dbutils
from mlflow import MlflowClient

from my_mlops_project.batch_inference.predict import champion_model
from my_mlops_project.serving.endpoint import serve_champion
from my_mlops_project.serving.smoke import sample_records

# COMMAND ----------

# The bundle target; any name, so that targets you add need no change here.
dbutils.widgets.text("env", "dev")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("endpoint_name", "")
dbutils.widgets.text("query_user_group", "")
dbutils.widgets.text("inference_tables_schema", "")

env = dbutils.widgets.get("env")
model_name = dbutils.widgets.get("model_name")
endpoint_name = dbutils.widgets.get("endpoint_name")
query_user_group = dbutils.widgets.get("query_user_group")
inference_tables_schema = dbutils.widgets.get("inference_tables_schema")
if not model_name or not endpoint_name or not query_user_group:
    raise ValueError("Set the model_name, endpoint_name and query_user_group parameters.")

# COMMAND ----------

mlflow.set_registry_uri("databricks-uc")
model_uri, version = champion_model(MlflowClient(), model_name)
outcome = serve_champion(
    WorkspaceClient(),
    endpoint_name,
    model_name,
    version,
    env,
    query_user_group,
    inference_tables_schema,
    sample_records(model_uri),
)
print(
    f"[{env}] {endpoint_name} {outcome.action}: serves {model_name} version {version}"
    f" (before: {', '.join(outcome.previous_versions) or 'nothing'});"
    f" smoke request answered {outcome.predictions}"
)
