"""The answer matrix: every supported combination of answers, defined once.

Risky options (the ones that change which files exist or what CI/CD does) are combined exhaustively
per setup mode; free-text answers are rotated across the combinations so every variant appears at
least once. Every test that needs rendered projects is parametrised from COMBINATIONS.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

SETUP_MODES = ["CICD_and_Project", "Project_Only", "CICD_Only"]
CLOUDS = ["azure", "aws", "gcp"]
PLATFORMS = ["github_actions", "github_actions_for_github_enterprise_servers", "azure_devops", "gitlab"]
FEATURE_STORE = ["no", "yes"]
DEPLOYMENT_PATTERNS = ["deploy_code", "deploy_models"]
CICD_AUTH = ["workload_identity_federation", "secrets"]
MODEL_SERVING = ["no", "yes"]

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
        "in online feature tables, which the template does not create; tests/test_bad_input.py checks the refusal."
    ),
    "model serving x every cloud and CI/CD platform": (
        "serving adds files, a task and a variable that no cloud or platform answer changes; it is on for some of "
        "the combinations of each setup mode and deployment pattern (_serves), so on and off both appear for "
        "every setup mode x deployment pattern, without doubling the product."
    ),
}

# Free-text variants, rotated across combinations.
PROJECT_NAMES = ["my_mlops_project", "my-mlops-project", "Taxi-Fare_2"]
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


def alphanumeric_underscore(name: str) -> str:
    """The project folder name the template derives from the project name (documented behaviour)."""
    return re.sub(r"[^A-Za-z0-9_-]", "", name).replace("-", "_")


def resolve(answers: dict[str, str]) -> dict[str, str]:
    """The complete set of values the CLI uses for `answers`: given answers, then the schema's defaults
    in prompt order (non-interactive runs assign defaults and ignore skip_prompt_if)."""
    v = dict(answers)
    v.setdefault("input_setup_cicd_and_project", "CICD_and_Project")
    v.setdefault("input_project_name", "my_mlops_project")
    v.setdefault("input_root_dir", v["input_project_name"])
    v.setdefault("input_cloud", "azure")
    v.setdefault("input_cicd_platform", "github_actions")
    placeholders = {
        "azure": ("https://adb-xxxx.xx.azuredatabricks.net", "https://adb-xxxx.xx.azuredatabricks.net"),
        "aws": (
            "https://your-staging-workspace.cloud.databricks.com",
            "https://your-prod-workspace.cloud.databricks.com",
        ),
        "gcp": ("https://your-staging-workspace.gcp.databricks.com", "https://your-prod-workspace.gcp.databricks.com"),
    }[v["input_cloud"]]
    v.setdefault("input_databricks_staging_workspace_host", placeholders[0])
    v.setdefault("input_databricks_prod_workspace_host", placeholders[1])
    v.setdefault("input_databricks_test_workspace_host", v["input_databricks_staging_workspace_host"])
    v.setdefault("input_default_branch", "main")
    v.setdefault("input_release_branch", "release")
    v.setdefault("input_read_user_group", "users")
    v.setdefault("input_staging_catalog_name", "staging")
    v.setdefault("input_prod_catalog_name", "prod")
    v.setdefault("input_test_catalog_name", "test")
    v.setdefault("input_schema_name", alphanumeric_underscore(v["input_project_name"]))
    v.setdefault("input_unity_catalog_read_user_group", "account users")
    v.setdefault("input_inference_table_name", f"dev.{v['input_schema_name']}.predictions")
    v.setdefault("input_include_feature_store", "no")
    v.setdefault("input_deployment_pattern", "deploy_code")
    v.setdefault("input_docker_image", "registry.gitlab.com/your-group/your-project/mlops-ci:1.0.0")
    v.setdefault("input_cicd_auth", "workload_identity_federation")
    v.setdefault("input_include_model_serving", "no")
    return v


@dataclass(frozen=True)
class Combination:
    id: str
    answers: dict[str, str] = field(hash=False)

    @property
    def values(self) -> dict[str, str]:
        return resolve(self.answers)

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    @property
    def setup(self) -> str:
        return self.values["input_setup_cicd_and_project"]

    @property
    def has_project(self) -> bool:
        return self.setup != "CICD_Only"

    @property
    def has_cicd(self) -> bool:
        return self.setup != "Project_Only"

    @property
    def project_dir(self) -> str:
        """Project folder relative to the output directory."""
        return f"{self['input_root_dir']}/{alphanumeric_underscore(self['input_project_name'])}"


def _serves(row: dict[str, str]) -> bool:
    """Which rows of the product have model serving on (never with the feature store, see EXCLUDED): with CI/CD,
    the GitHub Enterprise Server and GitLab rows; without, deploy_code on azure and deploy_models elsewhere. So
    every cloud, platform, setup mode and deployment pattern is rendered with serving both on and off."""
    if row["input_include_feature_store"] == "yes":
        return False
    if row["input_setup_cicd_and_project"] == "CICD_and_Project":
        return row["input_cicd_platform"] in ("github_actions_for_github_enterprise_servers", "gitlab")
    return (row["input_deployment_pattern"] == "deploy_code") == (row["input_cloud"] == "azure")


def _enum_product() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for cloud, platform, fs, pattern in itertools.product(CLOUDS, PLATFORMS, FEATURE_STORE, DEPLOYMENT_PATTERNS):
        rows.append(
            dict(
                input_setup_cicd_and_project="CICD_and_Project",
                input_cloud=cloud,
                input_cicd_platform=platform,
                input_include_feature_store=fs,
                input_deployment_pattern=pattern,
            )
        )
    for cloud, fs, pattern in itertools.product(CLOUDS, FEATURE_STORE, DEPLOYMENT_PATTERNS):
        rows.append(
            dict(
                input_setup_cicd_and_project="Project_Only",
                input_cloud=cloud,
                input_include_feature_store=fs,
                input_deployment_pattern=pattern,
            )
        )
    for row in rows:
        if _serves(row):
            row["input_include_model_serving"] = "yes"
    for cloud, platform in itertools.product(CLOUDS, PLATFORMS):
        rows.append(dict(input_setup_cicd_and_project="CICD_Only", input_cloud=cloud, input_cicd_platform=platform))
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
    a = dict(row)
    setup, cloud = a["input_setup_cicd_and_project"], a["input_cloud"]
    name = _rotate(i, PROJECT_NAMES)
    if setup != "CICD_Only":
        a["input_project_name"] = name
    if setup != "CICD_and_Project":
        a["input_root_dir"] = f"{name}-repo" if i % 2 else name
    if setup != "Project_Only":
        a["input_databricks_staging_workspace_host"] = _rotate(i, STAGING_HOSTS[cloud], 2)
        a["input_databricks_prod_workspace_host"] = _rotate(i, PROD_HOSTS[cloud])
        test_host = _rotate(i, TEST_HOSTS)
        if test_host is not None:
            a["input_databricks_test_workspace_host"] = test_host
        a["input_default_branch"], a["input_release_branch"] = _rotate(i, BRANCHES)
        a["input_staging_catalog_name"], a["input_prod_catalog_name"], a["input_test_catalog_name"] = _rotate(
            i, CATALOGS, 3
        )
        if a.get("input_cicd_platform") == "gitlab":
            a["input_docker_image"] = _rotate(i, DOCKER_IMAGES)
        # CI/CD authentication changes only how pipelines sign in, so it alternates instead of doubling the
        # product: i + i // 4 flips it with the platform and with the deployment pattern, so every platform on every
        # cloud gets both answers (and so do the CI/CD-only repositories, across clouds).
        a["input_cicd_auth"] = _rotate(i + i // 4, CICD_AUTH)
    if setup != "CICD_Only":
        a["input_read_user_group"] = _rotate(i, READ_GROUPS, 3)
        a["input_unity_catalog_read_user_group"] = _rotate(i, UC_READ_GROUPS)
        if i % 3 == 1:
            a["input_schema_name"] = "ml_" + alphanumeric_underscore(name).lower()
        if i % 4 == 2:
            a["input_inference_table_name"] = "dev_catalog.scoring.fare_predictions"
    return a


def _combination_id(a: dict[str, str]) -> str:
    short = {
        "CICD_and_Project": "full",
        "Project_Only": "project",
        "CICD_Only": "cicd",
        "github_actions": "gha",
        "github_actions_for_github_enterprise_servers": "ghes",
        "azure_devops": "ado",
        "gitlab": "gitlab",
    }
    v = resolve(a)
    parts = [short[v["input_setup_cicd_and_project"]], v["input_cloud"]]
    if v["input_setup_cicd_and_project"] != "Project_Only":
        parts.append(short[v["input_cicd_platform"]])
    if v["input_setup_cicd_and_project"] != "CICD_Only":
        parts.append("fs" if v["input_include_feature_store"] == "yes" else "nofs")
        parts.append("models" if v["input_deployment_pattern"] == "deploy_models" else "code")
        if v["input_include_model_serving"] == "yes":
            parts.append("serve")
    return "-".join(parts)


def _build() -> list[Combination]:
    combos = [Combination(_combination_id(row), _with_free_text(i, row)) for i, row in enumerate(_enum_product())]
    combos += [Combination(name, answers) for name, answers in EXTRA_COMBINATIONS]
    ids = [c.id for c in combos]
    assert len(ids) == len(set(ids)), "combination ids must be unique"
    return combos


COMBINATIONS: list[Combination] = _build()
PROJECT_COMBINATIONS = [c for c in COMBINATIONS if c.has_project]
CICD_COMBINATIONS = [c for c in COMBINATIONS if c.has_cicd]


def by_id(combination_id: str) -> Combination:
    return next(c for c in COMBINATIONS if c.id == combination_id)


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
    ("full-azure-ado-nofs-models", "Azure DevOps, Entra ID secrets; promotion in prod"),
    ("full-gcp-ado-fs-code", "Azure DevOps, workload identity federation; feature tables in the test run"),
    ("full-azure-gitlab-fs-code", "GitLab, OAuth M2M secrets on an Azure workspace"),
    ("full-gcp-gitlab-nofs-models-serve", "GitLab, workload identity federation; promotion in prod; model serving"),
]
