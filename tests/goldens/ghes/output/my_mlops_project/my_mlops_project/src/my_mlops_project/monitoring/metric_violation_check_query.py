"""Decide whether the monitored model metric has degraded enough to retrain.

The monitor on the prediction table writes its metrics to `<output schema>.<table>_profile_metrics`
(in the monitor's output schema, not necessarily the prediction table's schema). The check looks
at the newest `num_evaluation_windows` time windows of the model-quality metric: the metric is
violated when at least `num_violation_windows` of them exceed the threshold and the newest one
does. The metric must be one where higher is worse (an error, such as root_mean_squared_error).
"""

import re

from pyspark.sql import SparkSession

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def profile_metrics_table(monitor_output_schema: str, monitored_table: str) -> str:
    """The profile metrics table of the monitor on `monitored_table`."""
    return f"{monitor_output_schema}.{monitored_table.split('.')[-1]}_profile_metrics"


def violation_query(
    metrics_table: str,
    metric: str,
    threshold: float,
    num_evaluation_windows: int,
    num_violation_windows: int,
) -> str:
    """SQL returning one row with a boolean `is_violated`."""
    if not _IDENTIFIER.match(metric):
        raise ValueError(f"not a metric column name: {metric!r}")
    if num_evaluation_windows < 1 or not 1 <= num_violation_windows <= num_evaluation_windows:
        raise ValueError(
            "need 1 <= num_violation_windows <= num_evaluation_windows, got "
            f"{num_violation_windows} and {num_evaluation_windows}"
        )
    # Rows of table-level model-quality metrics (column_name ':table', no slice) per model
    # ('*' rows aggregate all models) computed on the monitored table (log_type 'INPUT').
    return f"""
WITH recent AS (
  SELECT `window`.start AS window_start, {metric} AS metric_value
  FROM {metrics_table}
  WHERE column_name = ':table'
    AND slice_key IS NULL
    AND model_id != '*'
    AND log_type = 'INPUT'
    AND {metric} IS NOT NULL
  ORDER BY `window`.start DESC
  LIMIT {int(num_evaluation_windows)}
),
ranked AS (
  SELECT metric_value > {float(threshold)} AS violated,
         ROW_NUMBER() OVER (ORDER BY window_start DESC) AS recency
  FROM recent
)
SELECT COALESCE(
  SUM(CAST(violated AS INT)) >= {int(num_violation_windows)}
    AND MAX(CASE WHEN recency = 1 THEN violated END),
  false
) AS is_violated
FROM ranked
"""


def is_metric_violated(
    spark: SparkSession,
    metrics_table: str,
    metric: str,
    threshold: float,
    num_evaluation_windows: int,
    num_violation_windows: int,
) -> bool:
    """Whether the metric is violated; False while the monitor has not written metrics yet."""
    if not spark.catalog.tableExists(metrics_table):
        return False
    query = violation_query(
        metrics_table, metric, threshold, num_evaluation_windows, num_violation_windows
    )
    return bool(spark.sql(query).collect()[0]["is_violated"])
