"""Upgrading a generated project to a newer template revision (tooling/upgrade.py), for real: a scratch clone of
this repository gets a second revision (a template change committed by the test), a project rendered from the
first revision and edited by its "team" is upgraded to the second, and the result is checked file by file."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tooling.paths import REPO_ROOT
from tooling.preview import export_revision
from tooling.render import render
from tooling.upgrade import (
    EXIT_CONFLICTS,
    EXIT_OK,
    EXIT_REFUSED,
    NEW_SUFFIX,
    RECORD_NAME,
    REVISION_KEY,
    Blob,
    plan_file,
    upgrade,
)

GIT_USER = ["-c", "user.name=Upgrade Test", "-c", "user.email=upgrade-test@example.com"]
NEW_INPUT, NEW_INPUT_DEFAULT = "input_upgrade_probe", "probe-default"
# The second revision's template changes, and the project team's own edits (paths in the rendered project root,
# default answers: the project folder is my_mlops_project).
PROJECT = "my_mlops_project"
TRAIN = f"{PROJECT}/src/{PROJECT}/training/train.py"
RESOURCE = f"{PROJECT}/resources/model-workflow-resource.yml"
CONFLICTED = f"{PROJECT}/data/README.md"
REMOVED = "docs/ml-pull-request.md"
ADDED = "UPGRADE_PROBE.md"
TEMPLATE_TRAIN_ADDITION = "\n\ndef template_v2_helper() -> int:\n    return 2\n"
TEMPLATE_RESOURCE_ADDITION = "# Added by template revision 2.\n"
TEMPLATE_DATA_NOTE = "Template revision 2 says: the sample is synthetic.\n"
TEAM_TRAIN_HEADER = "# Our team's fare model: we tuned it (see docs/tuning.md).\n"
TEAM_RESOURCE_HEADER = "# Team note: this job's schedule is agreed with the data owners.\n"
TEAM_DATA_NOTE = "Team note: we replaced the sample with our own extract.\n"
TEAM_FILE = "docs/tuning.md"
MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})( |$)", re.MULTILINE)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def commit_all(cwd: Path, message: str) -> str:
    git(cwd, "add", "-A")
    git(cwd, *GIT_USER, "commit", "-q", "-m", message)
    return git(cwd, "rev-parse", "HEAD").strip()


def template_file(clone: Path, rendered: str) -> Path:
    """The file of the template tree that renders to `rendered` (a path in the root directory, default answers)."""
    parts = rendered.split("/")
    mapping = {PROJECT: ["{{template `project_name_alphanumeric_underscore` .}}", "{{template `project_package` .}}"]}
    candidates = [clone / "template" / "{{.input_root_dir}}"]
    for part in parts:
        names = mapping.get(part, [part]) + ([part + ".tmpl"] if part == parts[-1] else [])
        candidates = [c / name for c in candidates for name in names if (c / name).exists()]
    assert len(candidates) == 1, f"no single template file renders {rendered}: {candidates}"
    return candidates[0]


@dataclass(frozen=True)
class Revisions:
    clone: Path
    base: str  # this repository's HEAD
    second: str  # base + the test's template change


@pytest.fixture(scope="module")
def revisions(tmp_path_factory) -> Revisions:
    clone = tmp_path_factory.mktemp("template-clone") / "repo"
    subprocess.run(["git", "clone", "-q", "--no-local", str(REPO_ROOT), str(clone)], check=True)
    base = git(clone, "rev-parse", "HEAD").strip()
    with template_file(clone, TRAIN).open("a") as f:
        f.write(TEMPLATE_TRAIN_ADDITION)
    with template_file(clone, RESOURCE).open("a") as f:
        f.write(TEMPLATE_RESOURCE_ADDITION)
    with template_file(clone, CONFLICTED).open("a") as f:
        f.write(TEMPLATE_DATA_NOTE)
    template_file(clone, REMOVED).unlink()
    # A new input with a default, used by a new file.
    schema_path = clone / "databricks_template_schema.json"
    schema = json.loads(schema_path.read_text())
    order = max(p.get("order", 0) for p in schema["properties"].values()) + 1
    schema["properties"][NEW_INPUT] = {
        "order": order,
        "type": "string",
        "description": "A probe input added by the upgrade test",
        "default": NEW_INPUT_DEFAULT,
    }
    for branch in schema.get("anyOf", []):
        branch.setdefault("properties", {})[NEW_INPUT] = {}
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")
    (clone / "template" / "{{.input_root_dir}}" / f"{ADDED}.tmpl").write_text("Probe: {{ .input_upgrade_probe }}\n")
    second = commit_all(clone, "Template revision 2 (upgrade test)")
    return Revisions(clone, base, second)


def render_project(
    revisions: Revisions, revision: str, folder: Path, simulator, cli_home, answers: dict | None = None
) -> Path:
    """Render `answers` (default: none given) at `revision` into `folder`, as `bundle init` from a checkout of it
    would; returns the folder that holds its record (the root directory; a Project_Only project's own folder),
    committed as a git repository of its own."""
    template = export_revision(revision, folder / "template-checkout", revisions.clone)
    result = render(answers or {}, folder / "out", workspace=simulator, home=cli_home, template_dir=template)
    assert result.returncode == 0, result.output
    (record,) = (folder / "out").rglob(RECORD_NAME)
    root = record.parent
    git(root, "init", "-q")
    commit_all(root, "Generated with MLOps Stacks")
    return root


def team_edits(root: Path) -> None:
    """What a team does to its project before it upgrades: edits code and a resource, adds a file."""
    train = root / TRAIN
    train.write_text(TEAM_TRAIN_HEADER + train.read_text())
    resource = root / RESOURCE
    resource.write_text(TEAM_RESOURCE_HEADER + resource.read_text())
    with (root / CONFLICTED).open("a") as f:
        f.write(TEAM_DATA_NOTE)
    (root / TEAM_FILE).write_text("# How we tuned the model\n")
    commit_all(root, "Our changes")


@pytest.fixture
def project(revisions, tmp_path, simulator, cli_home) -> Path:
    """A project rendered from the base revision and edited by its team, all committed."""
    root = render_project(revisions, revisions.base, tmp_path, simulator, cli_home)
    team_edits(root)
    return root


def run_upgrade(revisions: Revisions, root: Path, **kwargs) -> tuple[int, str]:
    kwargs.setdefault("to", revisions.second)
    return upgrade(root, template_repo=revisions.clone, **kwargs)


def files_with_markers(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            try:
                if MARKER.search(path.read_text()):
                    found.append(path.relative_to(root).as_posix())
            except UnicodeDecodeError:
                continue
    return found


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def without_timing(text: str) -> str:
    return re.sub(r"\n\(\d+\.\d s\)$", "", text)


def test_upgrade_keeps_team_edits_brings_template_changes_and_marks_the_one_conflict(revisions, project):
    head = git(project, "rev-parse", "HEAD")
    status, output = run_upgrade(revisions, project, from_revision=revisions.base)
    assert status == EXIT_CONFLICTS, output

    train = (project / TRAIN).read_text()
    assert train.startswith(TEAM_TRAIN_HEADER) and train.endswith(TEMPLATE_TRAIN_ADDITION), output
    resource = (project / RESOURCE).read_text()
    assert resource.startswith(TEAM_RESOURCE_HEADER) and resource.endswith(TEMPLATE_RESOURCE_ADDITION)
    assert (project / TEAM_FILE).read_text() == "# How we tuned the model\n"

    # Conflict markers only where both changed the same lines: the team's line and the template's, both kept.
    assert files_with_markers(project) == [CONFLICTED], output
    conflicted = (project / CONFLICTED).read_text()
    assert f"<<<<<<< your project\n{TEAM_DATA_NOTE}" in conflicted
    assert f"=======\n{TEMPLATE_DATA_NOTE}>>>>>>> template {revisions.second[:12]}\n" in conflicted
    assert re.search(rf"^ +conflict +{re.escape(CONFLICTED)}: ", output, re.MULTILINE), output

    # The new input got its default; the file the template dropped is reported and kept.
    assert (project / ADDED).read_text() == f"Probe: {NEW_INPUT_DEFAULT}\n"
    assert re.search(rf"^New inputs.*\n  {NEW_INPUT} = \"{NEW_INPUT_DEFAULT}\"$", output, re.MULTILINE), output
    assert (project / REMOVED).exists()
    assert re.search(rf"^ +removed +{re.escape(REMOVED)}: ", output, re.MULTILINE), output

    record = json.loads((project / RECORD_NAME).read_text())
    assert record[REVISION_KEY] == revisions.second
    assert record["answers"][NEW_INPUT] == NEW_INPUT_DEFAULT
    assert git(project, "rev-parse", "HEAD") == head, "the upgrade must not commit"


def test_upgrade_keeps_the_bundle_uuid(revisions, project):
    def uuid(text: str) -> str:
        return re.search(r"^\s+uuid:\s*(\S+)", text, re.MULTILINE).group(1)

    before = uuid((project / PROJECT / "databricks.yml").read_text())
    status, output = run_upgrade(revisions, project, from_revision=revisions.base)
    assert status == EXIT_CONFLICTS, output
    assert uuid((project / PROJECT / "databricks.yml").read_text()) == before
    assert "databricks.yml" not in output


SETUP_MODES = json.loads((REPO_ROOT / "databricks_template_schema.json").read_text())["properties"][
    "input_setup_cicd_and_project"
]["enum"]


@pytest.mark.parametrize("setup", SETUP_MODES)
def test_an_unedited_project_upgrades_to_what_the_new_revision_renders(revisions, tmp_path, simulator, cli_home, setup):
    answers = {"input_setup_cicd_and_project": setup, "input_root_dir": PROJECT}
    root = render_project(revisions, revisions.base, tmp_path / "old", simulator, cli_home, answers)
    had_removed = (root / REMOVED).exists()
    status, output = run_upgrade(revisions, root, from_revision=revisions.base)
    assert status == EXIT_OK, output
    fresh = render_project(revisions, revisions.second, tmp_path / "new", simulator, cli_home, answers)

    upgraded, expected = tree(root), tree(fresh)
    assert (upgraded.pop(REMOVED, None) is not None) == had_removed  # kept, not deleted
    record = json.loads(upgraded.pop(RECORD_NAME))
    assert record.pop(REVISION_KEY) == revisions.second
    assert record == json.loads(expected.pop(RECORD_NAME))
    for yml in [path for path in expected if path.rsplit("/", 1)[-1] == "databricks.yml"]:
        # The project keeps its bundle uuid; the fresh render drew another.
        uuids = [re.search(rb"uuid: (\S+)", t[yml]).group(1) for t in (upgraded, expected)]
        expected[yml] = expected[yml].replace(uuids[1], uuids[0])
    assert upgraded == expected


def test_answer_gives_a_new_input_another_value(revisions, project):
    status, output = run_upgrade(revisions, project, from_revision=revisions.base, answers={NEW_INPUT: "team-value"})
    assert status == EXIT_CONFLICTS, output
    assert (project / ADDED).read_text() == "Probe: team-value\n"


def test_rerun_on_an_up_to_date_project_changes_nothing(revisions, project):
    status, output = run_upgrade(revisions, project, from_revision=revisions.base)
    assert status == EXIT_CONFLICTS, output
    (project / CONFLICTED).write_text(
        re.sub(r"<{7}.*?>{7}[^\n]*\n", TEAM_DATA_NOTE, (project / CONFLICTED).read_text(), flags=re.DOTALL)
    )
    commit_all(project, "Upgraded the template")
    before = tree(project)

    status, output = run_upgrade(revisions, project)  # the revision comes from the record now
    assert status == EXIT_OK, output
    assert "Nothing to do" in output
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert tree(project) == before


def test_same_upgrade_twice_gives_the_same_tree(revisions, project, tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(project), str(copy)], check=True)
    results = [run_upgrade(revisions, root, from_revision=revisions.base) for root in (project, copy)]
    assert results[0][0] == results[1][0] == EXIT_CONFLICTS
    assert without_timing(results[0][1]).replace(str(project), "<root>") == without_timing(results[1][1]).replace(
        str(copy), "<root>"
    )
    assert tree(project) == tree(copy)


def test_dry_run_prints_the_changes_and_writes_nothing(revisions, project):
    before = tree(project)
    status, output = run_upgrade(revisions, project, from_revision=revisions.base, dry_run=True)
    assert status == EXIT_CONFLICTS, output
    assert tree(project) == before
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert f"+++ b/{ADDED}" in output and f"+Probe: {NEW_INPUT_DEFAULT}" in output
    assert f"+{TEMPLATE_TRAIN_ADDITION.strip().splitlines()[0]}" in output


@pytest.mark.parametrize(
    "dirt",
    [
        pytest.param(lambda root: (root / TRAIN).write_text("edited\n"), id="modified"),
        pytest.param(lambda root: (root / "scratch.txt").write_text("new\n"), id="untracked"),
    ],
)
def test_upgrade_refuses_a_dirty_tree(revisions, project, dirt):
    dirt(project)
    before = tree(project)
    status, output = run_upgrade(revisions, project, from_revision=revisions.base)
    assert status == EXIT_REFUSED
    assert "uncommitted changes" in output
    assert tree(project) == before


def test_upgrade_refuses_to_write_through_a_symbolic_link(revisions, project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    data = project / PROJECT / "data"
    for path in data.iterdir():
        path.rename(outside / path.name)
    data.rmdir()
    data.symlink_to(outside)
    commit_all(project, "Data lives elsewhere")
    before = tree(outside)
    status, output = run_upgrade(revisions, project, from_revision=revisions.base)
    assert status == EXIT_REFUSED
    assert "symbolic link" in output and CONFLICTED in output
    assert tree(outside) == before


def test_upgrade_refuses_without_a_known_revision(revisions, project):
    status, output = run_upgrade(revisions, project)
    assert status == EXIT_REFUSED
    assert "--from REV" in output


def test_upgrade_refuses_an_input_the_template_does_not_have(revisions, project):
    before = tree(project)
    status, output = run_upgrade(revisions, project, from_revision=revisions.base, answers={"input_nope": "x"})
    assert status == EXIT_REFUSED
    assert "input_nope" in output
    assert tree(project) == before


def test_binary_file_changed_on_both_sides_keeps_yours_and_writes_the_template_s_next_to_it(
    revisions, tmp_path, simulator, cli_home
):
    parquet = f"{PROJECT}/data/sample_trips.parquet"
    clone = tmp_path / "binary-clone"
    subprocess.run(["git", "clone", "-q", str(revisions.clone), str(clone)], check=True)
    binary_revisions = Revisions(clone, revisions.base, revisions.second)
    with template_file(clone, parquet).open("ab") as f:
        f.write(b"\0template")
    third = commit_all(clone, "Template revision 3: another sample")
    root = render_project(binary_revisions, revisions.base, tmp_path / "p", simulator, cli_home)
    with (root / parquet).open("ab") as f:
        f.write(b"\0team")
    commit_all(root, "Our own sample")
    ours = (root / parquet).read_bytes()

    status, output = upgrade(root, to=third, from_revision=revisions.base, template_repo=clone)
    assert status == EXIT_CONFLICTS, output
    assert (root / parquet).read_bytes() == ours
    assert (root / (parquet + NEW_SUFFIX)).read_bytes().endswith(b"\0template")
    assert re.search(rf"^ +binary-conflict +{re.escape(parquet)}: ", output, re.MULTILINE), output


# One file at a time: the cases the two-revision upgrade above does not produce.
LABELS = ("your project", "template old", "template new")
OLD, NEW = Blob(b"a\nb\nc\n", False), Blob(b"a\nb\nc\nd\n", False)


def test_a_file_you_deleted_stays_deleted_while_the_template_leaves_it_alone():
    assert plan_file("f", OLD, OLD, None, LABELS) is None


def test_a_file_you_deleted_and_the_template_changed_comes_back_as_a_conflict():
    change = plan_file("f", OLD, NEW, None, LABELS)
    assert (change.kind, change.content, change.is_conflict) == ("restored", NEW.data, True)


def test_the_template_s_new_executable_bit_arrives_and_your_content_stays():
    ours = Blob(b"a\nyours\nc\n", False)
    change = plan_file("f", OLD, Blob(OLD.data, True), ours, LABELS)
    assert (change.kind, change.content, change.executable) == ("mode", None, True)


def test_your_executable_bit_stays_when_the_template_changes_only_the_content():
    change = plan_file("f", OLD, NEW, Blob(OLD.data, True), LABELS)
    assert (change.kind, change.content, change.executable) == ("updated", NEW.data, None)


def test_a_new_template_file_where_you_have_a_different_one_gets_markers():
    change = plan_file("f", None, NEW, Blob(b"a\nb\nc\nmine\n", False), LABELS)
    assert change.kind == "add-conflict" and change.conflicts == 1
    assert (
        change.content
        == b"a\nb\nc\n<<<<<<< your project\nmine\n||||||| template old\n=======\nd\n>>>>>>> template new\n"
    )


def test_a_new_template_file_that_you_already_have_changes_nothing():
    assert plan_file("f", None, NEW, NEW, LABELS) is None
