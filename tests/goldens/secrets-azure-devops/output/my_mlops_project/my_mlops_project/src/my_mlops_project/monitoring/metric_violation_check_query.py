"""Decide whether the monitored model metric has degraded enough to retrain.

The monitor on the prediction table writes its metrics to `<output schema>.<table>_profile_metrics`
(in the monitor's output schema, not necessarily the prediction table's schema). The check looks
at the newest `num_evaluation_windows` time windows of the model-quality metric: the metric is
violated when at least `num_violation_windows` of them exceed the threshold and the newest one
does. The metric must be one where higher is worse (an error, such as root_mean_squared_error).

The threshold is not a setting of its own: it is the limit that validation holds every new model
version to (`validation_thresholds` in `validation/validation.py`). A deployed model whose live
error exceeds what a new version may have at validation has degraded, and a retrained version
must clear the same bar to replace it.
"""

import re

from pyspark.sql import SparkSession

from ..prediction_table import GRANULARITIES
from ..validation.validation import validation_thresholds

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def profile_metrics_table(monitor_output_schema: str, monitored_table: str) -> str:
    """The profile metrics table of the monitor on `monitored_table`."""
    return f"{monitor_output_schema}.{monitored_table.split('.')[-1]}_profile_metrics"


def violation_threshold(metric: str) -> float:
    """The limit of `metric` beyond which the deployed model has degraded: validation's limit."""
    threshold = validation_thresholds().get(metric)
    if threshold is None or threshold.threshold is None:
        raise ValueError(
            f"validation sets no absolute limit on {metric!r}: monitor a metric of "
            f"validation_thresholds() ({', '.join(sorted(validation_thresholds()))})"
        )
    if threshold.greater_is_better:
        raise ValueError(f"{metric!r} is better when higher: monitor an error metric")
    return float(threshold.threshold)


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
    # Table-level model-quality rows (column_name ':table', no slice) of the monitored table
    # (log_type 'INPUT') at the monitor's first granularity, one per model and window ('*' rows
    # aggregate all models and are left out). The check counts windows, not rows: a window's
    # value is the worst of the models that scored in it.
    return f"""
WITH windows AS (
  SELECT `window`.start AS window_start, MAX({metric}) AS metric_value
  FROM {metrics_table}
  WHERE column_name = ':table'
    AND slice_key IS NULL
    AND model_id != '*'
    AND log_type = 'INPUT'
    AND granularity = '{GRANULARITIES[0]}'
    AND {metric} IS NOT NULL
  GROUP BY `window`.start
),
recent AS (
  SELECT window_start, metric_value
  FROM windows
  ORDER BY window_start DESC
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
