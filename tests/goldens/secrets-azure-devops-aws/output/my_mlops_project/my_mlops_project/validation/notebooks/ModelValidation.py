# Databricks notebook source
# MAGIC %md
# MAGIC # Validate the new model version
# MAGIC
# MAGIC Runs after training,
# MAGIC before deployment. It evaluates the model version on the validation data with MLflow,
# MAGIC checks the metrics against the thresholds, writes the result into the version's
# MAGIC description, and marks a version that passed as `challenger`. Deployment only deploys the
# MAGIC challenger. The thresholds and the checks are in
# MAGIC `src/my_mlops_project/validation/validation.py`.
# MAGIC
# MAGIC `run_mode`: `enabled` fails this task when validation fails, so deployment does not run;
# MAGIC `dry_run` evaluates and records the result but never fails (the version becomes
# MAGIC challenger anyway); `disabled` skips evaluation. `enable_baseline_comparison`: also
# MAGIC require the version to be no worse than the current champion.
# MAGIC
# MAGIC Model evaluation with MLflow: https://docs.databricks.com/mlflow/index.html

# COMMAND ----------

# MAGIC %pip install --quiet ../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

import mlflow
from databricks.sdk.runtime import dbutils, spark
from mlflow import MlflowClient

from my_mlops_project.data_split import holdout_rows
from my_mlops_project.features.trip_features import training_frame
from my_mlops_project.validation.validation import validate_model_version

# COMMAND ----------

dbutils.widgets.text("experiment_name", "")
dbutils.widgets.dropdown("run_mode", "enabled", ["disabled", "dry_run", "enabled"])
dbutils.widgets.dropdown("enable_baseline_comparison", "false", ["true", "false"])
dbutils.widgets.text("validation_input", "")
dbutils.widgets.text("model_type", "regressor")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("model_version", "")

experiment_name = dbutils.widgets.get("experiment_name")
run_mode = dbutils.widgets.get("run_mode")
enable_baseline_comparison = dbutils.widgets.get("enable_baseline_comparison") == "true"
validation_input = dbutils.widgets.get("validation_input")
model_type = dbutils.widgets.get("model_type")
model_name = dbutils.widgets.get("model_name")
model_version = dbutils.widgets.get("model_version")
if not all([experiment_name, validation_input, model_name, model_version]):
    raise ValueError(
        "Set the experiment_name, validation_input, model_name and model_version parameters."
    )

# COMMAND ----------

mlflow.set_registry_uri("databricks-uc")
data = training_frame(holdout_rows(spark.sql(validation_input))).toPandas()
outcome = validate_model_version(
    MlflowClient(),
    model_name,
    model_version,
    data,
    experiment_name=experiment_name,
    run_mode=run_mode,
    enable_baseline_comparison=enable_baseline_comparison,
    model_type=model_type,
)
print(f"Validation of {model_name} version {model_version}: {outcome.message}")
print(outcome.metrics)
