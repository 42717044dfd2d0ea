from my_mlops_project.data_split import HOLDOUT_PERCENT, holdout_rows, training_rows
from my_mlops_project.dataset import LABEL_COLUMN, TRIP_KEY_COLUMNS


def test_training_and_validation_rows_split_the_trips_without_overlap(spark, trips_table):
    trips = spark.table(trips_table)
    training, holdout = training_rows(trips), holdout_rows(trips)
    keys = [*TRIP_KEY_COLUMNS, LABEL_COLUMN]
    assert training.count() + holdout.count() == trips.count()
    assert training.select(keys).intersect(holdout.select(keys)).count() == 0
    share = holdout.count() / trips.count()
    assert abs(share - HOLDOUT_PERCENT / 100) < 0.05


def test_the_split_is_the_same_in_every_run_and_ignores_the_label(spark, trips_table):
    trips = spark.table(trips_table)
    relabelled = trips.withColumn(LABEL_COLUMN, trips[LABEL_COLUMN] * 2)
    first = sorted(tuple(r) for r in holdout_rows(trips).select(TRIP_KEY_COLUMNS).collect())
    again = sorted(tuple(r) for r in holdout_rows(trips).select(TRIP_KEY_COLUMNS).collect())
    moved = sorted(tuple(r) for r in holdout_rows(relabelled).select(TRIP_KEY_COLUMNS).collect())
    assert first == again == moved
    assert first
