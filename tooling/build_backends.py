"""What `bundle deploy` needs to build the generated project's wheel here: its build backend, downloaded once
so deployments to the simulator build offline, and a `python3` of the version the project requires.

`bundle deploy` builds the project's wheel (the bundle's `artifacts` build command runs `pip wheel`), and pip
first installs the build backend that the project's pyproject.toml names. The CLI runs with every proxy
pointing at the workspace simulator, so that install cannot reach PyPI: `python -m tooling.install_tools`
downloads the backend's wheels into the per-user cache, and `offline_pip_env()` points pip there
(PIP_NO_INDEX, PIP_FIND_LINKS). The requirement is read from the template's pyproject.toml, its one source.
The build command runs `python3`, and the project requires the Python of serverless environment 5: the folder
`python_bin()` holds a `python3` that is that interpreter (tooling/project_env.py finds it), to put first on PATH.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tooling.paths import TEMPLATE_DIR, user_cache_dir
from tooling.project_env import base_python

_COMPLETE = ".complete"


def requirements() -> list[str]:
    """The `[build-system] requires` of the generated project's pyproject.toml."""
    (pyproject,) = TEMPLATE_DIR.glob("*/*/pyproject.toml.tmpl")
    section = re.search(r"^\[build-system\]\n(.*?)(?=^\[|\Z)", pyproject.read_text(), re.M | re.S)
    match = section and re.search(r"^requires\s*=\s*\[(.*?)\]", section.group(1), re.M | re.S)
    if not match:
        raise RuntimeError(f"{pyproject} has no [build-system] requires")
    return re.findall(r'"([^"]+)"', match.group(1))


def wheel_dir() -> Path:
    key = hashlib.sha256("\n".join(requirements()).encode()).hexdigest()[:16]
    return user_cache_dir() / "build-backends" / key


def python_bin() -> Path:
    return user_cache_dir() / "build-python" / "bin"


def _link_python() -> None:
    python, _ = base_python()
    real = subprocess.run(
        [python, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    link = python_bin() / "python3"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not (link.is_symlink() and str(link.readlink()) == real):
        partial = link.with_name("python3.partial")
        partial.unlink(missing_ok=True)
        partial.symlink_to(real)
        partial.replace(link)


def ensure() -> Path:
    """Download the backend and its dependencies as wheels, once per machine, and link the build's python3;
    returns the wheel folder."""
    _link_python()
    folder = wheel_dir()
    if (folder / _COMPLETE).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:", "--dest", tmp]
        proc = subprocess.run([*cmd, *requirements()], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"could not download the build backend {requirements()}:\n{proc.stderr.strip()}")
        (Path(tmp) / _COMPLETE).touch()
        shutil.rmtree(folder, ignore_errors=True)
        Path(tmp).rename(folder)
        Path(tmp).mkdir()  # TemporaryDirectory removes it again
    return folder


def offline_pip_env() -> dict[str, str]:
    """pip's environment for building the project's wheel without an index; empty before `ensure()` ran."""
    folder = wheel_dir()
    if not (folder / _COMPLETE).exists():
        return {}
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(folder)}
