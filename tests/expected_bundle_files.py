"""The bundle files (databricks.yml, resources/, component READMEs) of a rendered project, relative to the
project folder, by answer. Written from the documented layout, not from the template tree."""

from __future__ import annotations

from matrix import Combination


def bundle_files(c: Combination) -> set[str]:
    return {
        "databricks.yml",
        "resources/ml-artifacts-resource.yml",
    }
