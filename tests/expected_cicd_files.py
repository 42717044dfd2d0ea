"""The CI/CD and repository-level files of a render, relative to the root folder (input_root_dir), by answer.
Written from the documented layout, not from the template tree."""

from __future__ import annotations

from matrix import Combination


def cicd_files(c: Combination) -> set[str]:
    return {"README.md"}
