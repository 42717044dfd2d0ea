"""Add the CI/CD of one project of this repository, rendered by the cicd sub-template next to this script.

    python cicd/add_project_cicd.py <project folder>

Run it from the repository root (the folder holding cicd_params.json) after unpacking cicd.tar.gz there, with
the Databricks CLI on PATH and a workspace configuration it can start with (`bundle init` renders local files
only; it calls no workspace API). The deploy-cicd pipelines run it; on GitLab, run it yourself.

It merges the repository's CI/CD answers (cicd_params.json) with the project's own (<project folder>/
project_params.json) and renders the sub-template with `databricks bundle init`, which adds the project's
pipelines and its staging, prod and test bundle targets (<project folder>/resources/cicd-targets.yml). It never
overwrites a file: `bundle init` stops if any of them exists.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SUB_TEMPLATE = Path(__file__).resolve().parent
FOLDER_NAME = re.compile(r"^[A-Za-z0-9_]+$")
# Where the sub-template writes each platform's pipelines.
PIPELINE_FOLDERS = {
    "github_actions": [".github/workflows"],
    "github_actions_for_github_enterprise_servers": [".github/workflows"],
    "azure_devops": [".azure/devops-pipelines"],
    "gitlab": [".gitlab/pipelines"],
}


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys {', '.join(duplicates)}")
    return dict(pairs)


def read_params(path: Path) -> dict[str, str]:
    """The answers in a params file: one JSON object of strings, each key once."""
    if not path.is_file():
        raise SystemExit(f"{path} does not exist.")
    try:
        params = json.loads(path.read_text(), object_pairs_hook=_refuse_duplicate_keys)
    except ValueError as error:
        raise SystemExit(f"{path} is not a valid answers file: {error}.") from None
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise SystemExit(f"{path} must hold one JSON object whose values are strings.")
    return params


def sub_template_inputs() -> list[str]:
    schema = json.loads((SUB_TEMPLATE / "databricks_template_schema.json").read_text())
    return list(schema["properties"])


def refuse_symlinked_folders(root: Path, folders: list[str]) -> None:
    """bundle init follows symbolic links when it writes; files must stay inside the repository."""
    for folder in folders:
        path = root
        for part in Path(folder).parts:
            path = path / part
            if path.is_symlink():
                raise SystemExit(f"{path} is a symbolic link: the project's CI/CD files must be written inside {root}.")


def merged_answers(root: Path, folder: str) -> dict[str, str]:
    if not FOLDER_NAME.match(folder):
        raise SystemExit(f"{folder!r} is not a project folder name: use letters, digits and underscores only.")
    repo = read_params(root / "cicd_params.json")
    project_params = root / folder / "project_params.json"
    if not project_params.is_file():
        raise SystemExit(
            f"{project_params} does not exist: generate the project with `databricks bundle init` "
            "(setup Project_Only) into that folder at the repository root first."
        )
    project = read_params(project_params)
    if project["input_cloud"] != repo["input_cloud"]:
        raise SystemExit(
            f"The project is for {project['input_cloud']} but this repository's CI/CD is for {repo['input_cloud']}."
        )
    answers = {**repo, **project}
    unknown = sorted(set(answers) - set(sub_template_inputs()))
    if unknown:
        raise SystemExit(
            f"Unknown keys {', '.join(unknown)} in cicd_params.json or {project_params}; "
            f"the inputs are: {', '.join(sub_template_inputs())}."
        )
    return answers


def render_sub_template(answers: dict[str, str], output: Path, **options) -> int:
    with tempfile.TemporaryDirectory(prefix="add-project-cicd-") as scratch:
        config = Path(scratch) / "answers.json"
        config.write_text(json.dumps(answers, indent=2))
        # Run outside the repository so that no bundle around the current folder is picked up.
        command = ["databricks", "bundle", "init", str(SUB_TEMPLATE), "--config-file", str(config)]
        return subprocess.run([*command, "--output-dir", str(output)], cwd=scratch, check=False, **options).returncode


def folder_of(answers: dict[str, str]) -> str | None:
    """The project folder the sub-template writes the project's targets into, found by rendering it into a scratch
    folder: bundle init derives the folder from the project name (the template's library states the rule, once)."""
    with tempfile.TemporaryDirectory(prefix="add-project-cicd-dry-run-") as scratch:
        if render_sub_template(answers, Path(scratch) / "out", capture_output=True) != 0:
            return None  # the real run below reports why
        (targets,) = (Path(scratch) / "out").glob("*/resources/cicd-targets.yml")
        return targets.parent.parent.name


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path.cwd()
    folder = argv[0]
    answers = merged_answers(root, folder)
    expected = folder_of(answers)
    if expected is not None and expected != folder:
        raise SystemExit(
            f"{folder} holds the project {answers['input_project_name']!r}, whose folder is {expected!r}: "
            "keep the folder name bundle init chose."
        )
    pipelines = PIPELINE_FOLDERS.get(answers.get("input_cicd_platform", ""), [])
    refuse_symlinked_folders(root, [f"{folder}/resources", *pipelines])
    return render_sub_template(answers, root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
