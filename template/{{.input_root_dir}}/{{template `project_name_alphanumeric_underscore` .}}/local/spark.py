"""A Spark session on your machine, configured like the tests and local runs need it."""

import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession


def local_spark_builder(warehouse_dir: str | Path) -> SparkSession.Builder:
    """The settings of every local Spark session; add your own before `.getOrCreate()`."""
    # Spark's Python workers (used by mlflow.pyfunc.spark_udf) must run this interpreter, which has the
    # project's packages installed, not whatever `python3` is first on PATH.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return (
        SparkSession.builder.master("local[2]")
        .appName("local-mlops-project")
        .config("spark.sql.warehouse.dir", str(Path(warehouse_dir).resolve()))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )


def local_spark_session(warehouse_dir: str | Path) -> SparkSession:
    """Start (or return the running) local Spark session, storing tables under `warehouse_dir`.

    Starting Spark takes several seconds: create one session per test run or local run.
    """
    return local_spark_builder(warehouse_dir).getOrCreate()
