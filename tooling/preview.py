"""Preview what the template generates for an answers file, and what a template change does to it.

    python -m tooling.preview ANSWERS.json OUTPUT_DIR               # render into OUTPUT_DIR (replaced)
    python -m tooling.preview ANSWERS.json OUTPUT_DIR --against main # ... and diff with the template at `main`

With --against, the template at that git revision is exported to a temporary folder and rendered with the same
answers; the unified diff between the two renders (bundle uuids masked) is printed, so a reviewer sees exactly
what a change to schema, library or template does to a generated project. Uses the pinned CLI and the workspace
simulator, like the tests.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tooling.paths import REPO_ROOT
from tooling.render import render
from tooling.simulator import Simulator

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def render_into(answers: dict, output: Path, template_dir: Path = REPO_ROOT) -> None:
    if output.exists():
        shutil.rmtree(output)
    with Simulator() as ws, tempfile.TemporaryDirectory(prefix="preview-home-") as home:
        result = render(answers, output, workspace=ws, home=Path(home), template_dir=template_dir)
    if result.returncode != 0:
        raise SystemExit(f"bundle init failed:\n{result.output}")


def export_revision(revision: str, folder: Path, repo: Path = REPO_ROOT) -> Path:
    """The template files (schema, library/, template/) as they are at `revision` of the git repository `repo`."""
    data = subprocess.run(
        ["git", "archive", "--format=tar", revision, "databricks_template_schema.json", "library", "template"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def tree_diff(old: Path, new: Path) -> str:
    def files(root: Path) -> dict[str, list[str]]:
        out = {}
        for p in sorted(root.rglob("*")):
            if p.is_file():
                try:
                    text = p.read_text()
                except UnicodeDecodeError:
                    text = f"<binary, sha256 {hashlib.sha256(p.read_bytes()).hexdigest()}>\n"
                out[p.relative_to(root).as_posix()] = _UUID.sub("<uuid>", text).splitlines(keepends=True)
        return out

    a, b = files(old), files(new)
    chunks = []
    for name in sorted(a.keys() | b.keys()):
        chunks.extend(
            difflib.unified_diff(
                a.get(name, []),
                b.get(name, []),
                f"a/{name}" if name in a else "/dev/null",
                f"b/{name}" if name in b else "/dev/null",
            )
        )
    return "".join(chunks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("answers", type=Path, help="answers file (JSON), as for `bundle init --config-file`")
    parser.add_argument("output", type=Path, help="folder to render into (replaced if it exists)")
    parser.add_argument("--against", metavar="REV", help="also render the template at this git revision and diff")
    args = parser.parse_args(argv)
    answers = json.loads(args.answers.read_text())
    output = args.output.resolve()
    render_into(answers, output)
    count = sum(1 for p in output.rglob("*") if p.is_file())
    print(f"Rendered {count} files into {output}")
    if args.against:
        with tempfile.TemporaryDirectory(prefix="preview-base-") as tmp:
            base_template = export_revision(args.against, Path(tmp) / "template")
            base_output = Path(tmp) / "rendered"
            render_into(answers, base_output, template_dir=base_template)
            diff = tree_diff(base_output, output)
        print(diff if diff else f"No difference from {args.against}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
