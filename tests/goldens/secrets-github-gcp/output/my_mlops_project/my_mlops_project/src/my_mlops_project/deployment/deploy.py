"""Deploy a validated model version by moving the `champion` alias to it.

Batch inference always scores with `models:/<model>@champion`, so deploying is one alias change.
Only the `challenger` (the version validation passed) may become champion: anything else is
refused, so a version that failed validation is never deployed.
"""

from mlflow import MlflowClient

from ..model_registry import CHALLENGER, CHAMPION, alias_version


class DeploymentRefusedError(RuntimeError):
    """The version is not the challenger, so it is not deployed."""


def deploy(client: MlflowClient, model_name: str, model_version: str) -> str:
    """Make version `model_version` of `model_name` the champion and clear its challenger alias.

    Returns what happened. Deploying the version that is already champion (a re-run) changes
    nothing.
    """
    version = str(model_version)
    challenger = alias_version(client, model_name, CHALLENGER)
    if challenger != version:
        if alias_version(client, model_name, CHAMPION) == version:
            return f"{model_name} version {version} is already the champion"
        raise DeploymentRefusedError(
            f"{model_name} version {version} is not the '{CHALLENGER}' "
            f"(the challenger is {'version ' + challenger if challenger else 'unset'}): "
            "only a version that passed validation is deployed. See the version's "
            "description for its validation result."
        )
    client.set_registered_model_alias(model_name, CHAMPION, version)
    client.delete_registered_model_alias(model_name, CHALLENGER)
    return f"{model_name} version {version} is now the champion"
