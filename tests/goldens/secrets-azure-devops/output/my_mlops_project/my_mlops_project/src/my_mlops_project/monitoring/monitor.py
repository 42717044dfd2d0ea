"""Create the data-profiling monitor on the prediction table, or refresh it if it exists.

Called by the UpdateMonitor notebook (monitoring/notebooks/) after every batch inference run. The
monitor is not declared in the bundle because a monitor needs its table to exist at deploy time,
and the prediction table only exists after the first batch inference run: created here, monitoring
starts by itself and the first deployment never fails. The monitor's columns come from the
prediction table's contract (`prediction_table.py`).
"""

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.dataquality import (
    AggregationGranularity,
    DataProfilingConfig,
    InferenceLogConfig,
    InferenceProblemType,
    Monitor,
    Refresh,
    RefreshState,
)
from pyspark.sql import SparkSession

from ..prediction_table import (
    GRANULARITIES,
    LABEL_COLUMN,
    MODEL_ID_COLUMN,
    PREDICTION_COLUMN,
    PROBLEM_TYPE,
    TIMESTAMP_COLUMN,
)

AGGREGATION_GRANULARITIES = {
    "5 minutes": AggregationGranularity.AGGREGATION_GRANULARITY_5_MINUTES,
    "30 minutes": AggregationGranularity.AGGREGATION_GRANULARITY_30_MINUTES,
    "1 hour": AggregationGranularity.AGGREGATION_GRANULARITY_1_HOUR,
    "1 day": AggregationGranularity.AGGREGATION_GRANULARITY_1_DAY,
    "1 week": AggregationGranularity.AGGREGATION_GRANULARITY_1_WEEK,
    "1 month": AggregationGranularity.AGGREGATION_GRANULARITY_1_MONTH,
    "1 year": AggregationGranularity.AGGREGATION_GRANULARITY_1_YEAR,
}
_PROBLEM_TYPES = {
    "regression": InferenceProblemType.INFERENCE_PROBLEM_TYPE_REGRESSION,
    "classification": InferenceProblemType.INFERENCE_PROBLEM_TYPE_CLASSIFICATION,
}


def inference_log_config() -> InferenceLogConfig:
    """How the monitor reads the prediction table: from the prediction table contract."""
    return InferenceLogConfig(
        problem_type=_PROBLEM_TYPES[PROBLEM_TYPE],
        timestamp_column=TIMESTAMP_COLUMN,
        granularities=[AGGREGATION_GRANULARITIES[g] for g in GRANULARITIES],
        prediction_column=PREDICTION_COLUMN,
        model_id_column=MODEL_ID_COLUMN,
        label_column=LABEL_COLUMN,
    )


def enable_change_data_feed(spark: SparkSession, table_name: str) -> None:
    """Let the monitor process only new rows on each refresh (Delta change data feed)."""
    spark.sql(f"ALTER TABLE {table_name} SET TBLPROPERTIES (delta.enableChangeDataFeed = true)")


# A refresh in one of these states has not finished: starting another one fails.
_UNFINISHED = {
    RefreshState.MONITOR_REFRESH_STATE_PENDING,
    RefreshState.MONITOR_REFRESH_STATE_RUNNING,
}


def ensure_monitor(
    workspace: WorkspaceClient,
    table_name: str,
    output_schema_name: str,
    assets_dir: str,
) -> str:
    """Create the monitor on `table_name` (metric tables in `output_schema_name`, dashboard in
    `assets_dir`) if it has none, else start a refresh. Returns "created", "refreshed", or
    "refresh already running" when a refresh has not finished yet (it will include the new rows,
    so the batch job does not fail on it)."""
    table_id = workspace.tables.get(table_name).table_id
    try:
        workspace.data_quality.get_monitor("table", table_id)
    except NotFound:
        schema_id = workspace.schemas.get(output_schema_name).schema_id
        workspace.data_quality.create_monitor(
            Monitor(
                object_type="table",
                object_id=table_id,
                data_profiling_config=DataProfilingConfig(
                    output_schema_id=schema_id,
                    assets_dir=assets_dir,
                    inference_log=inference_log_config(),
                ),
            )
        )
        return "created"
    if any(r.state in _UNFINISHED for r in workspace.data_quality.list_refresh("table", table_id)):
        return "refresh already running"
    workspace.data_quality.create_refresh(
        "table", table_id, Refresh(object_type="table", object_id=table_id)
    )
    return "refreshed"
