# Databricks notebook source
# MAGIC %md
# MAGIC # Create or refresh the monitor on the prediction table
# MAGIC
# MAGIC The second task of `batch_inference_job`. On the first run it creates the data-profiling
# MAGIC monitor on the prediction table that batch inference just wrote; later runs refresh it,
# MAGIC so the metric tables (`<output schema>.<table>_profile_metrics` and `_drift_metrics`)
# MAGIC follow the new predictions. `retraining_job` reads them. The logic is in
# MAGIC `src/my_mlops_project/monitoring/monitor.py`.
# MAGIC
# MAGIC Data profiling: https://learn.microsoft.com/azure/databricks/lakehouse-monitoring/index

# COMMAND ----------

# MAGIC %pip install --quiet ../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

from databricks.sdk import WorkspaceClient
from databricks.sdk.runtime import dbutils, spark

from my_mlops_project.monitoring.monitor import enable_change_data_feed, ensure_monitor

# COMMAND ----------

dbutils.widgets.text("table_name", "")
dbutils.widgets.text("output_schema_name", "")
dbutils.widgets.text("assets_dir", "")

table_name = dbutils.widgets.get("table_name")
output_schema_name = dbutils.widgets.get("output_schema_name")
assets_dir = dbutils.widgets.get("assets_dir")
if not table_name or not output_schema_name or not assets_dir:
    raise ValueError("Set the table_name, output_schema_name and assets_dir parameters.")

# COMMAND ----------

enable_change_data_feed(spark, table_name)
result = ensure_monitor(WorkspaceClient(), table_name, output_schema_name, assets_dir)
print(f"Monitor on {table_name}: {result}")
