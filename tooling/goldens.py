"""Golden renders: curated answer sets whose complete rendered trees are committed under tests/goldens/.

    tests/goldens/<name>/answers.json       the answers (a `bundle init --config-file` file)
    tests/goldens/<name>/add_project.json   optional: a Project_Only answers file whose project is then added to the
                                            render (a CI/CD-only repository) with cicd/add_project_cicd.py
    tests/goldens/<name>/output/            the rendered tree, normalised (see `snapshot`)
    tests/goldens/<name>/binary-files.txt   sha256 and size of each binary file, which output/ leaves out
    tests/goldens/<name>/resolved/<t>.json  what `bundle validate --strict -o json -t <t>` resolves the project's
                                            bundle to, for each target that chooses its catalog (a deployable one)
    tests/goldens/diffs.json                pairs of goldens that differ in one answer
    tests/goldens/diffs/<a>..<b>.diff       the unified diff between the two trees: what that one answer does
    tests/goldens/prompts.txt               which inputs are asked when (the schema's skip rules, evaluated)

`python -m tooling.preview --update` re-renders all of it; tests/test_goldens.py fails, printing the diff, when a
render no longer matches. Normalisation, stated once here: every UUID (the bundle's `uuid`, new in each render) is
written <uuid> (the workspace user in resolved/ is the simulator's, the same in every run); a file that is not
UTF-8 text (the sample parquet, cicd.tar.gz) is replaced by its line in binary-files.txt; after adding a project,
the unpacked sub-template sources (cicd/, byte copies of template/{{.input_root_dir}}/cicd/) are left out.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

from tooling import schema_rules
from tooling.paths import REPO_ROOT, TOOLS_BIN
from tooling.render import render, run_cli
from tooling.simulator import Simulator

GOLDENS_DIR = REPO_ROOT / "tests" / "goldens"
DIFFS_FILE = GOLDENS_DIR / "diffs.json"
DIFFS_DIR = GOLDENS_DIR / "diffs"
PROMPTS_FILE = GOLDENS_DIR / "prompts.txt"
BINARY_LIST = "binary-files.txt"
RESOLVED = "resolved"
RECORD = ".mlops-stacks.json"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

Snapshot = dict[str, str]  # relative path -> normalised text; binaries under the key BINARY_LIST


def golden_names() -> list[str]:
    return sorted(p.parent.name for p in GOLDENS_DIR.glob("*/answers.json"))


def read_answers(name: str) -> tuple[dict, dict | None]:
    folder = GOLDENS_DIR / name
    added = folder / "add_project.json"
    return json.loads((folder / "answers.json").read_text()), (
        json.loads(added.read_text()) if added.exists() else None
    )


def record_of(output: Path) -> tuple[Path, dict]:
    """The root folder of a render in `output` and its .mlops-stacks.json."""
    (path,) = output.rglob(RECORD)
    return path.parent, json.loads(path.read_text())


def _checked(result, what: str) -> None:
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stdout}{result.stderr}")


def render_golden(answers: dict, add_project: dict | None, output: Path, *, workspace: Simulator, home: Path) -> None:
    """Render `answers` into `output`; with `add_project`, then add that project the way the generated README
    tells users to: copy the project folder in, unpack cicd.tar.gz, run cicd/add_project_cicd.py."""
    _checked(render(answers, output, workspace=workspace, home=home), "bundle init")
    if add_project is None:
        return
    repo, _ = record_of(output)
    with tempfile.TemporaryDirectory(prefix="golden-project-") as scratch:
        project_out = Path(scratch) / "out"
        _checked(render(add_project, project_out, workspace=workspace, home=home), "bundle init (project)")
        _, project_record = record_of(project_out)
        folder = project_record["derived"]["project_folder"]
        shutil.copytree(project_out / project_record["derived"]["project_dir"], repo / folder)
    with tarfile.open(repo / "cicd.tar.gz") as tar:
        tar.extractall(repo, filter="data")
    env = workspace.cli_env(home, base={"PATH": f"{TOOLS_BIN}:/usr/bin:/bin", "LANG": "C.UTF-8"})
    added = subprocess.run(
        [sys.executable, "cicd/add_project_cicd.py", folder], cwd=repo, env=env, capture_output=True, text=True
    )
    _checked(added, "cicd/add_project_cicd.py")
    shutil.rmtree(repo / "cicd")


def deployable_targets(project: Path) -> list[str]:
    """The targets of a bundle that choose a catalog (catalog_name has no default: every deployable target sets
    it), from databricks.yml and the files it includes from resources/."""
    docs = [project / "databricks.yml", *sorted((project / "resources").glob("*.yml"))]
    found: dict[str, None] = {}
    for doc in docs:
        for target, body in ((yaml.safe_load(doc.read_text()) or {}).get("targets") or {}).items():
            if "catalog_name" in ((body or {}).get("variables") or {}):
                found[target] = None
    return list(found)


def resolved(output: Path, *, workspace: Simulator, home: Path) -> Snapshot:
    """`bundle validate --strict -o json` of the render's project (the added one, after adding a project) for each
    deployable target, as snapshot entries resolved/<target>.json. Run on a copy: validate writes .databricks/."""
    found: Snapshot = {}
    for bundle in sorted(output.rglob("databricks.yml")):
        with tempfile.TemporaryDirectory(prefix="golden-validate-") as scratch:
            copy = Path(shutil.copytree(bundle.parent, Path(scratch) / "project"))
            for target in deployable_targets(copy):
                args = ["bundle", "validate", "--strict", "-o", "json", "-t", target]
                result = run_cli(args, workspace=workspace, home=home, cwd=copy)
                _checked(result, f"bundle validate -t {target}")
                found[f"{RESOLVED}/{target}.json"] = UUID_RE.sub("<uuid>", result.stdout)
    return found


def snapshot(output: Path) -> Snapshot:
    texts: Snapshot = {}
    binaries = []
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        relative = path.relative_to(output).as_posix()
        data = path.read_bytes()
        try:
            text = data.decode()
        except UnicodeDecodeError:
            text = None
        if text is None or "\0" in text:
            binaries.append(f"{hashlib.sha256(data).hexdigest()}  {len(data):>8}  {relative}\n")
        else:
            texts[relative] = UUID_RE.sub("<uuid>", text)
    if binaries:
        texts[BINARY_LIST] = "".join(binaries)
    return texts


def committed(name: str) -> Snapshot:
    folder = GOLDENS_DIR / name
    texts = {
        p.relative_to(folder / "output").as_posix(): p.read_bytes().decode()
        for p in sorted((folder / "output").rglob("*"))
        if p.is_file()
    }
    texts |= {f"{RESOLVED}/{p.name}": p.read_bytes().decode() for p in sorted((folder / RESOLVED).glob("*.json"))}
    if (folder / BINARY_LIST).exists():
        texts[BINARY_LIST] = (folder / BINARY_LIST).read_bytes().decode()
    return texts


def _stored_at(folder: Path, relative: str) -> Path:
    """Where a snapshot entry lives in a golden's folder: the rendered tree under output/, the rest beside it."""
    if relative == BINARY_LIST or relative.startswith(f"{RESOLVED}/"):
        return folder / relative
    return folder / "output" / relative


def write(name: str, snap: Snapshot) -> None:
    folder = GOLDENS_DIR / name
    for old in ("output", RESOLVED):
        shutil.rmtree(folder / old, ignore_errors=True)
    (folder / BINARY_LIST).unlink(missing_ok=True)
    for relative, text in snap.items():
        target = _stored_at(folder, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())


def snapshot_diff(old: Snapshot, new: Snapshot, old_label: str = "a", new_label: str = "b") -> str:
    chunks: list[str] = []
    for name in sorted(old.keys() | new.keys()):
        chunks.extend(
            difflib.unified_diff(
                old.get(name, "").splitlines(keepends=True),
                new.get(name, "").splitlines(keepends=True),
                f"{old_label}/{name}" if name in old else "/dev/null",
                f"{new_label}/{name}" if name in new else "/dev/null",
            )
        )
    return "".join(chunks)


Layout = tuple[frozenset[str], frozenset[str]]
NAME = "<name>"


def snapshot_files(snap: Snapshot) -> set[str]:
    """Every file of a snapshot, the binary ones included (named by their line in binary-files.txt)."""
    binaries = {line.split(None, 2)[2] for line in snap.get(BINARY_LIST, "").splitlines()}
    return {k for k in snap if k != BINARY_LIST and not k.startswith(f"{RESOLVED}/")} | binaries


def split(files: set[str], record: dict) -> tuple[set[str], set[str]]:
    """A render's files (relative to the output folder) as (the repository's files, relative to the root folder;
    the project's files, relative to the project folder). The record counts with the repository's files, wherever
    it is."""
    root, project = record["answers"]["input_root_dir"] + "/", record["derived"]["project_dir"] + "/"
    repository, in_project = set(), set()
    for path in files:
        if path.startswith(project) and not path.endswith(RECORD):
            in_project.add(path.removeprefix(project))
        else:
            assert path.startswith(root), f"{path} is outside the root folder {root}"
            repository.add(path.removeprefix(root))
    return repository, in_project


def layout(files: set[str], record: dict) -> Layout:
    """Which files a render has, whatever its names: its two parts (`split`), with the project name, folder and
    package (the record's) written <name> in every path segment that is one of them, or in a file named after the
    project (<name>-...). The layout rules refuse a project name that is a folder of the template, so no other
    segment can be mistaken for one."""
    names = {
        record["answers"]["input_project_name"],
        *(record["derived"][k] for k in ("project_folder", "project_package")),
    }

    def general(path: str) -> str:
        segments = []
        for segment in path.split("/"):
            prefix = next((n for n in names if segment.startswith(f"{n}-")), None)
            segments.append(NAME if segment in names else f"{NAME}{segment[len(prefix) :]}" if prefix else segment)
        return "/".join(segments)

    repository, in_project = split(files, record)
    return frozenset(map(general, repository)), frozenset(map(general, in_project))


def golden_layouts() -> dict[str, Layout]:
    """The layout of each golden: what a reviewer has seen."""
    found = {}
    for name in golden_names():
        snap = committed(name)
        record_path = min((p for p in snap if p.endswith(RECORD)), key=len)  # the root's, after adding a project
        found[name] = layout(snapshot_files(snap), json.loads(snap[record_path]))
    return found


def variant_pairs() -> list[tuple[str, str]]:
    return [tuple(pair) for pair in json.loads(DIFFS_FILE.read_text())]


def variant_diff_path(a: str, b: str) -> Path:
    return DIFFS_DIR / f"{a}..{b}.diff"


def variant_diff(a: str, b: str) -> str:
    return snapshot_diff(committed(a), committed(b), a, b)


def update(names: list[str] | None = None) -> list[str]:
    """Re-render the goldens (all, or `names`) and rewrite every variant diff; returns what changed."""
    changed = []
    with Simulator() as ws, tempfile.TemporaryDirectory(prefix="goldens-") as tmp:
        for name in names or golden_names():
            answers, add_project = read_answers(name)
            out = Path(tmp) / name
            render_golden(answers, add_project, out, workspace=ws, home=Path(tmp) / "home")
            snap = snapshot(out) | resolved(out, workspace=ws, home=Path(tmp) / "home")
            if snap != committed(name):
                write(name, snap)
                changed.append(name)
    PROMPTS_FILE.write_text(schema_rules.prompt_table())
    shutil.rmtree(DIFFS_DIR, ignore_errors=True)
    DIFFS_DIR.mkdir()
    for a, b in variant_pairs():
        variant_diff_path(a, b).write_bytes(variant_diff(a, b).encode())
    return changed
