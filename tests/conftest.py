"""Session fixtures: the workspace simulator, the pinned CLI and the shared render cache."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
for p in (str(REPO_ROOT), str(TESTS_DIR)):
    if p not in sys.path:
        sys.path.insert(0, p)

from matrix import SUPERSET, Combination, by_id, use_records  # noqa: E402
from rendering import RenderCache, Rendered  # noqa: E402

from tooling.paths import TOOLS_BIN  # noqa: E402
from tooling.project_env import ensure_project_env  # noqa: E402
from tooling.simulator import Simulator  # noqa: E402


def pytest_sessionstart(session):
    for tool in ("databricks", "simulator"):
        if not (TOOLS_BIN / tool).exists():
            raise pytest.UsageError(
                f"{TOOLS_BIN / tool} is missing. Run the README's test command, or "
                "`python -m tooling.install_tools` first."
            )


@pytest.fixture(scope="session")
def simulator():
    """The CLI's workspace simulator, one process per test worker. Its default token (cli_env without `token`) is
    shared by the session; a test that deploys or inspects a workspace takes a token of its own (new_token)."""
    with Simulator() as sim:
        yield sim


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture(scope="session")
def render_cache(tmp_path_factory, simulator, cli_home) -> RenderCache:
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp is <run folder>/popen-gwN: share the run folder between workers.
    # Without xdist basetemp is the run folder itself (its parent is shared by every run: never use that).
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "render-cache"
    return RenderCache(shared, simulator, cli_home)


@pytest.fixture(scope="session", autouse=True)
def combination_records(render_cache):
    """Combination.values and .derived read the record (.mlops-stacks.json) of the combination's cached render."""

    def record(answers: dict) -> dict:
        result = render_cache.get(answers)
        assert result.result.returncode == 0, f"bundle init failed:\n{result.result.output}"
        return result.record

    use_records(record)


@pytest.fixture(scope="session")
def rendered(render_cache):
    """rendered(combination_or_answers) -> Rendered, cached for the whole run."""

    def _get(answers: dict | Combination) -> Rendered:
        result = render_cache.get(answers)
        assert result.result.returncode == 0, f"bundle init failed:\n{result.result.output}"
        return result

    return _get


@pytest.fixture(scope="session")
def project_python(rendered) -> Path:
    """The python of the cached generated-project venv (tooling/project_env.py), for the slow tier."""
    env = ensure_project_env(rendered(by_id(SUPERSET)).project)
    print(f"\nproject venv: {env.python} ({f'created in {env.seconds:.0f} s' if env.created else 'reused'})")
    return env.python
