"""The Spark session of a local pipeline run: with Delta Lake when its jars can be had, else
plain parquet tables.

On Databricks every table is a Delta table. Locally, `delta-spark` (in test-requirements.txt)
provides the Python side, and Spark fetches the matching jars from Maven Central on first use
(`configure_spark_with_delta_pip`; Ivy caches them in your home folder, so later runs work
offline). If they cannot be fetched, the run falls back to parquet and says so: the pipeline's
code is the same, only Delta's table features (such as the change data feed the monitor uses)
are missing.
"""

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession

from local.spark import local_spark_builder, local_spark_session

TABLE_FORMATS = ("auto", "delta", "parquet")


@dataclass
class PipelineSpark:
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
    """The settings of every local session (`local.spark`), plus Delta Lake as the table format."""
    from delta import configure_spark_with_delta_pip

    builder = (
        local_spark_builder(warehouse_dir)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog",
            "org.apache.spark.sql.delta.catalog.DeltaCatalog",
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


def start_pipeline_spark(
    warehouse_dir: str | Path, log_file: str | Path, table_format: str = "auto"
) -> PipelineSpark:
    """Start local Spark storing tables under `warehouse_dir`, its own output in `log_file`.

    `table_format` "delta" requires Delta Lake, "parquet" never tries it, "auto" tries Delta and
    falls back to parquet when its jars cannot be resolved.
    """
    if table_format not in TABLE_FORMATS:
        raise ValueError(
            f"table_format must be one of {TABLE_FORMATS}, not {table_format!r}"
        )
    warehouse, log = Path(warehouse_dir), Path(log_file)
    # A local run talks to nothing but itself.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    note = "parquet requested"
    if table_format != "parquet":
        try:
            with _output_to(log):
                spark = _delta_session(warehouse)
        # Spark reports jars it cannot resolve as a failed start of its JVM.
        except Exception as error:
            if table_format == "delta":
                raise
            note = (
                f"Delta Lake unavailable ({_delta_failure(error, log)}; see {log}): "
                "tables are parquet"
            )
        else:
            spark.sparkContext.setLogLevel("ERROR")
            return PipelineSpark(
                spark, "delta", "Delta Lake jars resolved (Maven Central, Ivy cache)"
            )
    with _output_to(log):
        spark = local_spark_session(warehouse)
    spark.sparkContext.setLogLevel("ERROR")
    return PipelineSpark(spark, "parquet", note)
