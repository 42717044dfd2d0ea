"""The answer matrix: every supported combination of answers, defined once, from the schema.

The enum inputs that change which files exist or what CI/CD does (COMBINED) are combined exhaustively per setup
mode, each only where the schema's skip rules ask it in that mode; every other enum input, and every free-text
answer, is rotated across the combinations so each variant appears at least once (a free-text answer only where the
schema asks it). Enum values, defaults and skip rules are read from databricks_template_schema.json, never re-typed.
What the CLI resolves (defaults that are templates, derived names) is read from the render's own record,
<root>/.mlops-stacks.json, never re-derived here. Every test that needs rendered projects is parametrised from
COMBINATIONS.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from tooling import schema_rules
from tooling.schema_rules import PROPERTIES, asked, literal_default  # noqa: F401 (re-exported)

ENUMS = schema_rules.ENUMS
SETUP = "input_setup_cicd_and_project"
SETUP_MODES = ENUMS[SETUP]
CLOUDS = ENUMS["input_cloud"]
PLATFORMS = ENUMS["input_cicd_platform"]
FEATURE_STORE = ENUMS["input_include_feature_store"]
DEPLOYMENT_PATTERNS = ENUMS["input_deployment_pattern"]
# The risky enum inputs, combined exhaustively; any other enum input (a new one included) is rotated.
COMBINED = ["input_cloud", "input_cicd_platform", "input_include_feature_store", "input_deployment_pattern"]


# Combinations we do not render, each with the reason. Everything else in the product below is rendered.
EXCLUDED: dict[str, str] = {
    "Project_Only x every CI/CD platform": (
        "Project_Only generates no CI/CD, so the platform answer cannot change the output; it is rendered "
        "once with the default platform, plus once with gitlab to prove no CI/CD leaks (see EXTRA_COMBINATIONS)."
    ),
    "CICD_Only x feature store / deployment pattern / model serving": (
        "CICD_Only generates no project, so these answers are not used; the project-level files are added "
        "later per project by deploy-cicd, which reads them from the project's project_params.json. One "
        "CICD_Only render names model serving yes to prove nothing leaks (see EXTRA_COMBINATIONS)."
    ),
    "model serving x feature store": (
        "refused by bundle init (library/input_rules.tmpl): a served feature-store model looks its features up "
        "in online feature tables, which the template does not create; tests/test_bad_input.py checks the refusal "
        "(the schema does not ask the question then, so the matrix never sets it)."
    ),
    "model serving, CI/CD authentication x the combined inputs": (
        "each changes only its own files (serving: a task, a variable and its code; authentication: how pipelines "
        "sign in), so they are rotated rather than combined (_with_free_text); the rotation index i + i // 4 "
        "flips them with the platform and with the deployment pattern, so both values of each appear on every "
        "platform, cloud, setup mode and deployment pattern."
    ),
}

# Free-text variants, rotated across combinations.
# (project name, a schema name to try with it)
PROJECT_NAMES = [
    ("my_mlops_project", "ml_my_mlops_project"),
    ("my-mlops-project", "ml_my_mlops_project"),
    ("Taxi-Fare_2", "ml_taxi_fare_2"),
]
# Accepted URL shapes: scheme and host, with or without a port and a trailing slash (targets keep scheme://host[:port]).
STAGING_HOSTS = {
    "azure": [
        "https://adb-1111111111111111.11.azuredatabricks.net",
        "https://adb-2222.2.azuredatabricks.net/",
        "https://adb-3333.3.azuredatabricks.net:443",
    ],
    "aws": [
        "https://staging-ws.cloud.databricks.com",
        "https://staging-ws.cloud.databricks.com/",
        "https://staging-ws.cloud.databricks.com:8443/",
    ],
    "gcp": [
        "https://1234.5.gcp.databricks.com",
        "https://1234.5.gcp.databricks.com:443/",
        "https://1234.5.gcp.databricks.com/",
    ],
}
PROD_HOSTS = {
    "azure": ["https://adb-9999999999999999.19.azuredatabricks.net", "https://adb-8888.8.azuredatabricks.net/", ""],
    "aws": ["https://prod-ws.cloud.databricks.com", "https://prod-ws.cloud.databricks.com:443", ""],
    "gcp": ["https://9876.5.gcp.databricks.com", "https://9876.5.gcp.databricks.com/", ""],
}
TEST_HOSTS = ["", "https://ci-tests.example-workspace.net/", None]  # None: leave to the default
BRANCHES = [("main", "release"), ("master", "production"), ("develop", "releases/stable")]
READ_GROUPS = ["users", "ml-readers"]
UC_READ_GROUPS = ["account users", "ml model consumers"]
CATALOGS = [("staging", "prod", "test"), ("ml_staging", "ml_prod", "ml_ci")]
DOCKER_IMAGES = ["registry.gitlab.com/acme/ml/mlops-ci:2.1.0", "docker.io/acme/mlops-ci@sha256:" + "a" * 64]


# Where a combination's record comes from: conftest.py installs the session's render cache (use_records).
_record_source: Callable[[dict[str, str]], dict] | None = None


def use_records(source: Callable[[dict[str, str]], dict]) -> None:
    global _record_source
    _record_source = source


@dataclass(frozen=True)
class Combination:
    id: str
    answers: dict[str, str] = field(hash=False)
    # The record, when the caller rendered the answers itself; otherwise read from the session's render cache.
    rendered_record: dict | None = field(default=None, hash=False, compare=False)

    @property
    def record(self) -> dict:
        """The .mlops-stacks.json of this combination's render (rendered on first use, cached for the run)."""
        if self.rendered_record is not None:
            return self.rendered_record
        assert _record_source is not None, "no render cache: the record is only available inside tests"
        return _record_source(self.answers)

    @property
    def values(self) -> dict[str, str]:
        """Every input's final value, as the CLI resolved it."""
        return self.record["answers"]

    @property
    def derived(self) -> dict:
        """The names the template derives from the answers (project folder and package, catalogs, hosts, ...)."""
        return self.record["derived"]

    def __getitem__(self, key: str) -> str:
        # Given answers and plain schema defaults need no render (parametrisation reads them at collection time).
        if key in self.answers:
            return self.answers[key]
        default = literal_default(key)
        return default if default is not None else self.values[key]

    @property
    def setup(self) -> str:
        return self[SETUP]

    @property
    def has_project(self) -> bool:
        return self.setup != "CICD_Only"

    @property
    def has_cicd(self) -> bool:
        return self.setup != "Project_Only"

    @property
    def project_dir(self) -> str:
        """Project folder relative to the output directory."""
        return self.derived["project_dir"]


def _enum_product() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for setup in SETUP_MODES:
        combined = [name for name in COMBINED if asked(name, {SETUP: setup})]
        for values in itertools.product(*(ENUMS[name] for name in combined)):
            rows.append({SETUP: setup, **dict(zip(combined, values, strict=True))})
    return rows


# Answer sets outside the product, each for a stated reason.
EXTRA_COMBINATIONS: list[tuple[str, dict[str, str]]] = [
    ("defaults", {}),  # no answers file values at all: every default
    # An answers file may name a platform although Project_Only never asks for one: still no CI/CD.
    ("project_only_names_gitlab", dict(input_setup_cicd_and_project="Project_Only", input_cicd_platform="gitlab")),
    # The default answers with model serving on: the render whose local run serves the champion (slow tier).
    ("defaults_serving", dict(input_include_model_serving="yes")),
    # An answers file may turn serving on for CI/CD only: no project, so nothing of serving is generated.
    (
        "cicd_only_names_serving",
        dict(input_setup_cicd_and_project="CICD_Only", input_cloud="gcp", input_include_model_serving="yes"),
    ),
]


def _rotate(i: int, options: list, stride: int = 1):
    return options[(i * stride) % len(options)]


def _with_free_text(i: int, row: dict[str, str]) -> dict[str, str]:
    """The row's enum answers, plus the other enum inputs and the free-text variants rotated by index `i`, each
    set only where the schema asks it given the row's answers."""
    a = dict(row)
    cloud = a.get("input_cloud", literal_default("input_cloud"))
    name, schema = _rotate(i, PROJECT_NAMES)
    test_host = _rotate(i, TEST_HOSTS)
    (default_branch, release_branch), catalogs = _rotate(i, BRANCHES), _rotate(i, CATALOGS, 3)
    variants = {
        "input_project_name": name,
        "input_root_dir": f"{name}-repo" if i % 2 else name,
        "input_databricks_staging_workspace_host": _rotate(i, STAGING_HOSTS[cloud], 2),
        "input_databricks_prod_workspace_host": _rotate(i, PROD_HOSTS[cloud]),
        "input_databricks_test_workspace_host": test_host,
        "input_default_branch": default_branch,
        "input_release_branch": release_branch,
        "input_staging_catalog_name": catalogs[0],
        "input_prod_catalog_name": catalogs[1],
        "input_test_catalog_name": catalogs[2],
        "input_docker_image": _rotate(i, DOCKER_IMAGES),
        "input_read_user_group": _rotate(i, READ_GROUPS, 3),
        "input_unity_catalog_read_user_group": _rotate(i, UC_READ_GROUPS),
        "input_schema_name": schema if i % 3 == 1 else None,
        "input_inference_table_name": "dev_catalog.scoring.fare_predictions" if i % 4 == 2 else None,
    }
    # The rotated enum inputs (see EXCLUDED): i + i // 4 changes parity with the innermost combined input (the
    # deployment pattern) and with the one above it (the platform, or the cloud where no platform is asked).
    variants |= {n: _rotate(i + i // 4, values) for n, values in ENUMS.items() if n != SETUP and n not in COMBINED}
    for input_name, value in variants.items():
        if value is not None and input_name not in a and asked(input_name, a):
            a[input_name] = value
    return a


# Short labels for combination ids (readability only; a value without a label is used as it is).
_LABELS = {
    "CICD_and_Project": "full",
    "Project_Only": "project",
    "CICD_Only": "cicd",
    "github_actions": "gha",
    "github_actions_for_github_enterprise_servers": "ghes",
    "azure_devops": "ado",
    ("input_include_feature_store", "yes"): "fs",
    ("input_include_feature_store", "no"): "nofs",
    "deploy_models": "models",
    "deploy_code": "code",
    ("input_include_model_serving", "yes"): "serve",
    ("input_include_model_serving", "no"): "",
    ("input_cicd_auth", "workload_identity_federation"): "",
    ("input_cicd_auth", "secrets"): "",
}


def _combination_id(answers: dict[str, str]) -> str:
    """The labels of a combination's enum answers, in order; an empty label is left out."""
    labels = (_LABELS.get((n, v), _LABELS.get(v, v)) for n, v in answers.items() if n in ENUMS)
    return "-".join(label for label in labels if label)


def _build() -> list[Combination]:
    answer_sets = [_with_free_text(i, row) for i, row in enumerate(_enum_product())]
    combos = [Combination(_combination_id(answers), answers) for answers in answer_sets]
    combos += [Combination(name, answers) for name, answers in EXTRA_COMBINATIONS]
    ids = [c.id for c in combos]
    assert len(ids) == len(set(ids)), "combination ids must be unique"
    return combos


COMBINATIONS: list[Combination] = _build()
PROJECT_COMBINATIONS = [c for c in COMBINATIONS if c.has_project]
CICD_COMBINATIONS = [c for c in COMBINATIONS if c.has_cicd]


def by_id(combination_id: str) -> Combination:
    found = [c for c in COMBINATIONS if c.id == combination_id]
    if not found:
        raise KeyError(f"no combination {combination_id!r} in tests/matrix.py")
    return found[0]


# The slow tier: renders whose own test suites and local pipeline run (local Spark, local MLflow). Together they
# cover the feature store yes/no, deploy_code/deploy_models, model serving on/off and every cloud (clouds only
# change comments). (combination, why it is in the set)
REPRESENTATIVE = [
    ("defaults", "the default answers: azure, no feature store, deploy_code"),
    ("full-aws-gha-fs-models", "aws, feature store, deploy_models"),
    ("project-gcp-nofs-models-serve", "gcp, no feature store, deploy_models, Project_Only, model serving"),
]
# The render whose requirements build the generated-project venv: any feature-store render, the superset.
SUPERSET = "project-aws-fs-models"


def with_added_project(cicd: Combination, project: Combination) -> Combination:
    """What a CI/CD-only repository becomes once `project` (a Project_Only render) is added to it with
    cicd/add_project_cicd.py: the project's own answers, with the repository's CI/CD answers (hosts, catalogs,
    branches, platform, root folder)."""
    assert not cicd.has_project and project.setup == "Project_Only", (cicd.id, project.id)
    answers = {**project.answers, **cicd.answers, "input_setup_cicd_and_project": "CICD_and_Project"}
    return Combination(f"{cicd.id}+{project.id}", answers)


# The deploy tier (tests/test_deploy_on_simulator.py): deployed to the Databricks CLI's workspace simulator, planned,
# run and destroyed, for every target each defines. The representative renders above, plus a CI/CD-only repository
# with a project added through its sub-template; together they cover feature store yes/no, both deployment
# patterns, CICD_and_Project, Project_Only and CICD_Only.
DEPLOYED = [combination for combination, _ in REPRESENTATIVE]
# (CI/CD-only repository, Project_Only project added to it, why)
DEPLOYED_ADDED = [
    (
        "cicd-gcp-gitlab",
        "project-gcp-fs-code",
        "the feature store with deploy_code, which no other deployed render has",
    ),
]
# Deployed side by side into one workspace: the two project names differ only in "_" versus "-".
SIDE_BY_SIDE = ("defaults", "full-aws-gha-fs-models")

# The CI/CD tier (tests/test_pipelines_on_simulator.py): the `databricks` commands of the rendered pipelines, run in
# pipeline order against the simulator with each step's credentials. Every platform with both CI/CD authentication
# answers: workload identity federation (the CI platform's OIDC token exchanged for a Databricks token), and secrets
# of both kinds on GitHub and Azure DevOps (an Entra ID service principal on azure, a workspace token elsewhere);
# GitLab's secrets are Databricks OAuth M2M. The azure renders' test workspace is an Azure host: Entra ID
# credentials can only reach Azure workspaces.
PIPELINE_RUNS = [
    ("full-azure-gha-fs-models", "GitHub Actions, Entra ID secrets; feature tables in the test run, promotion in prod"),
    ("full-aws-ghes-nofs-code-serve", "GitHub Enterprise Server, workspace token secrets; model serving"),
    ("full-aws-gha-nofs-code", "GitHub Actions, workload identity federation; a test workspace of its own"),
    ("full-azure-ado-nofs-models-serve", "Azure DevOps, Entra ID secrets; promotion in prod; model serving"),
    ("full-gcp-ado-fs-code", "Azure DevOps, workload identity federation; feature tables in the test run"),
    ("full-azure-gitlab-fs-code", "GitLab, OAuth M2M secrets on an Azure workspace"),
    ("full-gcp-gitlab-nofs-models", "GitLab, workload identity federation; promotion in prod"),
]
