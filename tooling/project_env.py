"""A virtualenv for running generated projects' own tests, created once per machine and reused.

    python -m tooling.project_env <rendered project folder>     # prints the venv's python

The venv holds the requirements a project's `pyproject.toml` declares: its dependencies and its `dev`
extra (PySpark, MLflow, LightGBM, the Databricks SDK, ...: about 1.4 GB and a few minutes to install), but
not the project itself: callers put a project's `src/` on PYTHONPATH, or install its wheel elsewhere. It
lives in the per-user cache, in a folder named after a hash of those requirements and the interpreter
version, so every clone and every test run on this machine shares it, and a change to the pins creates a
new one (other changes to pyproject.toml do not). Installs reuse pip's own cache. A file lock makes
concurrent callers (pytest-xdist workers, parallel runs) wait for one creator instead of racing.

Use the feature-store variant's pyproject.toml: its requirements are a superset of the others, so one venv
serves every representative render.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from tooling.paths import user_cache_dir

# The optional-dependencies group of the generated pyproject.toml that the tests and local runs need.
DEV_EXTRA = "dev"
# The Python of Databricks serverless environment version 5, which the generated jobs run on.
TARGET_PYTHON = (3, 12)
_COMPLETE_MARKER = ".complete"


@dataclass(frozen=True)
class ProjectEnv:
    python: Path
    created: bool  # False when an existing venv was reused
    seconds: float  # time spent creating it (0 when reused)


def _python_version(executable: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    major, minor = out.split()
    return int(major), int(minor)


def base_python() -> tuple[str, tuple[int, int]]:
    """The interpreter to build the venv from: $MLOPS_PROJECT_PYTHON if set, else a Python 3.12 found on
    PATH or in pyenv (matching serverless environment 5), else the running interpreter."""
    override = os.environ.get("MLOPS_PROJECT_PYTHON")
    if override:
        version = _python_version(override)
        if version is None:
            raise RuntimeError(f"MLOPS_PROJECT_PYTHON={override} does not run")
        return override, version
    name = f"python{TARGET_PYTHON[0]}.{TARGET_PYTHON[1]}"
    candidates = [shutil.which(name)]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    version_glob = f"versions/{TARGET_PYTHON[0]}.{TARGET_PYTHON[1]}*/bin/{name}"
    candidates += sorted((str(p) for p in pyenv_root.glob(version_glob)), reverse=True)
    for candidate in candidates:
        if candidate and _python_version(candidate) == TARGET_PYTHON:
            return candidate, TARGET_PYTHON
    return sys.executable, sys.version_info[:2]


def project_requirements(project: Path) -> list[str]:
    """The requirements of `project`'s pyproject.toml: its dependencies, then its dev extra."""
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    return [*metadata.get("dependencies", []), *metadata.get("optional-dependencies", {}).get(DEV_EXTRA, [])]


def env_key(requirements: list[str], python_version: tuple[int, int]) -> str:
    digest = hashlib.sha256(f"python{python_version[0]}.{python_version[1]}\n".encode())
    for requirement in sorted(requirements):
        digest.update(requirement.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def ensure_project_env(project: Path, *, log=print) -> ProjectEnv:
    """The venv for `project`'s requirements, created if this machine has none yet."""
    requirements = project_requirements(project)
    python, version = base_python()
    root = user_cache_dir() / "project-venvs"
    root.mkdir(parents=True, exist_ok=True)
    venv = root / env_key(requirements, version)
    venv_python = venv / "bin" / "python"
    with FileLock(str(venv) + ".lock"):
        if (venv / _COMPLETE_MARKER).exists():
            return ProjectEnv(venv_python, created=False, seconds=0.0)
        if venv.exists():  # an earlier attempt was interrupted
            shutil.rmtree(venv)
        start = time.monotonic()
        log(
            f"Creating the generated-project virtualenv {venv} (Python {version[0]}.{version[1]}); "
            "this takes a few minutes once per machine."
        )
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        # Install from a copy of the requirements, so the venv records exactly what it was made from.
        (venv / "requirements.txt").write_text("".join(f"{line}\n" for line in requirements))
        subprocess.run(
            [
                str(venv_python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(venv / "requirements.txt"),
            ],
            check=True,
        )
        seconds = time.monotonic() - start
        (venv / _COMPLETE_MARKER).write_text(f"{seconds:.0f} s\n")
        return ProjectEnv(venv_python, created=True, seconds=seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path, help="a rendered project folder (with pyproject.toml)")
    args = parser.parse_args(argv)
    env = ensure_project_env(args.project, log=lambda m: print(m, file=sys.stderr))
    if env.created:
        print(f"created in {env.seconds:.0f} s", file=sys.stderr)
    print(env.python)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
