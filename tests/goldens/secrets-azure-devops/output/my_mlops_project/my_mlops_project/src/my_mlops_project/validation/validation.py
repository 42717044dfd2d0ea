"""Validate a newly registered model version before it may be deployed.

`validate_model_version` evaluates the version on the validation data with MLflow
(`mlflow.models.evaluate`), checks the metrics against `validation_thresholds` (and, if asked,
against the current champion), records the outcome in the version's description, and marks a
version that passed as `challenger`: deployment only ever deploys the challenger.

What to customise: `custom_metrics`, `validation_thresholds` and `evaluator_config`. Keep their
signatures; the thresholds must name metrics that the evaluation computes (the built-in
regressor metrics or your custom ones).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import EvaluationResult, MetricThreshold, make_metric
from mlflow.models.evaluation.validation import ModelValidationFailedException

from ..dataset import LABEL_COLUMN
from ..model_registry import CHALLENGER, CHAMPION, alias_version

RUN_MODES = ("disabled", "dry_run", "enabled")


def _share_within_five_dollars(predictions, targets, metrics) -> float:
    """Share of trips whose predicted fare is within $5 of the real fare."""
    errors = np.abs(np.asarray(predictions, dtype=float) - np.asarray(targets, dtype=float))
    return float(np.mean(errors <= 5.0))


def custom_metrics() -> list:
    """Metrics computed on top of MLflow's built-in ones (MLflow 3: `eval_fn(predictions,
    targets, metrics)`, passed to the evaluation as `extra_metrics`)."""
    return [
        make_metric(
            eval_fn=_share_within_five_dollars,
            greater_is_better=True,
            name="share_within_5_dollars",
        )
    ]


def validation_thresholds(with_baseline: bool = False) -> dict[str, MetricThreshold]:
    """The bar a model version must clear. Tune the numbers to your data.

    Without a baseline only absolute limits (`threshold`) can be checked: a relative limit
    (`min_absolute_change` / `min_relative_change`) fails when there is nothing to compare with.
    With a baseline (the current champion), the candidate must also not be worse than it.
    """
    if with_baseline:
        rmse = MetricThreshold(threshold=10.0, min_relative_change=0.0, greater_is_better=False)
    else:
        rmse = MetricThreshold(threshold=10.0, greater_is_better=False)
    return {
        "root_mean_squared_error": rmse,
        "share_within_5_dollars": MetricThreshold(threshold=0.7, greater_is_better=True),
    }


def evaluator_config() -> dict[str, Any]:
    """Configuration of MLflow's default evaluator (for example `{"log_explainer": False}`)."""
    return {}


class ModelValidationError(RuntimeError):
    """The model version did not pass validation (or could not be evaluated)."""


@dataclass
class ValidationOutcome:
    """What validation concluded: `passed` is None when validation was disabled."""

    passed: bool | None
    message: str
    metrics: dict[str, float] = field(default_factory=dict)
    run_id: str | None = None


def evaluate(model: Any, data: pd.DataFrame, targets: str, model_type: str) -> EvaluationResult:
    """Evaluate `model` (a model URI, or a function from features to predictions) on `data`."""
    return mlflow.models.evaluate(
        model=model,
        data=data,
        targets=targets,
        model_type=model_type,
        evaluators="default",
        extra_metrics=custom_metrics(),
        evaluator_config=evaluator_config(),
    )


def _record(client: MlflowClient, name: str, version: str, note: str) -> None:
    current = client.get_model_version(name, version).description or ""
    description = f"{current}\n\n{note}" if current else note
    client.update_model_version(name, version, description=description)


def validate_model_version(
    client: MlflowClient,
    model_name: str,
    model_version: str,
    data: pd.DataFrame,
    *,
    experiment_name: str,
    run_mode: str = "enabled",
    enable_baseline_comparison: bool = False,
    targets: str = LABEL_COLUMN,
    model_type: str = "regressor",
    load_model: Callable[[str], Any] = lambda model_uri: model_uri,
) -> ValidationOutcome:
    """Validate version `model_version` of `model_name` on `data` (features and `targets`).

    run_mode "enabled": a version that fails is not made challenger and ModelValidationError is
    raised (so the job stops before deployment). "dry_run": evaluate and record the outcome, but
    never fail; the version becomes challenger either way. "disabled": no evaluation; the
    version becomes challenger.

    `load_model` turns a model URI into what `mlflow.models.evaluate` scores with; the default
    passes the URI (MLflow loads the model).
    """
    if run_mode not in RUN_MODES:
        raise ValueError(f"run_mode must be one of {RUN_MODES}, not {run_mode!r}")
    version = str(model_version)
    if run_mode == "disabled":
        _record(client, model_name, version, "Model validation: disabled (not evaluated).")
        client.set_registered_model_alias(model_name, CHALLENGER, version)
        return ValidationOutcome(passed=None, message="validation disabled")

    baseline_version = None
    if enable_baseline_comparison:
        baseline_version = alias_version(client, model_name, CHAMPION)
        if baseline_version == version:
            baseline_version = None
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run(run_name=f"validate {model_name} v{version}") as run:
        mlflow.log_params(
            {
                "model_name": model_name,
                "model_version": version,
                "run_mode": run_mode,
                "baseline_version": baseline_version or "none",
            }
        )
        metrics: dict[str, float] = {}
        try:
            candidate = evaluate(
                load_model(f"models:/{model_name}/{version}"), data, targets, model_type
            )
            baseline = None
            if baseline_version:
                with mlflow.start_run(run_name="baseline (champion)", nested=True):
                    baseline = evaluate(
                        load_model(f"models:/{model_name}/{baseline_version}"),
                        data,
                        targets,
                        model_type,
                    )
            metrics = {k: float(v) for k, v in candidate.metrics.items()}
            mlflow.validate_evaluation_results(
                validation_thresholds(with_baseline=baseline is not None),
                candidate,
                baseline,
            )
            outcome = ValidationOutcome(True, "passed", metrics, run.info.run_id)
        except ModelValidationFailedException as failure:
            outcome = ValidationOutcome(False, str(failure), metrics, run.info.run_id)
        except Exception as error:
            if run_mode == "enabled":
                _record(
                    client,
                    model_name,
                    version,
                    f"Model validation ({run_mode}): ERROR: {error} "
                    f"(MLflow run {run.info.run_id}).",
                )
                raise
            outcome = ValidationOutcome(False, f"evaluation failed: {error}", {}, run.info.run_id)
        mlflow.set_tag("validation_status", "passed" if outcome.passed else "failed")

    status = "PASSED" if outcome.passed else "FAILED"
    _record(
        client,
        model_name,
        version,
        f"Model validation ({run_mode}): {status}: {outcome.message} "
        f"(MLflow run {outcome.run_id}).",
    )
    if outcome.passed or run_mode == "dry_run":
        client.set_registered_model_alias(model_name, CHALLENGER, version)
    if not outcome.passed and run_mode == "enabled":
        raise ModelValidationError(
            f"{model_name} version {version} failed validation: {outcome.message}"
        )
    return outcome
