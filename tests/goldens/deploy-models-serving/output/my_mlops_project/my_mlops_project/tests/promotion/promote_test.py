import pytest

from my_mlops_project.model_registry import CHAMPION, alias_version
from my_mlops_project.promotion.promote import PROMOTED_FROM_TAG, promote

# Two registered models stand in for the same model in the staging and the prod catalog.
STAGING_MODEL = "staging.fares.promoted_model"
PROD_MODEL = "prod.fares.promoted_model"


def test_promote_copies_the_staging_champion_into_the_prod_model(mlflow_client, new_version):
    new_version(STAGING_MODEL)
    champion = new_version(STAGING_MODEL)
    mlflow_client.set_registered_model_alias(STAGING_MODEL, CHAMPION, champion)
    promoted = promote(mlflow_client, STAGING_MODEL, PROD_MODEL)
    assert promoted.model_name == PROD_MODEL
    copy = mlflow_client.get_model_version(PROD_MODEL, promoted.model_version)
    source = mlflow_client.get_model_version(STAGING_MODEL, champion)
    assert copy.tags[PROMOTED_FROM_TAG] == f"{STAGING_MODEL}/{champion}"
    assert copy.run_id == source.run_id
    # Promotion copies; deploying in prod stays the job of validation and deployment.
    assert alias_version(mlflow_client, PROD_MODEL, CHAMPION) is None


def test_promoting_the_same_champion_again_reuses_its_copy(mlflow_client, new_version):
    source, target = "staging.fares.again", "prod.fares.again"
    mlflow_client.set_registered_model_alias(source, CHAMPION, new_version(source))
    first = promote(mlflow_client, source, target)
    mlflow_client.set_registered_model_alias(target, CHAMPION, first.model_version)
    again = promote(mlflow_client, source, target)
    assert again == first
    assert len(mlflow_client.search_model_versions(f"name='{target}'")) == 1


def test_promote_refuses_when_staging_has_no_champion(mlflow_client, new_version):
    new_version("staging.fares.unvalidated")
    with pytest.raises(RuntimeError, match="no 'champion'"):
        promote(mlflow_client, "staging.fares.unvalidated", "prod.fares.unvalidated")
