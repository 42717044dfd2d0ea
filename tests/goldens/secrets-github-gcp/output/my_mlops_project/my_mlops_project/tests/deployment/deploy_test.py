import re

import pytest
from mlflow.exceptions import MlflowException

from my_mlops_project.deployment.deploy import DeploymentRefusedError, deploy
from my_mlops_project.model_registry import CHALLENGER, CHAMPION, alias_version


def test_deploy_makes_the_challenger_champion_and_clears_challenger(
    mlflow_client, model_name, new_version
):
    old, new = new_version(), new_version()
    mlflow_client.set_registered_model_alias(model_name, CHAMPION, old)
    mlflow_client.set_registered_model_alias(model_name, CHALLENGER, new)
    deploy(mlflow_client, model_name, new)
    assert alias_version(mlflow_client, model_name, CHAMPION) == new
    assert alias_version(mlflow_client, model_name, CHALLENGER) is None


def test_deploy_refuses_a_version_that_is_not_the_challenger(
    mlflow_client, model_name, new_version
):
    champion, unvalidated = new_version(), new_version()
    mlflow_client.set_registered_model_alias(model_name, CHAMPION, champion)
    with pytest.raises(DeploymentRefusedError, match="challenger"):
        deploy(mlflow_client, model_name, unvalidated)
    assert alias_version(mlflow_client, model_name, CHAMPION) == champion


def test_redeploying_the_champion_changes_nothing(mlflow_client, model_name, new_version):
    version = new_version()
    mlflow_client.set_registered_model_alias(model_name, CHALLENGER, version)
    deploy(mlflow_client, model_name, version)
    assert "already" in deploy(mlflow_client, model_name, version)
    assert alias_version(mlflow_client, model_name, CHAMPION) == version


class _FailingRegistry:
    """A registry whose alias lookups fail with `error`."""

    def __init__(self, error):
        self.error = error

    def get_model_version_by_alias(self, name, alias):
        raise self.error


def test_a_missing_alias_or_model_is_none_but_other_lookup_errors_are_raised(
    mlflow_client, model_name
):
    assert alias_version(mlflow_client, "test.fares.never_registered", CHAMPION) is None
    mlflow_client.create_registered_model(model_name)
    assert alias_version(mlflow_client, model_name, CHAMPION) is None
    for error in (
        MlflowException("Invalid name 'a..b'", error_code="INVALID_PARAMETER_VALUE"),
        MlflowException("User does not have EXECUTE", error_code="PERMISSION_DENIED"),
    ):
        with pytest.raises(MlflowException, match=re.escape(error.message)):
            alias_version(_FailingRegistry(error), model_name, CHAMPION)
