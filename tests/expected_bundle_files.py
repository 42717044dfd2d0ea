"""The bundle files (databricks.yml, resources/, the project and resources READMEs) of a rendered project,
relative to the project folder, by answer. Written from the documented layout, not from the template tree."""

from __future__ import annotations

from matrix import Combination


def bundle_files(c: Combination) -> set[str]:
    files = {
        "README.md",
        "databricks.yml",
        "resources/README.md",
        "resources/ml-artifacts-resource.yml",
        "resources/model-workflow-resource.yml",
        "resources/batch-inference-workflow-resource.yml",
        "resources/monitoring-resource.yml",
    }
    if c["input_include_feature_store"] == "yes":
        files.add("resources/feature-engineering-workflow-resource.yml")
    if c["input_deployment_pattern"] == "deploy_models":
        files.add("resources/model-promotion-workflow-resource.yml")
    return files
