"""Slow tier: representative renders run their own test suite (local Spark, local MLflow) and it passes.

The renders together cover the feature store yes/no, deploy_code/deploy_models and every cloud (clouds only
change comments, so they are rotated rather than multiplied). Each runs one pytest process (one Spark session)
in the cached project virtualenv of tooling/project_env.py, built once per machine from the feature-store
render's requirements, the superset of all variants, with the project's src/ on PYTHONPATH (what its editable
install does). Without the feature store the run also blocks any import of the Feature Engineering client, so
a stray import fails the run even though the venv has the package.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from matrix import REPRESENTATIVE, SUPERSET, Combination, by_id

# The generated suites, by what they cover (tests per file).
BASE_TESTS = {
    "tests/notebooks_test.py": 3,
    "tests/training/train_test.py": 4,
    "tests/training/data_split_test.py": 2,
    "tests/validation/validation_test.py": 7,
    "tests/deployment/deploy_test.py": 4,
    "tests/batch_inference/predict_test.py": 4,
    "tests/monitoring/metric_violation_check_test.py": 11,
    "tests/monitoring/monitor_test.py": 4,
    "tests/local/bundle_test.py": 4,
    "tests/local/monitoring_test.py": 3,
    "tests/local/runner_test.py": 2,
    "tests/local/tables_test.py": 2,
}
FEATURE_STORE_TESTS = {
    "tests/features/pickup_features_test.py": 2,
    "tests/features/dropoff_features_test.py": 2,
    "tests/local/feature_engineering_test.py": 5,
}
PROMOTION_TESTS = {"tests/promotion/promote_test.py": 3}
SERVING_TESTS = {"tests/serving/endpoint_test.py": 12, "tests/serving/smoke_test.py": 8}

FE_IMPORT_GUARD = '''
"""pytest plugin: fail any import of the Feature Engineering client (project without the feature store)."""
import sys


class _BlockFeatureEngineering:
    def find_spec(self, name, path=None, target=None):
        if name == "databricks.feature_engineering" or name.startswith("databricks.feature_engineering."):
            raise ImportError(f"{name} imported by a project without the feature store")
        return None


sys.meta_path.insert(0, _BlockFeatureEngineering())


def pytest_sessionfinish(session, exitstatus):
    leaked = [m for m in sys.modules if m.startswith("databricks.feature_engineering")]
    assert not leaked, leaked
'''


def expected_tests(c: Combination) -> dict[str, int]:
    tests = dict(BASE_TESTS)
    if c["input_include_feature_store"] == "yes":
        tests |= FEATURE_STORE_TESTS
    if c["input_deployment_pattern"] == "deploy_models":
        tests |= PROMOTION_TESTS
    if c["input_include_model_serving"] == "yes":
        tests |= SERVING_TESTS
    return tests


def summary_counts(output: str) -> dict[str, int]:
    """Counts from pytest's closing line, e.g. "44 passed, 12 warnings in 50.28s"."""
    closing = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    assert closing, output[-3000:]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", closing[-1])}


def test_representative_renders_cover_every_variant():
    combos = [by_id(cid) for cid, _ in REPRESENTATIVE]
    assert {c["input_include_feature_store"] for c in combos} == {"yes", "no"}
    assert {c["input_deployment_pattern"] for c in combos} == {"deploy_code", "deploy_models"}
    assert {c["input_include_model_serving"] for c in combos} == {"yes", "no"}
    assert {c["input_cloud"] for c in combos} == {"azure", "aws", "gcp"}
    assert by_id(SUPERSET)["input_include_feature_store"] == "yes"


def test_expected_counts_name_every_generated_test_module(rendered):
    for cid, _ in REPRESENTATIVE:
        project = rendered(by_id(cid)).project
        modules = {p.relative_to(project).as_posix() for p in (project / "tests").rglob("*_test.py")}
        assert modules == set(expected_tests(by_id(cid))), cid


@pytest.mark.slow
@pytest.mark.parametrize("combination_id", [cid for cid, _ in REPRESENTATIVE])
def test_generated_project_tests_pass(combination_id, rendered, project_python, tmp_path):
    combo = by_id(combination_id)
    project = Path(shutil.copytree(rendered(combo).project, tmp_path / "project"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    env["PYTHONPATH"] = str(project / "src")
    args = [str(project_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if combo["input_include_feature_store"] == "no":
        guard = tmp_path / "guard"
        guard.mkdir()
        (guard / "no_feature_engineering.py").write_text(FE_IMPORT_GUARD)
        env["PYTHONPATH"] += os.pathsep + str(guard)
        args += ["-p", "no_feature_engineering"]
    start = time.monotonic()
    proc = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=1200)
    seconds = time.monotonic() - start
    output = proc.stdout + proc.stderr
    counts = summary_counts(proc.stdout)
    print(f"\n{combination_id}: {counts.get('passed', 0)} generated tests passed in {seconds:.0f} s")
    assert proc.returncode == 0, output[-6000:]
    expected = sum(expected_tests(combo).values())
    assert counts.get("passed") == expected, output[-3000:]
    assert not {"failed", "error", "errors", "skipped", "xfailed", "xpassed"} & set(counts), counts


def test_project_venv_is_keyed_by_the_requirements_and_the_python_version(rendered, tmp_path):
    from tooling.project_env import env_key, project_requirements

    requirements = project_requirements(rendered(by_id(SUPERSET)).project)
    assert any(r.startswith("mlflow==") for r in requirements) and any(r.startswith("pytest==") for r in requirements)
    base = env_key(requirements, (3, 12))
    assert env_key(list(reversed(requirements)), (3, 12)) == base  # the order of the lists does not matter
    assert env_key(requirements, (3, 11)) != base
    changed = [r.replace("==", "==0.") if r.startswith("mlflow==") else r for r in requirements]
    assert env_key(changed, (3, 12)) != base
    assert env_key(requirements[1:], (3, 12)) != base
