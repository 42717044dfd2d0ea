# Databricks notebook source
# MAGIC %md
# MAGIC # Compute and write a feature table
# MAGIC
# MAGIC Both tasks of `write_feature_table_job` run this notebook: `PickupFeatures` with
# MAGIC `features_transform_module` = `pickup_features`, `DropoffFeatures` with
# MAGIC `dropoff_features`. It computes the features of the trips in the date range (all trips
# MAGIC when the dates are empty) and writes them to the feature table with the Feature
# MAGIC Engineering client: created on the first run, merged on later runs. To add features,
# MAGIC add a module with a `compute_features_fn(input_df, timestamp_column, start_date, end_date)`
# MAGIC function to
# MAGIC `src/fare_forecast/features/`.
# MAGIC
# MAGIC Feature engineering in Unity Catalog: https://docs.databricks.com/machine-learning/feature-store/index.html

# COMMAND ----------

# MAGIC %pip install --quiet ../..

# COMMAND ----------

from databricks.sdk.runtime import dbutils

dbutils.library.restartPython()

# COMMAND ----------

from databricks.feature_engineering import FeatureEngineeringClient
from databricks.sdk.runtime import dbutils, spark

from fare_forecast.features.write import compute_features, write_feature_table

# COMMAND ----------

dbutils.widgets.text("input_table_name", "")
dbutils.widgets.text("input_start_date", "")
dbutils.widgets.text("input_end_date", "")
dbutils.widgets.text("timestamp_column", "tpep_pickup_datetime")
dbutils.widgets.text("output_table_name", "")
dbutils.widgets.text("features_transform_module", "pickup_features")
dbutils.widgets.text("primary_keys", "zip")

input_table_name = dbutils.widgets.get("input_table_name")
input_start_date = dbutils.widgets.get("input_start_date")
input_end_date = dbutils.widgets.get("input_end_date")
timestamp_column = dbutils.widgets.get("timestamp_column")
output_table_name = dbutils.widgets.get("output_table_name")
features_transform_module = dbutils.widgets.get("features_transform_module")
primary_keys = [key.strip() for key in dbutils.widgets.get("primary_keys").split(",")]
if not input_table_name or not output_table_name:
    raise ValueError("Set the input_table_name and output_table_name parameters.")

# COMMAND ----------

features = compute_features(
    spark,
    input_table_name,
    features_transform_module,
    timestamp_column,
    input_start_date,
    input_end_date,
)
result = write_feature_table(
    spark,
    FeatureEngineeringClient(),
    features,
    output_table_name,
    primary_keys,
    timestamp_column,
)
print(f"{output_table_name}: {result}")
