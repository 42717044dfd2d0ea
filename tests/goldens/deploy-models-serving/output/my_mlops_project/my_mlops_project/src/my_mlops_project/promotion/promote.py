"""Promote the staging champion into the production model (deploy_models pattern).

Production does not retrain: `promote` copies the version that holds `champion` in the staging
catalog's model into the production catalog's model (`MlflowClient.copy_model_version`). The copy
then goes through the same validation and deployment as a trained version.
"""

from mlflow import MlflowClient

from ..model_registry import CHAMPION, ModelVersionRef, alias_version

# Tag on a copied version naming the version it was copied from.
PROMOTED_FROM_TAG = "promoted_from"


def promote(
    client: MlflowClient, source_model_name: str, target_model_name: str
) -> ModelVersionRef:
    """Copy `source_model_name@champion` into `target_model_name` and return the new version.

    If the target's champion already is a copy of that same source version (the job ran again
    with nothing new in staging), that version is returned and nothing is copied.
    """
    source_version = alias_version(client, source_model_name, CHAMPION)
    if source_version is None:
        raise RuntimeError(
            f"{source_model_name} has no '{CHAMPION}' version to promote: "
            "deploy one in staging first."
        )
    origin = f"{source_model_name}/{source_version}"
    current = alias_version(client, target_model_name, CHAMPION)
    if current is not None:
        champion = client.get_model_version(target_model_name, current)
        if champion.tags.get(PROMOTED_FROM_TAG) == origin:
            return ModelVersionRef(target_model_name, current)
    copied = client.copy_model_version(
        f"models:/{source_model_name}/{source_version}", target_model_name
    )
    client.set_model_version_tag(target_model_name, copied.version, PROMOTED_FROM_TAG, origin)
    return ModelVersionRef(target_model_name, str(copied.version))
