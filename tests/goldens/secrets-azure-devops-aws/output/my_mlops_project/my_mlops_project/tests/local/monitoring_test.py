from datetime import datetime, timedelta

from my_mlops_project.local.monitoring import LocalWorkspace, compute_profile_metrics
from my_mlops_project.local.tables import local_table_name
from my_mlops_project.monitoring.metric_violation_check_query import (
    is_metric_violated,
    profile_metrics_table,
)
from my_mlops_project.monitoring.monitor import ensure_monitor

PREDICTIONS = "fare_amount double, prediction double, model_id string, timestamp timestamp"


def predictions(spark, errors_by_day):
    """Prediction table rows: for day i, one row per error in errors_by_day[i]."""
    start = datetime(2016, 3, 1, 11, 0)
    rows = [
        (10.0, 10.0 + error, "1", start + timedelta(days=day))
        for day, errors in enumerate(errors_by_day)
        for error in errors
    ]
    return spark.createDataFrame(rows, PREDICTIONS)


def test_local_profile_metrics_give_the_error_of_each_model_per_day(spark):
    metrics = compute_profile_metrics(predictions(spark, [[3.0, -4.0], [1.0]]))
    rows = sorted(metrics.collect(), key=lambda r: r.window.start)
    assert [(r.model_id, r["count"]) for r in rows] == [("1", 2), ("1", 1)]
    assert rows[0].root_mean_squared_error == (12.5) ** 0.5
    assert rows[0].mean_absolute_error == 3.5
    assert (rows[0].column_name, rows[0].log_type, rows[0].slice_key) == (
        ":table",
        "INPUT",
        None,
    )


def test_the_violation_check_reads_metrics_computed_from_predictions(spark):
    table = local_table_name(profile_metrics_table("test.monitoring", "test.fares.predictions"))
    daily_errors = [[1.0], [1.0], [200.0], [1.0], [150.0], [300.0]]
    compute_profile_metrics(predictions(spark, daily_errors)).createOrReplaceTempView(table)
    assert is_metric_violated(spark, table, "root_mean_squared_error", 100.0, 5, 2)
    assert not is_metric_violated(spark, table, "root_mean_squared_error", 100.0, 5, 4)


def test_the_local_monitor_writes_its_metrics_table_when_created_and_refreshed(spark):
    table = "test.fares.monitored_predictions"
    predictions(spark, [[3.0], [1.0]]).createOrReplaceTempView(local_table_name(table))
    workspace = LocalWorkspace(spark, local_table_name)
    assert ensure_monitor(workspace, table, "test.monitoring", "/local/assets") == "created"
    metrics = local_table_name(profile_metrics_table("test.monitoring", table))
    assert spark.table(metrics).count() == 2
    predictions(spark, [[3.0], [1.0], [2.0]]).createOrReplaceTempView(local_table_name(table))
    assert ensure_monitor(workspace, table, "test.monitoring", "/local/assets") == "refreshed"
    assert spark.table(metrics).count() == 3
