"""Preview what the template generates for an answers file, and what a template change does to it.

    python -m tooling.preview ANSWERS.json OUTPUT_DIR               # render into OUTPUT_DIR (replaced)
    python -m tooling.preview ANSWERS.json OUTPUT_DIR --against main # ... and diff with the template at `main`
    python -m tooling.preview --update [NAME ...]                    # re-render the golden renders (tests/goldens/)

With --against, the template at that git revision is exported to a temporary folder and rendered with the same
answers; the unified diff between the two renders (bundle uuids masked) is printed, so a reviewer sees exactly
what a change to schema, library or template does to a generated project. Uses the pinned CLI and the workspace
simulator, like the tests.

With --update, the golden renders committed under tests/goldens/ (all, or the named ones) are rendered again and
rewritten, with their variant diffs (see tooling/goldens.py); review the change with `git diff tests/goldens`.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tooling import goldens
from tooling.paths import REPO_ROOT
from tooling.render import render
from tooling.simulator import Simulator


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
    """The unified diff between two rendered trees, normalised as the goldens are (tooling/goldens.py)."""
    return goldens.snapshot_diff(goldens.snapshot(old), goldens.snapshot(new))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("answers", type=Path, nargs="?", help="answers file (JSON), as for `bundle init --config-file`")
    parser.add_argument("output", type=Path, nargs="?", help="folder to render into (replaced if it exists)")
    parser.add_argument("--against", metavar="REV", help="also render the template at this git revision and diff")
    parser.add_argument(
        "--update", metavar="NAME", nargs="*", help="re-render the goldens in tests/goldens/ (all unless named)"
    )
    args = parser.parse_args(argv)
    if args.update is not None:
        if args.answers or args.against:
            parser.error("--update takes golden names only")
        changed = goldens.update(args.update)
        print(f"Goldens changed: {', '.join(changed)}" if changed else "Goldens unchanged.")
        return 0
    if args.answers is None or args.output is None:
        parser.error("ANSWERS and OUTPUT are required (or use --update)")
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
