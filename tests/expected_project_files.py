"""The files a rendered ML project must contain, relative to the project folder, by answer.

Written from the documented layout (README / CUSTOMIZATION.md), not from the template tree."""

from __future__ import annotations

from matrix import Combination


def project_files(c: Combination) -> set[str]:
    fs = c["input_include_feature_store"] == "yes"
    promote = c["input_deployment_pattern"] == "deploy_models"
    files = {
        "databricks.yml",
        "resources/ml-artifacts-resource.yml",
    }
    del fs, promote  # used as the project grows
    return files
