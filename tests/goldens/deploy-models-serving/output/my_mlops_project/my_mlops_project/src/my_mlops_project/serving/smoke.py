"""The smoke request a freshly served model must answer: one row of sample data in, one numeric
prediction out. The same request goes to the Databricks endpoint (endpoint.py) and to the local
scoring server of a local run (local/serving.py).
"""

import json
import math
from collections.abc import Callable
from typing import Any

import mlflow
import pandas as pd
from mlflow.models import Model


class SmokeTestFailed(RuntimeError):
    """The served model did not answer the smoke request as expected (the message holds the
    response)."""


def sample_records(model_uri: str, rows: int = 1) -> list[dict[str, Any]]:
    """The first `rows` rows of the input example logged with the model, as JSON records (the
    `dataframe_records` a scoring request sends)."""
    local = mlflow.artifacts.download_artifacts(artifact_uri=model_uri)
    example = Model.load(local).load_input_example(local)
    if example is None:
        raise ValueError(f"{model_uri} was logged without an input example to send")
    return json.loads(pd.DataFrame(example).head(rows).to_json(orient="records", date_format="iso"))


def check_response(response: dict[str, Any], rows: int) -> list[float]:
    """The predictions of a scoring response: `rows` finite numbers, or SmokeTestFailed with the
    response."""
    predictions = response.get("predictions") if isinstance(response, dict) else None
    if (
        not isinstance(predictions, list)
        or len(predictions) != rows
        or not all(
            isinstance(p, int | float) and not isinstance(p, bool) and math.isfinite(p)
            for p in predictions
        )
    ):
        shown = json.dumps(response, default=str)[:2000]
        raise SmokeTestFailed(f"expected {rows} numeric prediction(s), got the response {shown}")
    return [float(p) for p in predictions]


def smoke_test(
    query: Callable[[list[dict[str, Any]]], dict[str, Any]], records: list[dict[str, Any]]
) -> list[float]:
    """Send `records` with `query` and check the answer; any failure is a SmokeTestFailed."""
    try:
        response = query(records)
    except Exception as error:
        raise SmokeTestFailed(f"the scoring request failed: {error}") from error
    return check_response(response, len(records))
