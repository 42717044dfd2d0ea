"""Upgrade a generated project to a newer revision of this template, keeping the project's own changes.

    python -m tooling.upgrade PROJECT_ROOT [--to REV] [--from REV] [--answer NAME=VALUE ...] [--dry-run]

PROJECT_ROOT is the folder `bundle init` generated (the root directory answer), the one holding the answers
record `.mlops-stacks.json`. It must be inside a git work tree with nothing uncommitted or untracked under it,
so that the upgrade's changes can be reviewed (`git diff`) and committed, or thrown away, on their own.

1. The recorded answers are rendered twice with the pinned Databricks CLI (tooling/render.py): at the revision
   the project was made from, and at the target revision (--to, default HEAD) of this repository. Only
   committed revisions are rendered (`git archive`), never this checkout's uncommitted edits.
2. For every file either render has, the difference between the two renders is applied to the project with
   `git merge-file` (a three-way merge: old render, your file, new render). Where you and the template changed
   the same lines, the file gets conflict markers (with the old template's lines between ||||||| and =======)
   and the command exits with 1. Files the template no longer generates are reported and kept. Files you added
   are never looked at.
3. The record is rewritten from the new render, with the revision it was made from (`template_revision`).

The revision a project was made from: --from, else the record's `template_revision` (written by every upgrade),
else a tag of this repository named like the record's `template_version` (with or without a leading v). A
project rendered straight from a clone has neither the revision nor, unless the template was released, a tag:
pass the commit you rendered from with --from once.

Inputs that the new revision adds take their defaults (listed, with the value they got); give another value with
--answer NAME=VALUE. Inputs the new revision no longer has are dropped from the answers (listed). Nothing is
committed: review the result with `git status` and `git diff`, resolve conflicts, then commit.

Exit status: 0 upgraded (or nothing to do), 1 upgraded with conflicts to resolve, 2 refused (nothing written).
With --dry-run nothing is written and the status says the same of the upgrade that would run. The upgrade
refuses to write through symbolic links (a template path that is, or is inside, a link in the project).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tooling.paths import REPO_ROOT
from tooling.preview import export_revision
from tooling.render import render
from tooling.simulator import Simulator

RECORD_NAME = ".mlops-stacks.json"  # the answers record, in the root directory (written by the template)
REVISION_KEY = "template_revision"  # the commit of this repository the project was last rendered from
SCHEMA_NAME = "databricks_template_schema.json"
NEW_SUFFIX = ".template-new"  # the template's version of a binary file that both sides changed
EXIT_OK, EXIT_CONFLICTS, EXIT_REFUSED = 0, 1, 2
# The bundle's uuid: `bundle init` draws a new one per render (the CLI's bundle_uuid helper); the project keeps its own.
_BUNDLE_UUID = re.compile(rb"^[ \t]+uuid:[ \t]*\"?([0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})", re.MULTILINE)


class UpgradeError(Exception):
    """The upgrade is refused; nothing has been written."""


@dataclass(frozen=True)
class Blob:
    data: bytes
    executable: bool

    @property
    def binary(self) -> bool:
        if b"\0" in self.data[:8000]:
            return True
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # one of KINDS
    content: bytes | None = None  # what the file becomes; None: its content stays
    executable: bool | None = None  # its executable bit afterwards; None: stays
    extra: tuple[str, bytes] | None = None  # a file written next to it (binary conflicts)
    conflicts: int = 0

    @property
    def is_conflict(self) -> bool:
        return self.kind in CONFLICT_KINDS


# What each kind of change means, as the report prints it.
KINDS = {
    "updated": "the template changed it, you had not: taken from the template",
    "merged": "you and the template changed it in different places: merged",
    "conflict": "you and the template changed the same lines: resolve the conflict markers",
    "added": "new in the template",
    "add-conflict": "new in the template, and you already have a different file there: resolve the conflict markers",
    "restored": "you deleted it and the template changed it: the new version is written; delete it again to keep "
    "it deleted",
    "binary-conflict": "binary, and changed by you and by the template: yours is kept, the template's is written "
    f"next to it, with {NEW_SUFFIX} appended to the name",
    "mode": "the template changed its executable bit",
    "removed": "the template no longer generates it: kept (delete it yourself if you do not need it)",
    "record": "the answers record: rewritten from the new render",
}
CONFLICT_KINDS = {"conflict", "add-conflict", "restored", "binary-conflict"}


@dataclass
class Plan:
    root: Path
    old_revision: str
    new_revision: str
    new_inputs: dict[str, str | None]  # input -> the value it got (None: its computed default, not recorded)
    dropped_inputs: list[str]
    changes: list[Change] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.is_conflict]

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.kind != "removed"]


# --- git ----------------------------------------------------------------------------------------------------------
def _git(args: list[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=check)


def require_clean(root: Path) -> None:
    """Refuse unless `root` is in a git work tree with nothing uncommitted or untracked under it."""
    inside = _git(["rev-parse", "--is-inside-work-tree"], root, check=False)
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise UpgradeError(f"{root} is not inside a git work tree: commit the project to git first")
    status = _git(["status", "--porcelain=v1", "--untracked-files=all", "--", "."], root).stdout.decode()
    if status:
        listed = "\n".join(f"  {line}" for line in status.splitlines()[:20])
        raise UpgradeError(
            f"{root} has uncommitted changes; commit or stash them first, so the upgrade's changes can be "
            f"reviewed on their own:\n{listed}"
        )


def resolve_revision(repo: Path, revision: str) -> str:
    """The full commit id of `revision` in the template repository `repo`."""
    found = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], repo, check=False)
    if found.returncode != 0:
        raise UpgradeError(f"{revision!r} is not a commit of the template repository {repo}")
    return found.stdout.decode().strip()


def recorded_revision(record: dict, repo: Path, given: str | None) -> str:
    """The revision the project was rendered from (see the module docstring for the order)."""
    if given:
        return resolve_revision(repo, given)
    if record.get(REVISION_KEY):
        return resolve_revision(repo, record[REVISION_KEY])
    version = str(record.get("template_version") or "")
    for tag in (version, f"v{version}") if version else ():
        found = _git(["rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}"], repo, check=False)
        if found.returncode == 0:
            return found.stdout.decode().strip()
    raise UpgradeError(
        f"which revision of the template rendered this project is not recorded (template_version "
        f"{version or 'missing'}, no {REVISION_KEY}, no tag of that name in {repo}): pass the commit you "
        "rendered it from with --from REV; the upgrade then records it"
    )


# --- files --------------------------------------------------------------------------------------------------------
def read_blob(path: Path) -> Blob | None:
    if not path.is_file() or path.is_symlink():
        return None
    return Blob(path.read_bytes(), bool(path.stat().st_mode & 0o100))


def read_tree(root: Path) -> dict[str, Blob]:
    tree = {}
    for path in sorted(root.rglob("*")):
        blob = read_blob(path)
        if blob is not None:
            tree[path.relative_to(root).as_posix()] = blob
    return tree


def bundle_uuid(blob: Blob | None) -> bytes | None:
    match = _BUNDLE_UUID.search(blob.data) if blob else None
    return match.group(1) if match else None


def keep_project_uuids(tree: dict[str, Blob], root: Path) -> dict[str, Blob]:
    """`tree` (a render) with each bundle's freshly drawn uuid replaced by the one the project's bundle has, so the
    uuid line is no difference between the renders and the project."""
    replace = {}
    for rel in tree:
        if rel == "databricks.yml" or rel.endswith("/databricks.yml"):
            drawn, kept = bundle_uuid(tree[rel]), bundle_uuid(read_blob(root / rel))
            if drawn and kept:
                replace[drawn] = kept
    if not replace:
        return tree
    out = {}
    for rel, blob in tree.items():
        data = blob.data
        if not blob.binary:
            for drawn, kept in replace.items():
                data = data.replace(drawn, kept)
        out[rel] = Blob(data, blob.executable)
    return out


def merge_file(ours: bytes, base: bytes, theirs: bytes, labels: tuple[str, str, str]) -> tuple[bytes, int]:
    """git merge-file with zealous diff3 markers (the base lines between ||||||| and =======, lines common to both
    sides moved out of the conflict; git 2.35 or newer): the merged content and the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="upgrade-merge-") as tmp:
        names = []
        for name, data in zip(("ours", "base", "theirs"), (ours, base, theirs), strict=True):
            (Path(tmp) / name).write_bytes(data)
            names.append(name)
        args = ["merge-file", "--stdout", "--zdiff3"]
        for label in labels:
            args += ["-L", label]
        proc = _git([*args, *names], Path(tmp), check=False)
    if not 0 <= proc.returncode <= 127:
        raise UpgradeError(f"git merge-file failed: {proc.stderr.decode().strip()}")
    return proc.stdout, proc.returncode


def plan_file(rel: str, base: Blob | None, new: Blob | None, ours: Blob | None, labels) -> Change | None:
    """What the upgrade does to one file that the old or the new render has (`ours`: the project's, None if absent)."""
    if new is None:
        return Change(rel, "removed") if ours is not None else None
    if base == new:
        return None  # the template did not change it: whatever you did to it stays
    if ours is None:
        return Change(rel, "added" if base is None else "restored", new.data, new.executable)
    # The executable bit: the template's if it changed it (or the file is new to it), else yours.
    executable = new.executable if base is None or base.executable != new.executable else ours.executable
    kind, content, conflicts = "mode", None, 0
    if ours.data == new.data or (base is not None and base.data == new.data):
        pass  # already the new content, or the template changed only the mode
    elif base is not None and ours.data == base.data:
        kind, content = "updated", new.data
    elif ours.binary or new.binary or (base is not None and base.binary):
        return Change(rel, "binary-conflict", extra=(rel + NEW_SUFFIX, new.data))
    else:
        content, conflicts = merge_file(ours.data, base.data if base else b"", new.data, labels)
        if base is None:
            kind = "add-conflict" if conflicts else "added"
        else:
            kind = "conflict" if conflicts else "merged"
    if content is None and executable == ours.executable:
        return None
    return Change(rel, kind, content, executable if executable != ours.executable else None, conflicts=conflicts)


# --- the upgrade --------------------------------------------------------------------------------------------------
def read_record(root: Path) -> dict:
    path = root / RECORD_NAME
    if not path.is_file():
        raise UpgradeError(
            f"{path} is missing: give the root directory of a project generated by this template (the folder "
            f"with {RECORD_NAME})"
        )
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise UpgradeError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(record, dict) or not isinstance(record.get("answers"), dict):
        raise UpgradeError(f"{path} has no answers object")
    return record


def parse_answers(pairs: list[str]) -> dict[str, str]:
    answers = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UpgradeError(f"--answer expects NAME=VALUE, not {pair!r}")
        answers[name] = value
    return answers


def _render(template: Path, answers: dict, workspace: Simulator, output: Path) -> dict[str, Blob]:
    """Render `answers`; the files under the folder of the render's record (the root directory): the folder the
    user names, the one with the project's copy of the record."""
    with tempfile.TemporaryDirectory(prefix="upgrade-home-") as home:
        result = render(answers, output, workspace=workspace, home=Path(home), template_dir=template)
    if result.returncode != 0:
        raise UpgradeError(f"bundle init failed for the template in {template}:\n{result.output.strip()}")
    records = sorted(output.rglob(RECORD_NAME))
    if len(records) > 1:
        raise UpgradeError(f"the template in {template} writes {len(records)} {RECORD_NAME} files, not one")
    # A revision older than the record: its root directory.
    return read_tree(records[0].parent if records else output / answers["input_root_dir"])


def plan_upgrade(
    root: Path,
    *,
    to: str = "HEAD",
    from_revision: str | None = None,
    answers: dict[str, str] | None = None,
    template_repo: Path = REPO_ROOT,
) -> Plan:
    """Render both revisions and work out every change; writes nothing."""
    root = root.resolve()
    record = read_record(root)
    old = recorded_revision(record, template_repo, from_revision)
    new = resolve_revision(template_repo, to)
    recorded = {k: v for k, v in record["answers"].items() if isinstance(v, str)}
    with tempfile.TemporaryDirectory(prefix="upgrade-") as tmp, Simulator() as workspace:
        renders: dict[str, tuple[dict[str, Blob], dict]] = {}
        for revision in dict.fromkeys((old, new)):
            template = export_revision(revision, Path(tmp) / revision / "template", template_repo)
            schema = json.loads((template / SCHEMA_NAME).read_text())
            inputs = schema["properties"]
            given = {k: v for k, v in recorded.items() if k in inputs}
            if revision == new:
                unknown = sorted(set(answers or {}) - set(inputs))
                if unknown:
                    raise UpgradeError(f"--answer names inputs the template at {to} does not have: {unknown}")
                given |= answers or {}
            tree = _render(template, given, workspace, Path(tmp) / revision / "out")
            renders[revision] = (keep_project_uuids(tree, root), schema)
    (base, old_schema), (latest, new_schema) = renders[old], renders[new]
    new_record = _record_of(latest, new, to)
    added = [k for k in new_schema["properties"] if k not in old_schema["properties"] and k not in (answers or {})]
    final = new_record.get("answers", {})
    defaults = {k: p.get("default") for k, p in new_schema["properties"].items()}
    plan = Plan(
        root,
        old,
        new,
        new_inputs={k: _value_taken(final.get(k), defaults.get(k)) for k in added},
        dropped_inputs=[k for k in recorded if k not in new_schema["properties"]],
    )
    labels = ("your project", f"template {old[:12]}", f"template {new[:12]}")
    paths = sorted((base.keys() | latest.keys()) - {RECORD_NAME})
    links = [rel for rel in paths if _through_link(root, rel)]
    if links:
        raise UpgradeError(
            "the upgrade does not write through symbolic links, and these template paths are, or are in, one: "
            + ", ".join(links[:10])
        )
    for rel in paths:
        change = plan_file(rel, base.get(rel), latest.get(rel), read_blob(root / rel), labels)
        if change is not None:
            plan.changes.append(change)
    record_text = (json.dumps(new_record, indent=2, ensure_ascii=False) + "\n").encode()
    if (root / RECORD_NAME).read_bytes() != record_text:
        plan.changes.append(Change(RECORD_NAME, "record", record_text))
    return plan


def _through_link(root: Path, rel: str) -> bool:
    """Whether root/rel, or a folder between root and it, is a symbolic link."""
    path = root
    for part in rel.split("/"):
        path = path / part
        if path.is_symlink():
            return True
    return False


def _value_taken(recorded, default) -> str | None:
    """The value a new input got: from the new render's record, else its schema default unless that is a
    template (computed from other answers by the CLI); None if unknown."""
    if recorded is not None:
        return str(recorded)
    if isinstance(default, str) and "{{" not in default:
        return default
    return None


def _record_of(tree: dict[str, Blob], revision: str, name: str) -> dict:
    """The new render's record with the revision it was rendered from (top-level keys sorted, as the template
    writes them)."""
    blob = tree.get(RECORD_NAME)
    if blob is None:
        raise UpgradeError(f"the template at {name} writes no {RECORD_NAME}: upgrade to a revision that does")
    record = json.loads(blob.data)
    return dict(sorted({**record, REVISION_KEY: revision}.items()))


def apply(plan: Plan) -> None:
    for change in plan.writes:
        path = plan.root / change.path
        if change.content is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(change.content)
        if change.extra is not None:
            (plan.root / change.extra[0]).write_bytes(change.extra[1])
        if change.executable is not None:
            mode = path.stat().st_mode
            path.chmod(mode | 0o111 if change.executable else mode & ~0o111)


# --- report -------------------------------------------------------------------------------------------------------
def report(plan: Plan, *, dry_run: bool) -> str:
    lines = [f"Template {plan.old_revision[:12]} -> {plan.new_revision[:12]} for {plan.root}"]
    if plan.new_inputs:
        lines.append("New inputs, given their defaults (another value: --answer NAME=VALUE):")
        lines += [
            f"  {name} = {json.dumps(value)}" if value is not None else f"  {name}: its default (computed)"
            for name, value in plan.new_inputs.items()
        ]
    if plan.dropped_inputs:
        lines.append("Inputs the new template no longer has (dropped from the answers):")
        lines += [f"  {name}" for name in plan.dropped_inputs]
    width = max((len(c.kind) for c in plan.changes), default=0)
    if plan.changes:
        lines.append("Files:")
    for change in plan.changes:
        lines.append(f"  {change.kind.ljust(width)}  {change.path}: {KINDS[change.kind]}")
    if not plan.changes:
        lines.append("Nothing to do: the project is up to date with the template.")
        return "\n".join(lines)
    verb = "would change" if dry_run else "changed"
    written = len(plan.writes)
    lines.append(f"{written} file{'s' * (written != 1)} {verb}, {len(plan.conflicts)} with conflicts.")
    if dry_run:
        return "\n".join(lines)
    if plan.conflicts:
        lines.append("Resolve the conflicts (git diff shows them), then commit. Nothing has been committed.")
    else:
        lines.append("Review with `git diff`, then commit. Nothing has been committed.")
    return "\n".join(lines)


def dry_run_diff(plan: Plan) -> str:
    """The unified diff of every text file the upgrade would write."""
    chunks = []
    for change in plan.writes:
        if change.content is None:
            continue
        current = read_blob(plan.root / change.path)
        old = current.data if current else b""
        if Blob(old, False).binary or Blob(change.content, False).binary:
            chunks.append(f"Binary file {change.path} would change\n")
            continue
        chunks.extend(
            difflib.unified_diff(
                old.decode().splitlines(keepends=True),
                change.content.decode().splitlines(keepends=True),
                f"a/{change.path}" if current else "/dev/null",
                f"b/{change.path}",
            )
        )
    return "".join(chunks)


def upgrade(
    root: Path,
    *,
    to: str = "HEAD",
    from_revision: str | None = None,
    answers: dict[str, str] | None = None,
    dry_run: bool = False,
    template_repo: Path = REPO_ROOT,
) -> tuple[int, str]:
    """Run an upgrade; returns (exit status, what to print)."""
    started = time.monotonic()
    try:
        require_clean(root)
        plan = plan_upgrade(root, to=to, from_revision=from_revision, answers=answers, template_repo=template_repo)
    except UpgradeError as err:
        return EXIT_REFUSED, f"error: {err}"
    text = report(plan, dry_run=dry_run)
    if dry_run:
        diff = dry_run_diff(plan)
        text += ("\n\n" + diff.rstrip("\n")) if diff else ""
    else:
        apply(plan)
    text += f"\n({time.monotonic() - started:.1f} s)"
    return (EXIT_CONFLICTS if plan.conflicts else EXIT_OK), text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.upgrade", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path, help=f"the project's root directory (the folder with {RECORD_NAME})")
    parser.add_argument("--to", default="HEAD", metavar="REV", help="template revision to upgrade to (default HEAD)")
    parser.add_argument("--from", dest="from_revision", metavar="REV", help="template revision the project is from")
    parser.add_argument(
        "--answer", action="append", default=[], metavar="NAME=VALUE", help="a value for an input (repeatable)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    parser.add_argument(
        "--template-repo", type=Path, default=REPO_ROOT, help="the template's git repository (default: this one)"
    )
    args = parser.parse_args(argv)
    try:
        answers = parse_answers(args.answer)
    except UpgradeError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_REFUSED
    status, text = upgrade(
        args.root,
        to=args.to,
        from_revision=args.from_revision,
        answers=answers,
        dry_run=args.dry_run,
        template_repo=args.template_repo.resolve(),
    )
    print(text, file=sys.stderr if status == EXIT_REFUSED else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
