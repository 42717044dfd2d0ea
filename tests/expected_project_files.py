"""The ML code, data and tests of a rendered project, relative to the project folder, by answer.
Written from the documented layout, not from the template tree."""

from __future__ import annotations

from matrix import Combination


def project_files(c: Combination) -> set[str]:
    return set()
