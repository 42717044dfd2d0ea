import pytest

from fare_forecast.deployment.deploy import DeploymentRefusedError, deploy
from fare_forecast.model_registry import CHALLENGER, CHAMPION, alias_version


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
