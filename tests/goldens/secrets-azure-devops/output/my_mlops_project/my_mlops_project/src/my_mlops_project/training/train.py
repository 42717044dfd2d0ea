"""Train the fare model (LightGBM regression) and register it as a new model version.

`train` is what the Train notebook (training/notebooks/Train.py) calls; it runs the same on your
machine against a local MLflow store and local Spark. Replace `fit` with your own model: keep its
inputs and outputs, and the training job, validation and deployment keep working.
"""

import lightgbm as lgb
import mlflow
import pandas as pd
from mlflow.models import infer_signature
from pyspark.sql import SparkSession
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import train_test_split

from ..data_split import training_rows
from ..dataset import LABEL_COLUMN
from ..features.trip_features import training_frame
from ..model_registry import ModelVersionRef

LIGHTGBM_PARAMS = {
    "objective": "regression",
    "metric": "rmse",
    "num_leaves": 32,
    "learning_rate": 0.1,
    "seed": 123,
    "deterministic": True,
    "verbose": -1,
}
NUM_BOOST_ROUND = 100
TEST_SIZE = 0.25
# The name the model is logged under in its MLflow run.
MODEL_ARTIFACT_NAME = "model"


def fit(data: pd.DataFrame) -> tuple[lgb.Booster, pd.DataFrame, dict[str, float]]:
    """Fit the model on a random 75% of `data`; return it, its training inputs and test metrics.

    Every column of `data` except the label is a model input.
    """
    train, test = train_test_split(data, test_size=TEST_SIZE, random_state=123)
    x_train, y_train = train.drop(columns=[LABEL_COLUMN]), train[LABEL_COLUMN]
    x_test, y_test = test.drop(columns=[LABEL_COLUMN]), test[LABEL_COLUMN]
    model = lgb.train(LIGHTGBM_PARAMS, lgb.Dataset(x_train, y_train), NUM_BOOST_ROUND)
    predictions = model.predict(x_test)
    metrics = {
        "test_root_mean_squared_error": float(root_mean_squared_error(y_test, predictions)),
        "test_mean_absolute_error": float(mean_absolute_error(y_test, predictions)),
    }
    return model, x_train, metrics


def log_training_run(x_train: pd.DataFrame, metrics: dict[str, float]) -> None:
    """Record the hyperparameters, data size and test metrics in the active MLflow run."""
    mlflow.log_params({**LIGHTGBM_PARAMS, "num_boost_round": NUM_BOOST_ROUND})
    mlflow.log_param("training_rows", len(x_train))
    mlflow.log_metrics(metrics)


def train(
    spark: SparkSession,
    training_data_table: str,
    experiment_name: str,
    model_name: str,
) -> ModelVersionRef:
    """Train on `training_data_table` (all but its hold-out trips), log the run to
    `experiment_name`, register a version of `model_name` (a three-level Unity Catalog name), and
    return that version."""
    mlflow.set_experiment(experiment_name)
    # The hold-out trips are left for validation (data_split.py).
    trips = training_rows(spark.table(training_data_table))
    data = training_frame(trips).toPandas()
    return fit_and_register(data, model_name)


def fit_and_register(data: pd.DataFrame, model_name: str) -> ModelVersionRef:
    """Fit the model on `data` in a new MLflow run, log it, and register it as a version of
    `model_name`."""
    with mlflow.start_run(run_name="train"):
        model, x_train, metrics = fit(data)
        log_training_run(x_train, metrics)
        # Unity Catalog only registers models with a signature (inputs and outputs).
        signature = infer_signature(x_train, model.predict(x_train))
        info = mlflow.lightgbm.log_model(
            model,
            name=MODEL_ARTIFACT_NAME,
            signature=signature,
            input_example=x_train.head(5),
            registered_model_name=model_name,
            # The model's own requirements (lightgbm, mlflow), pinned to the installed
            # versions: stated, instead of inferred by loading the model in a subprocess.
            pip_requirements=mlflow.lightgbm.get_default_pip_requirements(),
        )
    return ModelVersionRef(model_name, str(info.registered_model_version))
