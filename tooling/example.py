"""Render the default example project into ./example with the pinned CLI.

    python -m tooling.example [--answers answers.json] [--output example]

No Databricks credentials are needed: `bundle init` insists on a workspace client, so the CLI talks to
the local stand-in workspace on 127.0.0.1 (the same one the tests use). Your own profile is not read.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from tooling.fake_workspace import FakeWorkspace
from tooling.paths import REPO_ROOT
from tooling.render import render

DEFAULT_OUTPUT = REPO_ROOT / "example"


def render_example(answers: dict[str, str], output: Path) -> Path:
    """Render into `output` (replaced if it exists); returns the generated project folder."""
    if output.exists():
        shutil.rmtree(output)
    with FakeWorkspace(https=False) as ws, tempfile.TemporaryDirectory(prefix="example-home-") as home:
        result = render(answers, output, workspace=ws, home=Path(home))
    if result.returncode != 0:
        raise SystemExit(f"bundle init failed:\n{result.output}")
    print(result.stderr.strip())
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=Path, help="answers file (JSON) as for `bundle init --config-file`")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder to render into (replaced)")
    args = parser.parse_args(argv)
    answers = json.loads(args.answers.read_text()) if args.answers else {}
    output = render_example(answers, args.output.resolve())
    print(f"\nRendered into {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
