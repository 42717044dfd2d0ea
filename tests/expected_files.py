"""Exact set of files a combination renders, relative to the --output-dir."""

from __future__ import annotations

from expected_bundle_files import bundle_files
from expected_cicd_files import cicd_files
from expected_project_files import project_files
from matrix import Combination


def expected_files(c: Combination) -> set[str]:
    root = c["input_root_dir"]
    files: set[str] = set()
    # CI/CD files; for a project without CI/CD only its project_params.json (read when CI/CD is added later).
    files |= {f"{root}/{f}" for f in cicd_files(c)}
    if c.has_project:
        files |= {f"{c.project_dir}/{f}" for f in bundle_files(c) | project_files(c)}
    return files
