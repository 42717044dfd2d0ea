from datetime import datetime, timedelta

import pytest

from my_mlops_project.local.tables import local_table_name
from my_mlops_project.monitoring.metric_violation_check_query import (
    is_metric_violated,
    profile_metrics_table,
    violation_query,
    violation_threshold,
)
from my_mlops_project.validation.validation import validation_thresholds

SCHEMA = (
    "window struct<start: timestamp, end: timestamp>, log_type string, column_name string, "
    "slice_key string, slice_value string, model_id string, granularity string, "
    "root_mean_squared_error double"
)


def metrics_table(spark, name, rmse_newest_first, extra_rows=()):
    """A small profile metrics table: one table-level row per daily window, newest first."""
    newest = datetime(2016, 3, 10)
    rows = [
        (
            (newest - timedelta(days=i), newest - timedelta(days=i - 1)),
            "INPUT",
            ":table",
            None,
            None,
            "3",
            "1 day",
            float(rmse),
        )
        for i, rmse in enumerate(rmse_newest_first)
    ]
    table = local_table_name(f"test.monitoring.{name}_profile_metrics")
    spark.createDataFrame([*rows, *extra_rows], SCHEMA).createOrReplaceTempView(table)
    return table


def check(spark, table):
    return is_metric_violated(spark, table, "root_mean_squared_error", 100.0, 5, 2)


def test_violated_when_enough_recent_windows_exceed_and_the_newest_does(spark):
    assert check(spark, metrics_table(spark, "violated", [150, 90, 120, 80, 70, 60]))


def test_not_violated_when_the_newest_window_is_fine(spark):
    assert not check(spark, metrics_table(spark, "recovered", [90, 150, 120, 130, 70]))


def test_not_violated_by_windows_older_than_the_evaluated_ones(spark):
    table = metrics_table(spark, "old", [150, 90, 80, 70, 60, 500, 500, 500])
    assert not check(spark, table)


def test_only_table_level_input_rows_of_single_models_count(spark):
    day = (datetime(2016, 3, 9), datetime(2016, 3, 10))
    noise = [
        (day, "INPUT", ":table", None, None, "*", "1 day", 900.0),  # all models
        (day, "BASELINE", ":table", None, None, "3", "1 day", 900.0),
        (day, "INPUT", "trip_distance", None, None, "3", "1 day", 900.0),
        (day, "INPUT", ":table", "pickup_zip", "10001", "3", "1 day", 900.0),
    ]
    assert not check(spark, metrics_table(spark, "noise", [150, 90, 80], noise))


def test_no_metrics_table_yet_means_not_violated(spark):
    assert not check(spark, local_table_name("test.monitoring.missing_profile_metrics"))


def test_metric_tables_live_in_the_monitor_output_schema():
    assert (
        profile_metrics_table("ml.monitoring", "prod.fares.predictions")
        == "ml.monitoring.predictions_profile_metrics"
    )


def test_the_query_refuses_what_is_not_a_metric_column():
    with pytest.raises(ValueError):
        violation_query("t", "rmse; DROP TABLE t", 1.0, 5, 2)
    with pytest.raises(ValueError):
        violation_query("t", "root_mean_squared_error", 1.0, 2, 5)


def test_windows_are_counted_not_rows_of_several_models(spark):
    """Two models scored in the newest window, both badly: that is one bad window, not two."""
    newest = (datetime(2016, 3, 10), datetime(2016, 3, 11))
    other_model = [(newest, "INPUT", ":table", None, None, "4", "1 day", 150.0)]
    table = metrics_table(spark, "two_models", [150, 90, 80], other_model)
    assert not check(spark, table)
    assert is_metric_violated(spark, table, "root_mean_squared_error", 100.0, 5, 1)


def test_only_the_monitor_granularity_counts(spark):
    week = (datetime(2016, 3, 4), datetime(2016, 3, 11))
    weekly = [(week, "INPUT", ":table", None, None, "3", "1 week", 900.0)]
    assert not check(spark, metrics_table(spark, "weekly", [150, 90, 80], weekly))


def test_the_retraining_threshold_is_the_validation_limit():
    limit = validation_thresholds()["root_mean_squared_error"].threshold
    assert violation_threshold("root_mean_squared_error") == limit


def test_a_metric_validation_does_not_limit_cannot_be_monitored():
    with pytest.raises(ValueError, match="no absolute limit"):
        violation_threshold("r2_score")
    with pytest.raises(ValueError, match="better when higher"):
        violation_threshold("share_within_5_dollars")
