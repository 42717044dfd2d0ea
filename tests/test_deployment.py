"""The generated deployment and promotion code, per combination: deployment's parameters accept every
environment a job passes, it moves champion only onto the challenger, and promotion exists exactly with the
deploy_models pattern, copying the staging champion with MLflow's copy_model_version."""

from __future__ import annotations

import pytest
from generated_code import keyword_arguments, package_dir, python_files, task_values_set, widgets
from matrix import PROJECT_COMBINATIONS

MODELS = [c for c in PROJECT_COMBINATIONS if c["input_deployment_pattern"] == "deploy_models"]
CODE = [c for c in PROJECT_COMBINATIONS if c["input_deployment_pattern"] == "deploy_code"]


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_deployment_notebook_takes_the_version_from_the_job(combo, rendered):
    notebook = rendered(combo).project / "deployment" / "model_deployment" / "notebooks" / "ModelDeployment.py"
    declared = widgets(notebook)
    assert set(declared) == {"env", "model_name", "model_version"}
    # Jobs pass ${bundle.target}: any target name must be accepted, including targets added later.
    assert declared["env"].kind == "text"
    assert "deploy(MlflowClient(), model_name, model_version)" in notebook.read_text()


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_deploy_moves_champion_only_onto_the_challenger(combo, rendered):
    deploy = (package_dir(rendered(combo).project) / "deployment" / "deploy.py").read_text()
    refusal = deploy.index("raise DeploymentRefusedError(")
    assert deploy.index("if challenger != version:") < refusal
    assert refusal < deploy.index("client.set_registered_model_alias(model_name, CHAMPION, version)")
    assert "client.delete_registered_model_alias(model_name, CHALLENGER)" in deploy


@pytest.mark.parametrize("combo", MODELS, ids=lambda c: c.id)
def test_promotion_copies_the_staging_champion_into_the_prod_model(combo, rendered):
    project = rendered(combo).project
    promotion = package_dir(project) / "promotion"
    notebook = project / "deployment" / "model_promotion" / "notebooks" / "PromoteModel.py"
    assert set(widgets(notebook)) == {"source_model_name", "model_name"}
    # Validation and deployment in the promotion job read the same task values as after training.
    assert task_values_set(notebook) == {"model_uri", "model_name", "model_version"}
    assert keyword_arguments(promotion / "promote.py", "client.copy_model_version") == [set()]
    assert 'f"models:/{source_model_name}/{source_version}"' in (promotion / "promote.py").read_text()


@pytest.mark.parametrize("combo", CODE, ids=lambda c: c.id)
def test_deploy_code_projects_have_no_promotion(combo, rendered):
    project = rendered(combo).project
    assert not (project / "deployment" / "model_promotion").exists()
    assert not (package_dir(project) / "promotion").exists()
    mentions = [p.relative_to(project).as_posix() for p in python_files(project) if "promot" in p.read_text()]
    assert mentions == []
