"""Compute a feature table from the trips and write it with the Feature Engineering client.

`compute_features` runs the computation named by `features_transform_module` (a module of this
package, such as `pickup_features`); `write_feature_table` publishes the result.
"""

import importlib
from typing import Any

from pyspark.sql import DataFrame, SparkSession


def compute_features(
    spark: SparkSession,
    input_table_name: str,
    features_transform_module: str,
    timestamp_column: str,
    start_date: str = "",
    end_date: str = "",
) -> DataFrame:
    """The features computed by the module `features_transform_module` of this package."""
    module = importlib.import_module(f".{features_transform_module}", __package__)
    return module.compute_features_fn(
        spark.table(input_table_name), timestamp_column, start_date, end_date
    )


def write_feature_table(
    spark: SparkSession,
    fe: Any,
    features: DataFrame,
    output_table_name: str,
    primary_keys: list[str],
    timestamp_column: str,
) -> str:
    """Create the feature table on the first run, else merge the rows into it.

    The timestamp column is part of the primary key and is the table's time-series column, which
    point-in-time lookups match against. Returns "created" or "merged".
    """
    if not spark.catalog.tableExists(output_table_name):
        fe.create_table(
            name=output_table_name,
            primary_keys=[*primary_keys, timestamp_column],
            timeseries_column=timestamp_column,
            df=features,
            description="Trip features, written by write_feature_table_job.",
        )
        return "created"
    fe.write_table(name=output_table_name, df=features, mode="merge")
    return "merged"
