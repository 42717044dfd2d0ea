from datetime import UTC, datetime
from types import SimpleNamespace

from databricks.sdk.errors import NotFound
from databricks.sdk.service.dataquality import RefreshState

from my_mlops_project.batch_inference.predict import champion_model, predict_batch
from my_mlops_project.local.tables import local_table_name
from my_mlops_project.model_registry import CHAMPION, ModelVersionRef
from my_mlops_project.monitoring.monitor import ensure_monitor, inference_log_config


class RecordingWorkspace:
    """Stands in for the Databricks SDK's WorkspaceClient: records the monitor calls."""

    def __init__(self, has_monitor: bool, refresh_states=()):
        self.created, self.refreshed = [], []
        refreshes = [SimpleNamespace(state=state) for state in refresh_states]

        def get_monitor(object_type, object_id):
            if not has_monitor:
                raise NotFound("no monitor")
            return SimpleNamespace(object_id=object_id)

        self.tables = SimpleNamespace(get=lambda name: SimpleNamespace(table_id=f"id-{name}"))
        self.schemas = SimpleNamespace(get=lambda name: SimpleNamespace(schema_id=f"id-{name}"))
        self.data_quality = SimpleNamespace(
            get_monitor=get_monitor,
            create_monitor=self.created.append,
            create_refresh=lambda object_type, object_id, refresh: self.refreshed.append(object_id),
            list_refresh=lambda object_type, object_id: iter(refreshes),
        )


def test_a_missing_monitor_is_created_in_the_output_schema():
    workspace = RecordingWorkspace(has_monitor=False)
    result = ensure_monitor(workspace, "prod.fares.predictions", "prod.fares", "/Shared/mon")
    assert result == "created"
    (monitor,) = workspace.created
    assert monitor.object_id == "id-prod.fares.predictions"
    assert monitor.data_profiling_config.output_schema_id == "id-prod.fares"
    assert monitor.data_profiling_config.assets_dir == "/Shared/mon"
    assert monitor.data_profiling_config.inference_log == inference_log_config()
    assert workspace.refreshed == []


def test_an_existing_monitor_is_refreshed():
    workspace = RecordingWorkspace(has_monitor=True)
    result = ensure_monitor(workspace, "prod.fares.predictions", "prod.fares", "/Shared/mon")
    assert result == "refreshed"
    assert workspace.refreshed == ["id-prod.fares.predictions"] and workspace.created == []


TABLE = "prod.fares.predictions"


def test_a_refresh_still_running_is_left_to_finish_instead_of_failing_the_batch_job():
    finished = RefreshState.MONITOR_REFRESH_STATE_SUCCESS
    failed = RefreshState.MONITOR_REFRESH_STATE_FAILED
    unfinished = [
        RefreshState.MONITOR_REFRESH_STATE_PENDING,
        RefreshState.MONITOR_REFRESH_STATE_RUNNING,
    ]
    for state in unfinished:
        workspace = RecordingWorkspace(has_monitor=True, refresh_states=[finished, state])
        result = ensure_monitor(workspace, TABLE, "prod.fares", "/Shared/mon")
        assert result == "refresh already running" and workspace.refreshed == []
    workspace = RecordingWorkspace(has_monitor=True, refresh_states=[finished, failed])
    assert ensure_monitor(workspace, TABLE, "prod.fares", "/Shared/mon") == "refreshed"


def test_the_monitor_reads_columns_that_batch_inference_writes(
    spark, trips_table, mlflow_client, model_name, new_version
):
    mlflow_client.set_registered_model_alias(model_name, CHAMPION, new_version())
    model_uri, version = champion_model(mlflow_client, model_name)
    output = local_table_name("test.fares.predictions_monitored")
    scored_at = datetime(2016, 3, 1, tzinfo=UTC)
    model_id = ModelVersionRef(model_name, version).model_uri
    predict_batch(spark, model_uri, trips_table, output, model_id, scored_at)
    types = {f.name: f.dataType.typeName() for f in spark.table(output).schema.fields}
    config = inference_log_config()
    assert types[config.timestamp_column] == "timestamp"
    assert types[config.model_id_column] == "string"
    assert types[config.prediction_column] == "double"
    assert types[config.label_column] == "double"
    assert config.problem_type.value.endswith("REGRESSION")
