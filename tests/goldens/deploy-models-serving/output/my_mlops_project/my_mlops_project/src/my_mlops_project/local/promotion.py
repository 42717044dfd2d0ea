"""The local equivalents of the promotion notebooks (deploy_models): copy the staging champion,
and ask for a new model from staging when the production model has degraded."""

from ..promotion.promote import PROMOTED_FROM_TAG, promote
from ..promotion.retraining import request_retraining
from .tasks import LocalRun, Outcome, local_task, registered


@local_task("deployment/model_promotion/notebooks/PromoteModel")
def promote_model(run: LocalRun, params: dict[str, str]) -> Outcome:
    version = promote(run.client, params["source_model_name"], params["model_name"])
    outcome = registered(run, version)
    copy = run.client.get_model_version(version.model_name, version.model_version)
    outcome.report[PROMOTED_FROM_TAG] = copy.tags.get(PROMOTED_FROM_TAG)
    return outcome


@local_task("deployment/model_promotion/notebooks/RequestRetraining")
def ask_for_retraining(run: LocalRun, params: dict[str, str]) -> Outcome:
    request_retraining(params["model_name"], params["source_model_name"])  # always raises
    return Outcome({})
