"""Time the generated project's local pipeline, stage by stage, over several runs.

    python -m tooling.benchmark_local_pipeline [--runs 3] [--variant default fs models ...]
                                               [--answers answers.json] [--table-format auto]

Each variant is rendered once (into a temporary folder) and its local run (`python -m <package>.local`,
the jobs of the bundle's dev target) run N times in the project's cached virtualenv (tooling/project_env.py;
created first if missing, which is not timed), its CLI talking to the workspace simulator. Each run
starts from a clean `.local/`, as every local run does. The table shows each task's seconds per run (from
the run's `--summary`) and their median; "process" is the wall-clock time of the whole command, including
the CLI's resolution of the bundle, Python's imports and Spark's shutdown. This measures; it asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tooling.example import find_project, render_example, run_local_pipeline
from tooling.project_env import ensure_project_env
from tooling.workspace_cli import Workspace, local_workspace

VARIANTS: dict[str, dict[str, str]] = {
    "default": {},
    "fs": {"input_include_feature_store": "yes"},
    "models": {"input_deployment_pattern": "deploy_models"},
    "fs-models": {"input_include_feature_store": "yes", "input_deployment_pattern": "deploy_models"},
}


def time_runs(
    project: Path, python: Path, runs: int, table_format: str, workdir: Path, workspace: Workspace
) -> list[dict]:
    """Run the pipeline `runs` times; returns each run's summary plus its process time."""
    results = []
    for n in range(1, runs + 1):
        summary_path = workdir / f"summary-{n}.json"
        log_path = workdir / f"run-{n}.log"
        start = time.monotonic()
        with log_path.open("w") as log:
            proc = run_local_pipeline(
                project,
                python,
                "--summary",
                str(summary_path),
                "--table-format",
                table_format,
                workspace=workspace,
                stdout=log,
                stderr=log,
            )
        process_seconds = time.monotonic() - start
        if proc.returncode != 0 or not summary_path.exists():
            tail = log_path.read_text()[-4000:]
            raise SystemExit(f"run {n} failed (exit {proc.returncode}); end of its output:\n{tail}")
        summary = json.loads(summary_path.read_text())
        summary["process_seconds"] = process_seconds
        results.append(summary)
        print(f"  run {n}: {process_seconds:.1f} s ({summary['table_format']})", flush=True)
    return results


def table(results: list[dict]) -> str:
    """Seconds per stage (rows: setup, then each task) and run (columns), with the median."""
    stages = [stage["name"] for stage in results[0]["stages"]]
    header = ["stage", *(f"run {n}" for n in range(1, len(results) + 1)), "median"]
    rows = []
    for i, name in enumerate(stages):
        seconds = [r["stages"][i]["seconds"] for r in results]
        rows.append([name, *seconds, statistics.median(seconds)])
    for label, key in (("pipeline total", "seconds"), ("process", "process_seconds")):
        seconds = [r[key] for r in results]
        rows.append([label, *seconds, statistics.median(seconds)])
    widths = [max(len(header[0]), *(len(row[0]) for row in rows)), *([8] * (len(header) - 1))]
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True)))]
    for row in rows:
        cells = [row[0].ljust(widths[0]), *(f"{v:8.1f}" for v in row[1:])]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per variant (default 3)")
    parser.add_argument("--variant", nargs="+", choices=sorted(VARIANTS), default=["default"])
    parser.add_argument("--answers", type=Path, help="benchmark this answers file instead of --variant")
    parser.add_argument("--table-format", choices=("auto", "delta", "parquet"), default="auto")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    variants = {args.answers.name: json.loads(args.answers.read_text())} if args.answers else {}
    variants = variants or {name: VARIANTS[name] for name in args.variant}

    reports = []
    with tempfile.TemporaryDirectory(prefix="benchmark-local-pipeline-") as tmp, local_workspace() as workspace:
        for name, answers in variants.items():
            workdir = Path(tmp) / name
            output = render_example(answers, workdir / "render")
            project = find_project(output)
            if project is None:
                raise SystemExit(f"{name}: these answers generate no project")
            env = ensure_project_env(project)
            print(f"\n{name}: {args.runs} run(s) of the local pipeline, venv {env.python.parent.parent}", flush=True)
            results = time_runs(project, env.python, args.runs, args.table_format, workdir, workspace)
            formats = sorted({r["table_format"] for r in results})
            reports.append(f"\n{name} ({', '.join(formats)} tables), seconds:\n{table(results)}")
    print("\n".join(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
