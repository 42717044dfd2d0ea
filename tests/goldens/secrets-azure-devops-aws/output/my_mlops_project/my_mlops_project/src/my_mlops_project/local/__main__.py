"""Run the bundle's jobs locally: `python -m <package>.local`, from the project folder.

    python -m <package>.local [--target TARGET ...] [--summary FILE]
                              [--table-format auto|delta|parquet] [--databricks-cli PATH]

See runner.py for what a run does, and the project's README for what it prints.
"""

import argparse
import json
import sys
from pathlib import Path

from .bundle import BundleError, find_project_root, resolve_target
from .spark import TABLE_FORMATS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--target",
        action="append",
        help="a target whose jobs to run; repeat for several (default: the default target)",
    )
    parser.add_argument("--summary", type=Path, help="also write the results as JSON")
    parser.add_argument(
        "--table-format",
        choices=TABLE_FORMATS,
        default="auto",
        help="auto (default): Delta Lake if its jars resolve, else parquet",
    )
    parser.add_argument(
        "--databricks-cli",
        default="databricks",
        help="the Databricks CLI (default: databricks on PATH)",
    )
    args = parser.parse_args(argv)
    try:
        root = find_project_root()
        targets = [resolve_target(root, t, args.databricks_cli) for t in args.target or [None]]
    except BundleError as error:
        print(f"Cannot run the jobs locally: {error}", file=sys.stderr)
        return 2
    from .runner import (
        run_targets,
    )  # Spark, MLflow and the project's code: only once the bundle resolved

    names = ", ".join(t.name for t in targets)
    print(
        f"Local run of {targets[0].bundle_name}: the jobs of target {names}, as the CLI resolves"
        " them"
    )
    ok, summary = run_targets(root, targets, args.table_format)
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print()
    for stage in summary["stages"]:
        print(f"  {stage['status']:<7} {stage['seconds']:6.1f} s  {stage['name']}")
    print(f"  {'total':<7} {summary['seconds']:6.1f} s")
    if not ok:
        print("\nThe local run FAILED (see the task above).")
        return 1
    state = summary["state_dir"]
    print(
        f"\nThe local run passed. Tables and the MLflow store are in {state}/; browse the runs and"
        f" models with:\n  mlflow ui --backend-store-uri sqlite:///{state}/mlflow.db"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
