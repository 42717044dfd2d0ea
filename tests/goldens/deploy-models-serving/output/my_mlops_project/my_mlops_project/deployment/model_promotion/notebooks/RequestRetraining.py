# Databricks notebook source
# MAGIC %md
# MAGIC # Ask for a new model from staging
# MAGIC
# MAGIC The `trigger_retraining` task of `retraining_job` in the production target, which runs
# MAGIC when the monitored metric of the production model is violated. Production does not train,
# MAGIC and promoting again would copy the same staging champion, so this task fails the run with
# MAGIC what to do: retrain in staging, then run `model_promotion_job` in production. Add failure
# MAGIC notifications to `retraining_job` (`email_notifications` or `webhook_notifications` in
# MAGIC `resources/monitoring-resource.yml`) to be told. The message is in
# MAGIC `src/my_mlops_project/promotion/retraining.py`.

# COMMAND ----------

# MAGIC %pip install --quiet ../../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

from databricks.sdk.runtime import dbutils

from my_mlops_project.promotion.retraining import request_retraining

# COMMAND ----------

dbutils.widgets.text("model_name", "")
dbutils.widgets.text("source_model_name", "")

model_name = dbutils.widgets.get("model_name")
source_model_name = dbutils.widgets.get("source_model_name")
if not model_name or not source_model_name:
    raise ValueError("Set the model_name and source_model_name parameters.")

# COMMAND ----------

request_retraining(model_name, source_model_name)
