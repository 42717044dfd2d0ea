"""The vocabulary the jobs share about registered models: versions and the two aliases.

Validation marks a version that passed as `challenger`; deployment moves `champion` (the version
batch inference scores with) to it. The jobs rely on these names: keep them.
"""

from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class ModelVersionRef:
    """A registered model version, as one task hands it to the next."""

    model_name: str
    model_version: str

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_name}/{self.model_version}"


def alias_version(client: MlflowClient, model_name: str, alias: str) -> str | None:
    """The version of `model_name` that holds `alias`; None if no version (or no model) has it.

    Any other failure of the lookup (no permission, a malformed name, the registry unreachable) is
    raised as it is, not mistaken for a missing alias.
    """
    try:
        return str(client.get_model_version_by_alias(model_name, alias).version)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
            return None
        # MLflow's own registry reports a missing alias as an invalid parameter.
        missing_alias = "alias" in error.message and "not found" in error.message
        if error.error_code == "INVALID_PARAMETER_VALUE" and missing_alias:
            return None
        raise
