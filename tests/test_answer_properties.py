"""Property-based: every answer the schema accepts yields a valid project that treats the answer as data.

Each free-text input's values are generated from the schema's own pattern (hypothesis `from_regex`), so the test
covers whatever the pattern lets through, not a list someone thought of. One example is one complete answer set
(every free-text input at once, enum answers sampled), rendered once by the real CLI. A render either

- is refused by one of the layout's rules (library/input_rules.tmpl, for what a pattern cannot say) with its
  message and writes nothing, or
- renders the files of a reviewed golden (names aside), every YAML and JSON file parses, every Python file compiles, the
  answers come back unchanged from the params files, the bundle and the pipelines (parsed, never grepped), and
  the GitLab image script passes the image to docker as one argument; the folder and defaults the CLI reports are
  the ones the files use.

The slower checks run once per test over all its renders: ruff, actionlint (with shellcheck for the `run:`
scripts), zizmor, shellcheck for the GitLab scripts, check-jsonschema, and `bundle validate --strict` for every
target of the first renders. Examples per run: EXAMPLES per platform family (4 families); deterministic (derandomize,
no example database).
"""

from __future__ import annotations

import json
import keyword
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from answer_rules import FREE_TEXT, PATTERNS, refused_by_a_guard, universal_guard
from bundle_expectations import expected_catalogs, expected_hosts
from cicd_expectations import SHELLCHECK, docker_calls_of_push_script, expected_docker_calls, gitlab_job_scripts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matrix import CLOUDS, DEPLOYMENT_PATTERNS, ENUMS, FEATURE_STORE, Combination
from rendering import unreviewed_files

from tooling import goldens
from tooling.goldens import RECORD
from tooling.paths import TOOLS_BIN
from tooling.render import render, run_cli

EXAMPLES = 8  # answer sets per platform family and run
VALIDATED = 2  # renders per family whose every target `bundle validate --strict` checks
VENV_BIN = Path(sys.executable).parent
SUCCESS = re.compile(r"Your MLOps Stack is ready in '([^']*)'")
CI_LITERAL = re.compile(r"'(?:[^']|'')*'")
GITLAB_LITERAL = re.compile(r'"(.*?)"')  # GitLab's own string lexeme: no escapes
# Inputs whose default derives from earlier answers: left out in some examples, to check the derived value.
DERIVED_DEFAULTS = {
    "input_root_dir",
    "input_schema_name",
    "input_inference_table_name",
    "input_databricks_test_workspace_host",
}
FAMILIES = {
    "github": (["CICD_and_Project", "CICD_Only"], ["github_actions", "github_actions_for_github_enterprise_servers"]),
    "azure_devops": (["CICD_and_Project", "CICD_Only"], ["azure_devops"]),
    "gitlab": (["CICD_and_Project", "CICD_Only"], ["gitlab"]),
    "project_only": (["Project_Only"], ["github_actions", "gitlab"]),
}


# Values drawn from a pattern can be arbitrarily long, and the layout refuses host and image names past their
# length limits (checked by tests/test_bad_input.py's LAYOUT_REFUSED). Values up to this length stay clear of
# every such limit, so a refusal here always comes from a rule about content.
MAX_DRAWN_LENGTH = 200


def from_pattern(name: str) -> st.SearchStrategy[str]:
    return st.from_regex(PATTERNS[name], fullmatch=True).filter(lambda v: len(v) <= MAX_DRAWN_LENGTH)


@st.composite
def answer_sets(draw, setups: list[str], platforms: list[str]) -> dict[str, str]:
    answers = {
        "input_setup_cicd_and_project": draw(st.sampled_from(setups)),
        "input_cicd_platform": draw(st.sampled_from(platforms)),
        "input_cloud": draw(st.sampled_from(CLOUDS)),
        "input_include_feature_store": draw(st.sampled_from(FEATURE_STORE)),
        "input_deployment_pattern": draw(st.sampled_from(DEPLOYMENT_PATTERNS)),
        "input_cicd_auth": draw(st.sampled_from(ENUMS["input_cicd_auth"])),
    }
    # Model serving and the feature store exclude each other (tests/test_bad_input.py checks the refusal).
    if answers["input_include_feature_store"] == "no":
        answers["input_include_model_serving"] = draw(st.sampled_from(ENUMS["input_include_model_serving"]))
    for name in FREE_TEXT:
        strategy = from_pattern(name)
        value = draw(st.one_of(st.none(), strategy) if name in DERIVED_DEFAULTS else strategy)
        if value is not None:
            answers[name] = value
    return answers


@dataclass
class Runs:
    """What one test's examples rendered, for the checks that run once over all of them."""

    scratch: Path
    accepted: list[tuple[Combination, Path]] = field(default_factory=list)
    refused: int = 0

    def folder(self) -> Path:
        return self.scratch / f"render-{len(self.accepted) + self.refused}"


def parse_workflow(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text())
    if True in doc:  # YAML 1.1 reads the key `on` as True
        doc["on"] = doc.pop(True)
    return doc


def ci_literal_value(expression: str, before: str, after: str = "") -> str:
    """The value of the single string literal in `expression`, which must read `<before><literal><after>`."""
    (literal,) = CI_LITERAL.findall(expression.removeprefix(before).removesuffix(after))
    assert expression == f"{before}{literal}{after}", expression
    return literal[1:-1].replace("''", "'")


def load_json_strictly(path: Path):
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), f"{path}: duplicate keys"
        return dict(pairs)

    return json.loads(path.read_text(), object_pairs_hook=no_duplicates)


def check_consumers_accept(c: Combination) -> None:
    """What the answers' first consumers require of them, checked with those consumers' own rules."""
    for name in ("input_default_branch", "input_release_branch"):
        branch = c[name]
        git = subprocess.run(["git", "check-ref-format", "--branch", branch], capture_output=True, text=True)
        assert git.returncode == 0 and git.stdout.strip() == branch, (name, branch, git.stderr)
        # GitHub's branch filters read * ? + [ ] ! as pattern characters (workflow syntax, filter patterns).
        assert not re.search(r"[*?+\[\]!]", branch), (name, branch)
    folder = c.derived["project_folder"]
    assert folder.isidentifier() and not keyword.iskeyword(folder), folder  # an importable package name


def check_files_parse(out: Path) -> None:
    for path in out.rglob("*"):
        if path.suffix in (".yml", ".yaml"):
            assert isinstance(yaml.safe_load(path.read_text()), dict), path
        elif path.suffix == ".json":
            load_json_strictly(path)
        elif path.suffix == ".py":
            compile(path.read_text(), str(path), "exec")


def check_reported_folder(c: Combination, stderr: str, out: Path) -> None:
    """The folder the CLI names is the one holding the files, and the defaults derived from answers are used."""
    (reported,) = SUCCESS.findall(stderr)
    assert reported == (c.project_dir if c.has_project else c["input_root_dir"])
    if c.has_project:
        assert (out / reported / "databricks.yml").is_file()
        assert reported.rsplit("/", 1)[1] == c.derived["project_folder"]


def check_params(c: Combination, out: Path) -> None:
    v = c.values
    root = out / v["input_root_dir"]
    if c.has_cicd:
        hosts = expected_hosts(c)
        names = ["input_root_dir", "input_cloud", "input_cicd_platform", "input_default_branch"]
        names += ["input_release_branch", "input_staging_catalog_name", "input_prod_catalog_name"]
        names += ["input_test_catalog_name", "input_docker_image", "input_cicd_auth"]
        assert load_json_strictly(root / "cicd_params.json") == {n: v[n] for n in names} | {
            "input_databricks_staging_workspace_host": hosts["staging"],
            "input_databricks_prod_workspace_host": hosts["prod"],
            "input_databricks_test_workspace_host": hosts["test"],
        }
    if c.has_project:
        names = ["input_project_name", "input_cloud", "input_include_feature_store", "input_deployment_pattern"]
        assert load_json_strictly(out / c.project_dir / "project_params.json") == {n: v[n] for n in names}


def check_bundle(c: Combination, out: Path) -> None:
    v = c.values
    bundle = yaml.safe_load((out / c.project_dir / "databricks.yml").read_text())
    assert bundle["bundle"]["name"] == v["input_project_name"]
    defaults = {name: var.get("default") for name, var in bundle["variables"].items()}
    _, inference_schema, inference_table = v["input_inference_table_name"].split(".")
    assert defaults["schema_name"] == v["input_schema_name"]
    assert defaults["model_name"] == f"{v['input_project_name']}-model"
    assert defaults["read_user_group"] == v["input_read_user_group"]
    assert defaults["model_user_group"] == v["input_unity_catalog_read_user_group"]
    assert defaults["inference_table_name"] == (
        f"${{var.catalog_name}}.{inference_schema}.${{var.table_prefix}}{inference_table}"
    )
    catalogs, hosts = expected_catalogs(c), expected_hosts(c)
    for target, body in bundle["targets"].items():
        assert body["variables"]["catalog_name"] == catalogs[target]
        assert (body.get("workspace") or {}).get("host") == hosts[target]
    batch = yaml.safe_load((out / c.project_dir / "resources/batch-inference-workflow-resource.yml").read_text())
    job = batch["resources"]["jobs"]["batch_inference_job"]["name"]
    assert job == "${bundle.target}-" + v["input_project_name"] + "-batch-inference-job"


def check_github(c: Combination, out: Path) -> None:
    v = c.values
    folder = out / v["input_root_dir"] / ".github/workflows"
    deploy = parse_workflow(folder / "deploy-cicd.yml")
    steps = deploy["jobs"]["add_cicd"]["steps"]
    assert [s["env"]["BASE"] for s in steps if "BASE" in s.get("env", {})] == [v["input_default_branch"]]
    if not c.has_project:
        return
    name = v["input_project_name"]
    for suffix, job, branch in (
        ("prod", "prod", "input_release_branch"),
        ("staging", "staging", "input_default_branch"),
    ):
        workflow = parse_workflow(folder / f"{name}-bundle-cd-{suffix}.yml")
        assert workflow["on"]["push"]["branches"] == [v[branch]]
        # The manual-run guard: one comparison with one literal, the whole ref of the branch.
        assert ci_literal_value(workflow["jobs"][job]["if"], "github.ref == ") == f"refs/heads/{v[branch]}"
        assert workflow["defaults"]["run"]["working-directory"] == c.derived["project_folder"]


def check_azure_devops(c: Combination, out: Path) -> None:
    v = c.values
    if not c.has_project:
        return
    pipeline = yaml.safe_load(
        (
            out / v["input_root_dir"] / ".azure/devops-pipelines" / f"{v['input_project_name']}-bundle-cicd.yml"
        ).read_text()
    )
    assert pipeline["trigger"]["branches"]["include"] == [v["input_default_branch"], v["input_release_branch"]]
    assert pipeline["variables"] == [{"group": f"{v['input_root_dir']} variable group"}]
    before = "and(ne(variables['Build.Reason'], 'PullRequest'), eq(variables['Build.SourceBranch'], "
    stages = {s["stage"]: s for s in pipeline["stages"]}
    for stage, branch in (("StagingDeployment", "input_default_branch"), ("ProdDeployment", "input_release_branch")):
        assert ci_literal_value(stages[stage]["condition"], before, "))") == f"refs/heads/{v[branch]}"


def check_gitlab(c: Combination, out: Path, scratch: Path) -> None:
    v = c.values
    root = out / v["input_root_dir"]
    returncode, calls = docker_calls_of_push_script(root / ".gitlab/docker/push_image_to_gitlab.sh", scratch)
    assert calls == expected_docker_calls(v["input_docker_image"])
    assert (returncode == 0) == ("@" not in v["input_docker_image"])
    if not c.has_project:
        return
    name, folder = v["input_project_name"], c.derived["project_folder"]
    triggers = yaml.safe_load((root / ".gitlab/pipelines" / f"{name}-triggers-cicd.yml").read_text())
    for job, branch in (("staging-cd", "input_default_branch"), ("prod-cd", "input_release_branch")):
        for rule in triggers[f"{folder}-{job}"]["rules"]:
            # Both literals of the rule, read as GitLab's lexer reads them: the pipeline source, then the branch.
            assert GITLAB_LITERAL.findall(rule["if"])[1:] == [v[branch]], rule["if"]
    for suffix in ("bundle-ci", "bundle-cd-staging", "bundle-cd-prod"):
        child = yaml.safe_load((root / ".gitlab/pipelines" / f"{name}-{suffix}.yml").read_text())
        assert child["default"] == {"image": v["input_docker_image"]}
        assert child["variables"] == {"PROJECT_FOLDER": folder}


def render_and_check(answers: dict[str, str], runs: Runs, workspace, home: Path) -> None:
    out = runs.folder()
    result = render(answers, out, workspace=workspace, home=home)
    if result.returncode != 0:
        # Only a rule a pattern cannot state may refuse a value the pattern accepts; then nothing is written.
        assert any(refused_by_a_guard(result.stderr, n, a, universal=False) for n, a in answers.items()), result.output
        assert not out.exists()
        runs.refused += 1
        return
    (record,) = out.glob(f"**/{RECORD}")
    c = Combination("generated", answers, json.loads(record.read_text()))
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert unreviewed_files(goldens.layout(files, c.record)) is None
    check_consumers_accept(c)
    check_files_parse(out)
    check_reported_folder(c, result.stderr, out)
    check_params(c, out)
    if c.has_project:
        check_bundle(c, out)
    if c.has_cicd and c["input_cicd_platform"] == "gitlab":
        check_gitlab(c, out, out.with_name(f"{out.name}-docker"))
    elif c.has_cicd and c["input_cicd_platform"] == "azure_devops":
        check_azure_devops(c, out)
    elif c.has_cicd:
        check_github(c, out)
    runs.accepted.append((c, out))


# --- the checks that run once over all renders of a test ---------------------------------------------------------
def tool(command: list, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(x) for x in command], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def check_python(runs: Runs) -> None:
    for c, out in runs.accepted:
        if not c.has_project:
            continue
        project = out / c.project_dir
        isolated = [] if (project / "pyproject.toml").exists() or (project / "ruff.toml").exists() else ["--isolated"]
        for args in (["check", *isolated, "--no-cache", "."], ["format", "--check", *isolated, "--no-cache", "."]):
            result = tool([VENV_BIN / "ruff", *args], cwd=project)
            assert result.returncode == 0, (c.answers, result.stdout + result.stderr)


def check_pipelines(runs: Runs, scratch: Path) -> None:
    github = [p for _, out in runs.accepted for p in out.glob("*/.github/workflows/*.yml")]
    ado = [p for _, out in runs.accepted for p in out.glob("*/.azure/devops-pipelines/*.yml")]
    gitlab = [p for _, out in runs.accepted for p in out.glob("*/.gitlab/pipelines/*.yml")]
    if github:
        # actionlint runs shellcheck on every `run:` script when it finds it on PATH.
        env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(scratch)}
        lint = tool([TOOLS_BIN / "actionlint", "-no-color", *github], env=env)
        assert lint.returncode == 0, lint.stdout + lint.stderr
        zizmor = tool([VENV_BIN / "zizmor", "--offline", "--no-progress", "--format", "plain", *github], cwd=scratch)
        assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
        schema = tool([VENV_BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *github])
        assert schema.returncode == 0, schema.stdout + schema.stderr
    if ado:
        args = ["--data-transform", "azure-pipelines", "--regex-variant", "nonunicode"]
        schema = tool([VENV_BIN / "check-jsonschema", "--builtin-schema", "vendor.azure-pipelines", *args, *ado])
        assert schema.returncode == 0, schema.stdout + schema.stderr
    if gitlab:
        args = ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]
        schema = tool([VENV_BIN / "check-jsonschema", *args, *gitlab])
        assert schema.returncode == 0, schema.stdout + schema.stderr
    scripts = [p for _, out in runs.accepted for p in out.glob("*/.gitlab/docker/*.sh")]
    scripts += gitlab_job_scripts(gitlab, scratch / "gitlab-scripts")
    if scripts:
        check = tool([SHELLCHECK, *scripts])
        assert check.returncode == 0, check.stdout + check.stderr


def check_bundles_validate(runs: Runs, workspace, scratch: Path) -> None:
    projects = [(c, out) for c, out in runs.accepted if c.has_project][:VALIDATED]
    for i, (c, out) in enumerate(projects):
        targets = ["dev", "staging", "prod", "test"] if c.setup == "CICD_and_Project" else ["dev"]
        for target in targets:
            result = run_cli(
                ["bundle", "validate", "--strict", "-o", "json", "-t", target],
                workspace=workspace,
                home=scratch / f"validate-{i}-{target}",
                cwd=out / c.project_dir,
            )
            assert result.returncode == 0 and not result.stderr.strip(), (c.answers, target, result.output)
            config = json.loads(result.stdout)
            assert config["bundle"]["name"] == c["input_project_name"]
            assert config["variables"]["read_user_group"]["value"] == c["input_read_user_group"]
            host = expected_hosts(c)[target]
            assert (host is None) or urlparse(config["workspace"]["host"]).netloc == urlparse(host).netloc


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_accepted_answers_render_valid_projects_that_treat_them_as_data(family, tmp_path, simulator, cli_home):
    runs = Runs(tmp_path)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(answers=answer_sets(*FAMILIES[family]))
    def check(answers):
        render_and_check(answers, runs, simulator, cli_home)

    check()
    print(f"{family}: {len(runs.accepted)} renders accepted, {runs.refused} refused by a layout rule")
    # Layout rules refuse only rare values (reserved words, .lock ends): most examples must render.
    assert len(runs.accepted) >= EXAMPLES * 3 // 4
    check_python(runs)
    check_pipelines(runs, tmp_path)
    check_bundles_validate(runs, simulator, tmp_path)


@pytest.mark.parametrize("name", sorted(PATTERNS))
@settings(max_examples=50, derandomize=True, database=None, deadline=None)
@given(data=st.data())
def test_no_accepted_value_holds_a_character_its_consumers_interpret(name, data):
    """Cheap and wide (no render): no pattern lets through what the layout's second line of defence refuses, so
    that rule never stands in for a pattern."""
    value = data.draw(from_pattern(name))
    assert not universal_guard().search(value), value


# Accepted values that YAML, JSON or a CI platform would misread if written unquoted (null, booleans, numbers,
# a leading @ or _), one answer set per platform family; checked exactly like the generated ones.
YAML_LOOKALIKES = {
    "input_project_name": "null",
    "input_root_dir": "0x10",
    "input_default_branch": "1e3",
    "input_release_branch": "on",
    "input_read_user_group": "yes",
    "input_unity_catalog_read_user_group": "@ml team + 1",
    "input_staging_catalog_name": "true",
    "input_prod_catalog_name": "null",
    "input_test_catalog_name": "_1",
    "input_schema_name": "off",
    "input_inference_table_name": "no.null.true",
    "input_databricks_staging_workspace_host": "https://1.5:8443/",
    "input_databricks_test_workspace_host": "https://null/",
    "input_docker_image": "null:0x10",
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_values_yaml_would_misread_are_data_everywhere(family, tmp_path, simulator, cli_home):
    setups, platforms = FAMILIES[family]
    runs = Runs(tmp_path)
    for setup in setups:
        answers = YAML_LOOKALIKES | {"input_setup_cicd_and_project": setup, "input_cicd_platform": platforms[-1]}
        render_and_check(answers, runs, simulator, cli_home)
    assert runs.refused == 0
    check_python(runs)
    check_pipelines(runs, tmp_path)
    check_bundles_validate(runs, simulator, tmp_path)
