"""Time `python -m tooling.upgrade` on a project generated from one revision of this repository and upgraded to
another.

    python -m tooling.benchmark_upgrade --from REV [--to REV] [--answers answers.json] [--runs 3]

The answers are rendered at --from into a temporary git repository (committed), then the upgrade to --to runs
--runs times, the repository reset between runs. Prints each run's time, the median and what the upgrade did.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tooling.paths import REPO_ROOT
from tooling.preview import export_revision
from tooling.render import render
from tooling.simulator import Simulator
from tooling.upgrade import RECORD_NAME, upgrade

GIT_USER = ["-c", "user.name=benchmark", "-c", "user.email=benchmark@example.com"]


def generated_repository(revision: str, answers: dict, folder: Path) -> Path:
    """The answers rendered at `revision` into `folder`, committed; returns the root directory."""
    template = export_revision(revision, folder / "template")
    with Simulator() as workspace, tempfile.TemporaryDirectory(prefix="benchmark-home-") as home:
        result = render(answers, folder / "out", workspace=workspace, home=Path(home), template_dir=template)
    if result.returncode != 0:
        raise SystemExit(f"bundle init failed:\n{result.output}")
    (record,) = (folder / "out").rglob(RECORD_NAME)
    root = record.parent
    for args in (["init", "-q"], ["add", "-A"], [*GIT_USER, "commit", "-qm", "generated"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="from_revision", required=True, metavar="REV", help="revision to start from")
    parser.add_argument("--to", default="HEAD", metavar="REV", help="revision to upgrade to (default HEAD)")
    parser.add_argument("--answers", type=Path, help="answers file (JSON); default: every default")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    answers = json.loads(args.answers.read_text()) if args.answers else {}
    with tempfile.TemporaryDirectory(prefix="benchmark-upgrade-") as tmp:
        root = generated_repository(args.from_revision, answers, Path(tmp))
        seconds = []
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            status, text = upgrade(root, to=args.to, from_revision=args.from_revision, template_repo=REPO_ROOT)
            seconds.append(time.monotonic() - started)
            print(f"run {run}: {seconds[-1]:.2f} s, exit status {status}", flush=True)
            subprocess.run(["git", "reset", "-q", "--hard"], cwd=root, check=True)
            subprocess.run(["git", "clean", "-qfd"], cwd=root, check=True)
        print(f"\nmedian {statistics.median(seconds):.2f} s over {args.runs} runs; the last run reported:\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
