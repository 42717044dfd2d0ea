"""Which trips training learns from and which ones validation evaluates a new model version on.

The split is deterministic: a trip is held out when a hash of its key columns (Spark's `xxhash64`,
the same function on Databricks and locally) falls in the lowest `HOLDOUT_PERCENT` of 100 buckets.
So every run splits the same trips the same way, training (`training_rows`) never learns from a
trip that validation (`holdout_rows`) scores, and new trips go to either side in proportion. The
key columns identify a trip; the label is not one of them, so correcting a fare moves no trip.
"""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .dataset import TRIP_KEY_COLUMNS

HOLDOUT_PERCENT = 20


def is_holdout() -> Column:
    """True for the trips that validation evaluates on and training leaves out."""
    return F.pmod(F.xxhash64(*TRIP_KEY_COLUMNS), F.lit(100)) < HOLDOUT_PERCENT


def training_rows(trips: DataFrame) -> DataFrame:
    """The trips training learns from: all but the hold-out."""
    return trips.filter(~is_holdout())


def holdout_rows(trips: DataFrame) -> DataFrame:
    """The trips validation evaluates a new model version on."""
    return trips.filter(is_holdout())
