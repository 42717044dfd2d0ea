import mlflow
import pytest

from my_mlops_project.dataset import LABEL_COLUMN
from my_mlops_project.features.trip_features import training_frame
from my_mlops_project.model_registry import CHALLENGER, CHAMPION, alias_version
from my_mlops_project.training.train import fit_and_register
from my_mlops_project.validation.validation import (
    ModelValidationError,
    validate_model_version,
    validation_thresholds,
)

EXPERIMENT = "/local/validation"


@pytest.fixture(scope="module")
def validation_data(spark, trips_table):
    return training_frame(spark.table(trips_table)).toPandas()


def register_bad_version(data, model_name) -> str:
    """A model trained on fares ten times too high: its predictions are far off."""
    mlflow.set_experiment(EXPERIMENT)
    bad = data.assign(**{LABEL_COLUMN: data[LABEL_COLUMN] * 10})
    return fit_and_register(bad, model_name).model_version


def validate_bad_version(client, data, model_name, run_mode):
    """Register a bad version and validate it in `run_mode`; returns (version, outcome)."""
    version = register_bad_version(data, model_name)
    outcome = validate_model_version(
        client, model_name, version, data, experiment_name=EXPERIMENT, run_mode=run_mode
    )
    return version, outcome


def test_without_baseline_thresholds_are_absolute_limits_only():
    for threshold in validation_thresholds(with_baseline=False).values():
        assert threshold.threshold is not None
        assert threshold.min_absolute_change is None
        assert threshold.min_relative_change is None


def test_good_model_passes_and_becomes_challenger(
    mlflow_client, model_name, new_version, validation_data
):
    version = new_version()
    outcome = validate_model_version(
        mlflow_client, model_name, version, validation_data, experiment_name=EXPERIMENT
    )
    assert outcome.passed is True
    assert outcome.metrics["root_mean_squared_error"] < 10.0
    assert outcome.metrics["share_within_5_dollars"] > 0.7  # the custom metric ran
    assert alias_version(mlflow_client, model_name, CHALLENGER) == version
    description = mlflow_client.get_model_version(model_name, version).description
    assert "PASSED" in description


def test_bad_model_fails_enabled_validation_and_is_not_challenger(
    mlflow_client, model_name, validation_data
):
    version = register_bad_version(validation_data, model_name)
    with pytest.raises(ModelValidationError, match="root_mean_squared_error"):
        validate_model_version(
            mlflow_client,
            model_name,
            version,
            validation_data,
            experiment_name=EXPERIMENT,
            run_mode="enabled",
        )
    assert alias_version(mlflow_client, model_name, CHALLENGER) is None
    description = mlflow_client.get_model_version(model_name, version).description
    assert "FAILED" in description


def test_dry_run_records_the_failure_but_still_sets_challenger(
    mlflow_client, model_name, validation_data
):
    version, outcome = validate_bad_version(mlflow_client, validation_data, model_name, "dry_run")
    assert outcome.passed is False
    assert alias_version(mlflow_client, model_name, CHALLENGER) == version
    description = mlflow_client.get_model_version(model_name, version).description
    assert "dry_run" in description and "FAILED" in description


def test_disabled_skips_evaluation_and_sets_challenger(mlflow_client, model_name, validation_data):
    version, outcome = validate_bad_version(mlflow_client, validation_data, model_name, "disabled")
    assert outcome.passed is None and outcome.metrics == {}
    assert alias_version(mlflow_client, model_name, CHALLENGER) == version


def test_baseline_comparison_rejects_a_version_worse_than_the_champion(
    mlflow_client, model_name, new_version, validation_data
):
    champion = new_version()
    mlflow_client.set_registered_model_alias(model_name, CHAMPION, champion)
    # Worse than the champion, yet within the absolute limits on its own.
    mlflow.set_experiment(EXPERIMENT)
    noisy = validation_data.assign(**{LABEL_COLUMN: validation_data[LABEL_COLUMN] + 3.0})
    worse = fit_and_register(noisy, model_name).model_version
    with pytest.raises(ModelValidationError, match="relative change"):
        validate_model_version(
            mlflow_client,
            model_name,
            worse,
            validation_data,
            experiment_name=EXPERIMENT,
            enable_baseline_comparison=True,
        )
    assert alias_version(mlflow_client, model_name, CHAMPION) == champion


def test_unknown_run_mode_is_rejected(mlflow_client, model_name, new_version):
    with pytest.raises(ValueError, match="run_mode"):
        validate_model_version(
            mlflow_client,
            model_name,
            new_version(),
            None,
            experiment_name=EXPERIMENT,
            run_mode="strict",
        )
