"""The CI/CD and repository-level files a render must contain, relative to the root folder, by answer."""

from __future__ import annotations

from matrix import Combination


def cicd_files(c: Combination) -> set[str]:
    platform = c["input_cicd_platform"]
    files = {"README.md"}
    del platform  # used as CI/CD is added
    return files
