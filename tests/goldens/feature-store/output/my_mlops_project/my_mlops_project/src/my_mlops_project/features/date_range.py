"""Restricting the input of a feature computation to a date range."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def filter_date_range(
    df: DataFrame, timestamp_column: str, start_date: str, end_date: str
) -> DataFrame:
    """Rows of `df` with `timestamp_column` in [start_date, end_date); an empty bound is open."""
    if start_date:
        df = df.filter(F.col(timestamp_column) >= F.to_timestamp(F.lit(start_date)))
    if end_date:
        df = df.filter(F.col(timestamp_column) < F.to_timestamp(F.lit(end_date)))
    return df
