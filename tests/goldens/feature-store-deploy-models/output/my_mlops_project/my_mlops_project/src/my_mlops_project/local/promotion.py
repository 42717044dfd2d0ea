"""The local equivalent of the promotion notebook (deploy_models): copy the staging champion."""

from ..promotion.promote import PROMOTED_FROM_TAG, promote
from .tasks import LocalRun, Outcome, local_task, registered


@local_task("deployment/model_promotion/notebooks/PromoteModel")
def promote_model(run: LocalRun, params: dict[str, str]) -> Outcome:
    version = promote(run.client, params["source_model_name"], params["model_name"])
    outcome = registered(run, version)
    copy = run.client.get_model_version(version.model_name, version.model_version)
    outcome.report[PROMOTED_FROM_TAG] = copy.tags.get(PROMOTED_FROM_TAG)
    return outcome
