# Databricks notebook source
# MAGIC %md
# MAGIC # Check the monitored metric
# MAGIC
# MAGIC The first task of `retraining_job`. It reads the monitor's profile metrics of the
# MAGIC prediction table and sets the task value `is_metric_violated`: `true` when at least
# MAGIC `num_violation_windows` of the newest `num_evaluation_windows` windows exceed the
# MAGIC threshold and the newest one does. The threshold is the limit that validation holds every
# MAGIC new model version to (`validation_thresholds` in
# MAGIC `src/my_mlops_project/validation/validation.py`). The job then re-runs training.
# MAGIC Before the monitor has written any metrics the value is `false`. The query is in
# MAGIC `src/my_mlops_project/monitoring/metric_violation_check_query.py`.
# MAGIC
# MAGIC Monitor metric tables: https://docs.gcp.databricks.com/lakehouse-monitoring/monitor-output.html

# COMMAND ----------

# MAGIC %pip install --quiet ../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

from databricks.sdk.runtime import dbutils, spark

from my_mlops_project.monitoring.metric_violation_check_query import (
    is_metric_violated,
    profile_metrics_table,
    violation_threshold,
)

# COMMAND ----------

dbutils.widgets.text("table_name_under_monitor", "")
dbutils.widgets.text("monitor_output_schema", "")
dbutils.widgets.text("metric_to_monitor", "root_mean_squared_error")
dbutils.widgets.text("num_evaluation_windows", "5")
dbutils.widgets.text("num_violation_windows", "2")

table_name_under_monitor = dbutils.widgets.get("table_name_under_monitor")
monitor_output_schema = dbutils.widgets.get("monitor_output_schema")
metric_to_monitor = dbutils.widgets.get("metric_to_monitor")
num_evaluation_windows = int(dbutils.widgets.get("num_evaluation_windows"))
num_violation_windows = int(dbutils.widgets.get("num_violation_windows"))
if not table_name_under_monitor or not monitor_output_schema:
    raise ValueError("Set the table_name_under_monitor and monitor_output_schema parameters.")

# COMMAND ----------

metrics_table = profile_metrics_table(monitor_output_schema, table_name_under_monitor)
threshold = violation_threshold(metric_to_monitor)
violated = is_metric_violated(
    spark,
    metrics_table,
    metric_to_monitor,
    threshold,
    num_evaluation_windows,
    num_violation_windows,
)
print(f"{metric_to_monitor} > {threshold} in {metrics_table}: violated {violated}")
dbutils.jobs.taskValues.set("is_metric_violated", violated)
