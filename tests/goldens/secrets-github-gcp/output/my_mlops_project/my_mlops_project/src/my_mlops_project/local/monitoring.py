"""LOCAL STAND-IN for Lakehouse Monitoring (data profiling), for tests and local runs.

On Databricks the monitor that `monitoring/monitor.py` creates on the prediction table writes
`<output schema>.<table>_profile_metrics` on every refresh. Locally there is no such service:
`LocalWorkspace` answers the calls `ensure_monitor` makes, and each refresh computes, from the
monitored table, the rows the retraining check reads (table-level model-quality metrics per model
and time window) in the monitor's columns. It computes nothing else the monitor does (no column
profiles, no drift metrics, no dashboard).
"""

from collections.abc import Callable
from types import SimpleNamespace

from databricks.sdk.errors import NotFound
from databricks.sdk.service.dataquality import InferenceLogConfig, Monitor, Refresh, RefreshState
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..monitoring.metric_violation_check_query import profile_metrics_table
from ..monitoring.monitor import AGGREGATION_GRANULARITIES, inference_log_config

_GRANULARITY_NAMES = {value: name for name, value in AGGREGATION_GRANULARITIES.items()}


def compute_profile_metrics(
    predictions: DataFrame, config: InferenceLogConfig | None = None
) -> DataFrame:
    """Regression quality per model and window (the config's first granularity) of the rows of
    `predictions` that have a label."""
    config = config or inference_log_config()
    granularity = _GRANULARITY_NAMES[config.granularities[0]]
    label, prediction = F.col(config.label_column), F.col(config.prediction_column)
    error = prediction - label
    per_window = (
        predictions.filter(label.isNotNull())
        .groupBy(
            F.window(config.timestamp_column, granularity).alias("window"),
            F.col(config.model_id_column).alias("model_id"),
        )
        .agg(
            F.count("*").alias("count"),
            F.avg(error * error).alias("mean_squared_error"),
            F.avg(F.abs(error)).alias("mean_absolute_error"),
        )
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


class LocalWorkspace:
    """The parts of `databricks.sdk.WorkspaceClient` that `ensure_monitor` uses, on local Spark.

    Table and schema ids are their names; `local_name` maps a Unity Catalog table name to the
    local table that stands in for it.
    """

    def __init__(self, spark: SparkSession, local_name: Callable[[str], str] = str):
        self._spark = spark
        self._local_name = local_name
        self.monitors: dict[str, Monitor] = {}
        self.tables = SimpleNamespace(get=lambda name: SimpleNamespace(table_id=name))
        self.schemas = SimpleNamespace(get=lambda name: SimpleNamespace(schema_id=name))
        self.data_quality = SimpleNamespace(
            get_monitor=self._get_monitor,
            create_monitor=self._create_monitor,
            create_refresh=self._create_refresh,
            list_refresh=self._list_refresh,
        )
        # Refreshes by monitored table; a local refresh finishes at once.
        self.refreshes: dict[str, list[Refresh]] = {}

    def _get_monitor(self, object_type: str, object_id: str) -> Monitor:
        if object_id not in self.monitors:
            raise NotFound(f"no monitor on {object_id}")
        return self.monitors[object_id]

    def _create_monitor(self, monitor: Monitor) -> Monitor:
        self.monitors[monitor.object_id] = monitor
        self._create_refresh(monitor.object_type, monitor.object_id)  # as on Databricks
        return monitor

    def _create_refresh(self, object_type: str, object_id: str, refresh=None) -> str:
        """Recompute the profile metrics table of the monitored table; returns its name."""
        config = self._get_monitor(object_type, object_id).data_profiling_config
        metrics_table = profile_metrics_table(config.output_schema_id, object_id)
        predictions = self._spark.table(self._local_name(object_id))
        metrics = compute_profile_metrics(predictions, config.inference_log)
        metrics.write.mode("overwrite").saveAsTable(self._local_name(metrics_table))
        done = Refresh(
            object_type=object_type,
            object_id=object_id,
            state=RefreshState.MONITOR_REFRESH_STATE_SUCCESS,
        )
        self.refreshes.setdefault(object_id, []).append(done)
        return metrics_table

    def _list_refresh(self, object_type: str, object_id: str) -> list[Refresh]:
        self._get_monitor(object_type, object_id)
        return list(self.refreshes.get(object_id, []))
