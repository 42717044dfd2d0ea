"""LOCAL STAND-IN for the monitor's profile metrics table, for tests and local runs.

On Databricks the data-profiling monitor writes `<table>_profile_metrics`. Locally there is no
monitor: `compute_profile_metrics` computes, from the prediction table, the rows the retraining
check reads (table-level model-quality metrics per model and time window) in the monitor's
columns. It computes nothing else the monitor does (no column profiles, no drift metrics).
"""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from deployment.batch_inference.prediction_table import (
    GRANULARITIES,
    LABEL_COLUMN,
    MODEL_ID_COLUMN,
    PREDICTION_COLUMN,
    TIMESTAMP_COLUMN,
)


def compute_profile_metrics(
    predictions: DataFrame, granularity: str = GRANULARITIES[0]
) -> DataFrame:
    """Regression quality per model and `granularity` window of the prediction table's rows
    that have a label."""
    error = F.col(PREDICTION_COLUMN) - F.col(LABEL_COLUMN)
    labelled = predictions.filter(F.col(LABEL_COLUMN).isNotNull())
    per_window = labelled.groupBy(
        F.window(TIMESTAMP_COLUMN, granularity).alias("window"),
        F.col(MODEL_ID_COLUMN).alias("model_id"),
    ).agg(
        F.count("*").alias("count"),
        F.avg(error * error).alias("mean_squared_error"),
        F.avg(F.abs(error)).alias("mean_absolute_error"),
    )
    return per_window.select(
        "window",
        F.lit("INPUT").alias("log_type"),
        F.lit(granularity).alias("granularity"),
        F.lit(":table").alias("column_name"),
        F.lit(None).cast("string").alias("slice_key"),
        F.lit(None).cast("string").alias("slice_value"),
        "model_id",
        "count",
        F.sqrt("mean_squared_error").alias("root_mean_squared_error"),
        "mean_squared_error",
        "mean_absolute_error",
    )
