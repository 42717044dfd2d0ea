"""The prediction table: what batch inference writes and what the monitor reads.

This is the one definition of that contract. `batch_inference/predict.py` builds its output with
`to_prediction_table`, and `monitoring/monitor.py` configures the monitor from the same
constants, so the two cannot drift apart. If you rename a column, do it here.

Each row is one scored trip: the input table's columns (including the label, `LABEL_COLUMN` of
`dataset.py`, which the monitor compares the prediction with), plus `prediction`, `model_id` (the
model version that made it, `models:/<catalog>.<schema>.<model>/<version>`: unique across
models, so predictions of two models, or of two developers' dev models, never count as one) and
`timestamp` (when the batch was scored; the monitor's time windows use it).
"""

from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, DoubleType, StringType, TimestampType

from .dataset import LABEL_COLUMN

PREDICTION_COLUMN = "prediction"
MODEL_ID_COLUMN = "model_id"
TIMESTAMP_COLUMN = "timestamp"
# What the monitor computes quality metrics for, and over which time windows.
PROBLEM_TYPE = "regression"
GRANULARITIES = ["1 day"]

CONTRACT_COLUMN_TYPES: dict[str, DataType] = {
    LABEL_COLUMN: DoubleType(),
    PREDICTION_COLUMN: DoubleType(),
    MODEL_ID_COLUMN: StringType(),
    TIMESTAMP_COLUMN: TimestampType(),
}


def prediction_table_columns(input_columns: list[str]) -> list[str]:
    """The prediction table's columns, in order, for input rows with `input_columns`."""
    columns = [c for c in input_columns if c not in CONTRACT_COLUMN_TYPES]
    return [
        *columns,
        LABEL_COLUMN,
        PREDICTION_COLUMN,
        MODEL_ID_COLUMN,
        TIMESTAMP_COLUMN,
    ]


def to_prediction_table(
    scored: DataFrame, input_columns: list[str], model_id: str, scored_at: datetime
) -> DataFrame:
    """The prediction table rows for `scored` (input rows plus a `prediction` column), made by the
    model version `model_id` (`ModelVersionRef.model_uri` of `model_registry.py`).

    Columns the scoring added besides `prediction` (derived or looked-up features) are dropped.
    A label missing from the input (trips not yet paid) is kept as null.
    """
    if LABEL_COLUMN not in scored.columns:
        scored = scored.withColumn(LABEL_COLUMN, F.lit(None))
    rows = scored.withColumn(MODEL_ID_COLUMN, F.lit(model_id)).withColumn(
        TIMESTAMP_COLUMN, F.lit(scored_at)
    )
    return rows.select(
        *[
            F.col(c).cast(CONTRACT_COLUMN_TYPES[c]) if c in CONTRACT_COLUMN_TYPES else c
            for c in prediction_table_columns(input_columns)
        ]
    )
