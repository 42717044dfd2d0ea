"""The one shared render helper: renders answers with the pinned CLI, once per test run.

Rendered trees are cached in a folder shared by all pytest-xdist workers of the run, keyed by the
answers; a file lock makes sure each distinct answer set is rendered by exactly one worker.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from filelock import FileLock
from matrix import Combination

from tooling import goldens
from tooling.goldens import RECORD, UUID_RE  # noqa: F401 (UUID_RE: for the tests)
from tooling.render import CliResult, render
from tooling.simulator import Simulator


@dataclass(frozen=True)
class Rendered:
    """A rendered tree: `output` is the --output-dir; `record` the render's own .mlops-stacks.json, from which
    `values` (every input's final value) and `derived` (the names the template derives) are read."""

    answers: dict
    output: Path
    result: CliResult

    @cached_property
    def record(self) -> dict:
        (path,) = self.output.glob(f"**/{RECORD}")
        return json.loads(path.read_text())

    @property
    def values(self) -> dict[str, str]:
        return self.record["answers"]

    @property
    def derived(self) -> dict:
        return self.record["derived"]

    @property
    def root(self) -> Path:
        return self.output / self.values["input_root_dir"]

    @property
    def project(self) -> Path:
        return self.output / self.derived["project_dir"]

    def files(self) -> set[str]:
        """Every generated file, relative to the output directory."""
        return {p.relative_to(self.output).as_posix() for p in self.output.rglob("*") if p.is_file()}

    def layout(self) -> goldens.Layout:
        return goldens.layout(self.files(), self.record)

    def repository_files(self) -> set[str]:
        """The files outside the project folder, relative to the root folder (goldens.split)."""
        return goldens.split(self.files(), self.record)[0]

    def dirs(self) -> set[str]:
        return {p.relative_to(self.output).as_posix() for p in self.output.rglob("*") if p.is_dir()}

    def text(self, relative: str) -> str:
        return (self.output / relative).read_text()

    def yaml(self, relative: str):
        return yaml.safe_load(self.text(relative))


_golden_layouts = functools.cache(goldens.golden_layouts)


def unreviewed_files(layout: goldens.Layout) -> str | None:
    """None if each part of `layout` (the repository's files, the project's) is that part of a golden render;
    else what differs from the closest golden, so that a new layout gets a golden and a reviewer."""
    reviewed = _golden_layouts()
    problems = []
    for part, files in zip(("repository", "project"), layout, strict=True):
        if any(golden[part == "project"] == files for golden in reviewed.values()):
            continue
        closest = min(reviewed, key=lambda name: len(reviewed[name][part == "project"] ^ files))
        theirs = reviewed[closest][part == "project"]
        problems.append(
            f"the {part} files are those of no golden; closest: {closest}, "
            f"with {sorted(files - theirs)} and without {sorted(theirs - files)}"
        )
    return "; ".join(problems) or None


def answers_key(answers: dict) -> str:
    return hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()[:16]


class RenderCache:
    def __init__(self, folder: Path, workspace: Simulator, home: Path):
        self.folder = folder
        self.workspace = workspace
        self.home = home
        self._seen: dict[str, Rendered] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, answers: dict | Combination) -> Rendered:
        if isinstance(answers, Combination):
            answers = answers.answers
        key = answers_key(answers)
        if key in self._seen:
            return self._seen[key]
        slot = self.folder / key
        with FileLock(str(self.folder / f"{key}.lock")):
            result_file = slot / "result.json"
            if not result_file.exists():
                if slot.exists():
                    shutil.rmtree(slot)
                slot.mkdir()
                res = render(answers, slot / "out", workspace=self.workspace, home=self.home)
                result_file.write_text(json.dumps(res.__dict__))
            res = CliResult(**json.loads(result_file.read_text()))
        self._seen[key] = Rendered(answers, slot / "out", res)
        return self._seen[key]
