import math

import mlflow
import pandas as pd
import pytest

from my_mlops_project.serving.smoke import (
    SmokeTestFailed,
    check_response,
    sample_records,
    smoke_test,
)


def test_a_numeric_prediction_per_row_passes():
    assert check_response({"predictions": [12.5, 7]}, 2) == [12.5, 7.0]


@pytest.mark.parametrize(
    "response",
    [
        {"predictions": []},
        {"predictions": ["12.5"]},
        {"predictions": [math.nan]},
        {"predictions": [True]},
        {"error_code": "BAD_REQUEST", "message": "Model is not ready"},
    ],
)
def test_anything_else_fails_with_the_response(response):
    with pytest.raises(SmokeTestFailed, match="got the response"):
        check_response(response, 1)


def test_a_failed_request_fails_the_smoke_test():
    def unreachable(rows):
        raise ConnectionError("endpoint not ready")

    with pytest.raises(SmokeTestFailed, match="endpoint not ready"):
        smoke_test(unreachable, [{"trip_distance": 1.0}])


def test_the_smoke_request_is_a_row_of_the_models_inputs_that_it_scores(trained_model):
    records = sample_records(trained_model.model_uri)
    model = mlflow.pyfunc.load_model(trained_model.model_uri)
    schema = model.metadata.get_input_schema()
    assert len(records) == 1
    assert set(records[0]) == set(schema.input_names())

    def predict(rows):
        # JSON numbers read with the column types of the signature, as a scoring server reads them.
        types = dict(zip(schema.input_names(), schema.numpy_types(), strict=True))
        frame = pd.DataFrame(rows).astype(types)
        return {"predictions": [float(p) for p in model.predict(frame)]}

    (prediction,) = smoke_test(predict, records)
    assert prediction > 0
