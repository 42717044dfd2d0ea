"""Time deploying generated projects to the Databricks CLI's workspace simulator, and the suite's deploy tiers.

    python -m tooling.benchmark_deploy [--runs 3] [--variant default fs-models project ...] [--target dev ...]
    python -m tooling.benchmark_deploy --tiers [--runs 3]      # also the deploy and CI/CD tiers as pytest runs
    python -m tooling.benchmark_deploy --suite [--runs 1]      # also the whole suite, as scripts/test.sh runs it

Each variant is rendered once; then, per target its bundle defines, N cycles of `bundle deploy`, `bundle plan`
and `bundle destroy --auto-approve`, each in a fresh copy of the project with a fresh token (an empty simulated
workspace), one target after the other. The table shows the median seconds of each command and of the cycle,
and the slowest cycle. --tiers and --suite time whole pytest commands (wall clock). This measures; it asserts
nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from tooling.example import find_project, render_example
from tooling.paths import REPO_ROOT
from tooling.render import run_cli
from tooling.simulator import Simulator, new_token

VARIANTS: dict[str, dict[str, str]] = {
    "default": {},
    "fs-models": {"input_include_feature_store": "yes", "input_deployment_pattern": "deploy_models"},
    "project": {"input_setup_cicd_and_project": "Project_Only"},
}
CYCLE = (("deploy",), ("plan",), ("destroy", "--auto-approve"))
PYTEST = [str(REPO_ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
TIERS = {
    "deploy tier": [*PYTEST, "-n", "2", "tests/test_deploy_on_simulator.py"],
    "CI/CD tier": [*PYTEST, "-n", "2", "tests/test_pipelines_on_simulator.py"],
}
SUITE = {"whole suite": [str(REPO_ROOT / "scripts" / "test.sh")]}


def targets_of(project: Path) -> list[str]:
    return list(yaml.safe_load((project / "databricks.yml").read_text())["targets"])


def time_cycles(
    sim: Simulator, project: Path, target: str, runs: int, workdir: Path, extra_env: dict[str, str]
) -> list[dict[str, float]]:
    """`runs` deploy → plan → destroy cycles of `target`; the seconds of each command per cycle."""
    results = []
    for n in range(1, runs + 1):
        copy = workdir / f"{target}-{n}"
        shutil.copytree(project, copy)
        token = new_token()
        seconds: dict[str, float] = {}
        for command in CYCLE:
            start = time.monotonic()
            result = run_cli(
                ["bundle", *command, "-t", target],
                workspace=sim,
                home=copy / ".home",
                cwd=copy,
                token=token,
                extra_env=extra_env,
            )
            seconds[command[0]] = time.monotonic() - start
            if result.returncode != 0:
                raise SystemExit(f"{target} run {n}: bundle {' '.join(command)} failed:\n{result.output}")
        seconds["cycle"] = sum(seconds.values())
        results.append(seconds)
    return results


def cycle_table(rows: dict[str, list[dict[str, float]]]) -> str:
    columns = [c[0] for c in CYCLE] + ["cycle"]
    header = f"{'target':<10}" + "".join(f"{c:>10}" for c in columns) + f"{'slowest':>10}"
    lines = [header]
    for target, results in rows.items():
        medians = [statistics.median(r[c] for r in results) for c in columns]
        slowest = max(r["cycle"] for r in results)
        lines.append(f"{target:<10}" + "".join(f"{m:10.2f}" for m in medians) + f"{slowest:10.2f}")
    return "\n".join(lines)


def time_commands(commands: dict[str, list[str]], runs: int) -> str:
    lines = []
    for name, command in commands.items():
        seconds = []
        for n in range(1, runs + 1):
            start = time.monotonic()
            proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
            seconds.append(time.monotonic() - start)
            status = "passed" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
            print(f"  {name} run {n}: {seconds[-1]:.1f} s, {status}", flush=True)
        lines.append(
            f"{name:<12} median {statistics.median(seconds):7.1f} s   runs: {', '.join(f'{s:.1f}' for s in seconds)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each cycle and command (default 3)")
    parser.add_argument("--variant", nargs="+", choices=sorted(VARIANTS), default=["default"])
    parser.add_argument("--target", nargs="+", help="only these targets (default: every target of the bundle)")
    parser.add_argument(
        "--rate-limit",
        type=int,
        help="the SDK's client-side requests per second (DATABRICKS_RATE_LIMIT; the SDK's default is 15, the tests "
        "lift it: see tooling/simulator)",
    )
    parser.add_argument("--tiers", action="store_true", help="also time the deploy and CI/CD tiers of the suite")
    parser.add_argument("--suite", action="store_true", help="also time the whole suite (scripts/test.sh)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    reports = []
    with tempfile.TemporaryDirectory(prefix="benchmark-deploy-") as tmp, Simulator() as sim:
        for name in args.variant:
            workdir = Path(tmp) / name
            project = find_project(render_example(VARIANTS[name], workdir / "render"))
            if project is None:
                raise SystemExit(f"{name}: these answers generate no project")
            targets = [t for t in targets_of(project) if not args.target or t in args.target]
            print(
                f"\n{name}: {args.runs} deploy → plan → destroy cycle(s) per target: {', '.join(targets)}", flush=True
            )
            extra_env = {"DATABRICKS_RATE_LIMIT": str(args.rate_limit)} if args.rate_limit else {}
            rows = {t: time_cycles(sim, project, t, args.runs, workdir, extra_env) for t in targets}
            reports.append(f"\n{name}, median seconds per command:\n{cycle_table(rows)}")
    commands = {**(TIERS if args.tiers else {}), **(SUITE if args.suite else {})}
    if commands:
        print("\nWhole commands:", flush=True)
        reports.append("\n" + time_commands(commands, args.runs))
    print("\n".join(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
