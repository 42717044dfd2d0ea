"""Spark on your machine, for the tests and the local runs.

`local_spark_session` is the plain session of the tests. `start_local_spark` is that of a local
run: with Delta Lake when its jars can be had, else plain parquet tables. On Databricks every table
is a Delta table; locally `delta-spark` (the `dev` extra) provides the Python side and Spark fetches
the matching jars from Maven Central on first use (Ivy caches them in your home folder, so later
runs work offline). Without them the run falls back to parquet and says so: the code is the same,
only Delta's table features (such as the change data feed the monitor uses) are missing.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PySpark is imported when a session starts: a local run checks the bundle first.
    from pyspark.sql import SparkSession

TABLE_FORMATS = ("auto", "delta", "parquet")


def local_spark_builder(warehouse_dir: str | Path) -> SparkSession.Builder:
    """The settings of every local Spark session; add your own before `.getOrCreate()`."""
    from pyspark.sql import SparkSession

    # Spark's Python workers (used by mlflow.pyfunc.spark_udf) must run this interpreter, which has
    # the project's packages installed, not whatever `python3` is first on PATH.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # A local session talks to nothing but itself.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
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


@dataclass
class LocalSpark:
    spark: SparkSession
    table_format: str  # "delta" or "parquet"
    note: str  # why this format


@contextlib.contextmanager
def _output_to(log_file: Path) -> Iterator[None]:
    """Send what Spark's JVM prints (Ivy's resolution report, its warnings) to `log_file`.

    The JVM started inside this block inherits the redirected output for its whole life.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_file, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def _delta_session(warehouse_dir: Path) -> SparkSession:
    from delta import configure_spark_with_delta_pip

    builder = (
        local_spark_builder(warehouse_dir)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog"
        )
        # saveAsTable writes Delta, as on Databricks.
        .config("spark.sql.sources.default", "delta")
        # Small tables: few partitions when Delta reads its transaction log.
        .config("spark.databricks.delta.snapshotPartitions", "2")
    )
    return configure_spark_with_delta_pip(builder).getOrCreate()


def _delta_failure(error: Exception, log_file: Path) -> str:
    """Why Delta Lake could not be used: Ivy's complaint from the log, else the error."""
    log = log_file.read_text(errors="replace") if log_file.exists() else ""
    unresolved = re.findall(r"unresolved dependency: [^\]\n]+", log)
    if unresolved:
        return unresolved[-1]
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def start_local_spark(
    warehouse_dir: str | Path, log_file: str | Path, table_format: str = "auto"
) -> LocalSpark:
    """Start local Spark storing tables under `warehouse_dir`, its own output in `log_file`.

    `table_format` "delta" requires Delta Lake, "parquet" never tries it, "auto" tries Delta and
    falls back to parquet when its jars cannot be resolved.
    """
    if table_format not in TABLE_FORMATS:
        raise ValueError(f"table_format must be one of {TABLE_FORMATS}, not {table_format!r}")
    warehouse, log = Path(warehouse_dir), Path(log_file)
    note = "parquet requested"
    if table_format != "parquet":
        try:
            with _output_to(log):
                spark = _delta_session(warehouse)
        # Spark reports jars it cannot resolve as a failed start of its JVM.
        except Exception as error:
            if table_format == "delta":
                raise
            reason = _delta_failure(error, log)
            note = f"Delta Lake unavailable ({reason}; see {log}): tables are parquet"
        else:
            spark.sparkContext.setLogLevel("ERROR")
            return LocalSpark(spark, "delta", "Delta Lake jars resolved (Maven Central, Ivy cache)")
    with _output_to(log):
        spark = local_spark_session(warehouse)
    spark.sparkContext.setLogLevel("ERROR")
    return LocalSpark(spark, "parquet", note)
