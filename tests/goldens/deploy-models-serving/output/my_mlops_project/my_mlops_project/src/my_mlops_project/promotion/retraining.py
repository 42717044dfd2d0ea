"""What a degraded production model leads to when production does not train (deploy_models).

In prod, `retraining_job` cannot retrain, and promoting again would copy the same staging champion
back. So its `trigger_retraining` task stops with what to do: retrain in staging (a version that
passes validation there becomes staging's champion), then run prod's promotion job, which copies
that new champion into production and validates it again.
"""


class RetrainingNeededError(RuntimeError):
    """Production's model has degraded: a new model must come from staging."""


def request_retraining(model_name: str, source_model_name: str) -> None:
    """Fail with what to do to replace the degraded `model_name` (a copy of `source_model_name`)."""
    raise RetrainingNeededError(
        f"The monitored metric of {model_name} exceeded its threshold (retraining_job). Production "
        f"does not train: run model_training_job in the staging target (`databricks bundle run "
        f"model_training_job -t staging`) so that a new version of {source_model_name} passes "
        f"validation and becomes its champion, then run model_promotion_job in the prod target "
        f"(`databricks bundle run model_promotion_job -t prod`) to copy it into {model_name}."
    )
