"""The generated monitoring code, per combination: the retraining check's parameters and task value, metric
tables read from the monitor's output schema, and the monitor created by the batch job from the contract."""

from __future__ import annotations

import pytest
from generated_code import imported_modules, keyword_arguments, package_dir, task_values_set, widgets, widgets_read
from matrix import PROJECT_COMBINATIONS


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_violation_check_declares_the_job_parameters_and_sets_its_task_value(combo, rendered):
    notebook = rendered(combo).project / "monitoring" / "notebooks" / "MonitoredMetricViolationCheck.py"
    declared = widgets(notebook)
    assert (
        set(declared)
        == widgets_read(notebook)
        == {
            "table_name_under_monitor",
            "monitor_output_schema",
            "metric_to_monitor",
            "num_evaluation_windows",
            "num_violation_windows",
        }
    )
    assert declared["metric_to_monitor"].default == "root_mean_squared_error"
    assert task_values_set(notebook) == {"is_metric_violated"}


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_metric_tables_are_read_from_the_monitor_output_schema(combo, rendered):
    project = rendered(combo).project
    notebook = (project / "monitoring" / "notebooks" / "MonitoredMetricViolationCheck.py").read_text()
    assert "profile_metrics_table(monitor_output_schema, table_name_under_monitor)" in notebook
    query = (package_dir(project) / "monitoring" / "metric_violation_check_query.py").read_text()
    assert "return f\"{monitor_output_schema}.{monitored_table.split('.')[-1]}_profile_metrics\"" in query
    # No metrics yet (first days after deployment): not violated, instead of a failing job.
    assert "if not spark.catalog.tableExists(metrics_table):\n        return False" in query


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_monitor_is_created_or_refreshed_by_the_batch_job(combo, rendered):
    project = rendered(combo).project
    notebook = project / "monitoring" / "notebooks" / "UpdateMonitor.py"
    assert set(widgets(notebook)) == {"table_name", "output_schema_name", "assets_dir"}
    monitor = package_dir(project) / "monitoring" / "monitor.py"
    assert "databricks.sdk.service.dataquality" in imported_modules(monitor)
    (config,) = keyword_arguments(monitor, "InferenceLogConfig")
    assert {
        "problem_type",
        "timestamp_column",
        "granularities",
        "prediction_column",
        "model_id_column",
        "label_column",
    } <= config
    text = monitor.read_text()
    assert "workspace.data_quality.create_monitor(" in text and "workspace.data_quality.create_refresh(" in text
