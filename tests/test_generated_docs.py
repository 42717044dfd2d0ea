"""The generated root README, docs/ and platform READMEs agree with the pipelines they describe, and the
project README's diagram with the bundle."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from bundle_expectations import full_jobs, job_declarations
from cicd_expectations import (
    assert_signs_in_with_the_listed_credentials,
    is_federated,
    pipeline_jobs,
    platform_family,
    stored_credentials,
)
from matrix import CICD_COMBINATIONS, PROJECT_COMBINATIONS

PLATFORM_README = {
    "github": ".github/workflows/README.md",
    "azure_devops": ".azure/devops-pipelines/README.md",
    "gitlab": ".gitlab/README.md",
}
SECRET_NAME = re.compile(r"\b((?:STAGING|PROD|TEST)_[A-Z_]+|WORKFLOW_TOKEN)\b")
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOC_SITES = {
    "aws": "https://docs.databricks.com/",
    "gcp": "https://docs.gcp.databricks.com/",
    "azure": "https://learn.microsoft.com/azure/databricks/",
}


def docs_of(combo) -> list[str]:
    return [
        "README.md",
        "docs/mlops-setup.md",
        "docs/ml-pull-request.md",
        PLATFORM_README[platform_family(combo["input_cicd_platform"])],
    ]


def secrets_used_by_pipelines(root: Path) -> set[str]:
    names: set[str] = set()
    for folder in (".github/workflows", ".azure/devops-pipelines", ".gitlab/pipelines"):
        for path in (root / folder).glob("*.yml") if (root / folder).is_dir() else []:
            text = path.read_text()
            names |= set(re.findall(r"(?:secrets|vars)\.([A-Z_]+)", text))  # GitHub
            names |= {n for n in re.findall(r"\$\(([A-Z_]+)\)", text) if SECRET_NAME.fullmatch(n)}  # Azure DevOps
            names |= {n for n in re.findall(r"\$([A-Z_]+)\b", text) if SECRET_NAME.fullmatch(n)}  # GitLab
    return names


def databricks_steps(out, combo) -> list[tuple[str, str, dict[str, str]]]:
    """(where, target, env) of each pipeline step that runs `databricks ... -t <target>`."""
    found = []
    for job in pipeline_jobs(out.root, combo["input_cicd_platform"], combo["input_project_name"]):
        for step in job.steps:
            if step.commands:
                (target,) = {argv[argv.index("-t") + 1] for argv in step.commands}
                found.append((f"{job.file}:{job.name}", target, step.env))
    return found


@pytest.mark.parametrize("combo", CICD_COMBINATIONS, ids=lambda c: c.id)
def test_setup_guide_lists_exactly_the_credentials_the_pipelines_sign_in_with(combo, rendered):
    out = rendered(combo)
    guide = out.text(f"{combo['input_root_dir']}/docs/mlops-setup.md")
    listed = stored_credentials(out, combo)
    # A service principal per credentials prefix the record gives a target; secrets only when the answer asks.
    assert {name.split("_")[0] for name in listed} == {c["prefix"] for c in combo.derived["ci_credentials"].values()}
    assert any(secret for _, secret in listed.values()) != is_federated(combo.values)
    stored = re.findall(r"^- `([A-Z_]+)`", guide, re.M)
    if combo.has_project:
        # Every value a generated pipeline reads from the platform is one the guide lists, and the reverse; each
        # Databricks step reads those of its target's prefix.
        assert secrets_used_by_pipelines(out.root) == set(stored)
        steps = databricks_steps(out, combo)
        assert {target for _, target, _ in steps} == {"test", "staging", "prod"}
        assert_signs_in_with_the_listed_credentials(out, combo, steps)
    else:
        # The projects added later get the pipelines of a repository generated with its project (test_cicd_archive).
        together = rendered(dict(combo.answers, input_setup_cicd_and_project="CICD_and_Project"))
        assert re.findall(r"^- `.*$", guide, re.M) == re.findall(
            r"^- `.*$", together.text(f"{combo['input_root_dir']}/docs/mlops-setup.md"), re.M
        )


@pytest.mark.parametrize("combo", CICD_COMBINATIONS, ids=lambda c: c.id)
def test_setup_guide_states_which_credentials_the_integration_tests_use(combo, rendered):
    guide = rendered(combo).text(f"{combo['input_root_dir']}/docs/mlops-setup.md")
    stored = "variables" if is_federated(combo.values) else "secrets"
    if combo.derived["ci_credentials"]["test"]["prefix"] == "TEST":
        assert f"the `TEST_*` {stored} of a service principal in the test workspace" in guide
    else:
        assert f"they use the staging credentials (`STAGING_*`): no test {stored} are needed" in guide


POLICY_COMMAND = re.compile(
    r"^databricks account service-principal-federation-policy create <(\w+) service principal ID> --json '(.*?)'$",
    re.M | re.S,
)
ISSUERS = {
    "github_actions": "https://token.actions.githubusercontent.com",
    "github_actions_for_github_enterprise_servers": "https://<GitHub Enterprise Server host>/_services/token",
    "azure_devops": "https://vstoken.dev.azure.com/<organization ID>",
    "gitlab": "https://gitlab.com",
}


@pytest.mark.parametrize("combo", CICD_COMBINATIONS, ids=lambda c: c.id)
def test_setup_guide_gives_a_federation_policy_for_each_service_principal_the_pipelines_use(combo, rendered):
    out = rendered(combo)
    guide = out.text(f"{combo['input_root_dir']}/docs/mlops-setup.md")
    policies = [(who.upper(), json.loads(body)["oidc_policy"]) for who, body in POLICY_COMMAND.findall(guide)]
    if not is_federated(combo.values):
        assert policies == [] and "service-principal-federation-policy" not in guide
        return
    platform = combo["input_cicd_platform"]
    audiences = {c["prefix"]: c["audience"] for c in combo.derived["ci_credentials"].values()}
    # Every service principal the pipelines sign in as (the record's prefixes, see the test above) has its policies.
    assert {prefix for prefix, _ in policies} == set(audiences)
    for prefix, policy in policies:
        # The audience the pipelines request for that workspace, the platform's issuer, one subject each.
        assert policy["audiences"] == [audiences[prefix]], prefix
        assert policy["issuer"] == ISSUERS[platform]
        assert set(policy) <= {"issuer", "audiences", "subject", "subject_claim"} and policy["subject"]
    if combo.has_project and platform.startswith("github_actions"):
        # Each GitHub environment a deployment job runs in is the subject of its service principal's policy.
        workflows = out.root / ".github/workflows"
        for path in workflows.glob(f"{combo['input_project_name']}-bundle-cd-*.yml"):
            for job in yaml.safe_load(path.read_text())["jobs"].values():
                prefix = job["env"]["DATABRICKS_CLIENT_ID"].split("vars.")[1].split("_SP_")[0]
                subjects = {p["subject"] for who, p in policies if who == prefix}
                assert f"repo:<owner>/<repository>:environment:{job['environment']}" in subjects, path.name


@pytest.mark.parametrize("combo", CICD_COMBINATIONS, ids=lambda c: c.id)
def test_relative_links_and_anchors_resolve(combo, rendered):
    out = rendered(combo)
    for doc in docs_of(combo):
        path = out.root / doc
        for target in LINK.findall(path.read_text()):
            if target.startswith("https://"):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            assert linked.is_file(), f"{doc}: {target}"
            if anchor:
                headings = re.findall(r"^#+ (.+)$", linked.read_text(), re.M)
                slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
                assert anchor in slugs, f"{doc}: {target}"


@pytest.mark.parametrize("combo", CICD_COMBINATIONS, ids=lambda c: c.id)
def test_documentation_links_go_to_the_clouds_docs_site(combo, rendered):
    out = rendered(combo)
    site = DOC_SITES[combo["input_cloud"]]
    for doc in docs_of(combo):
        for url in re.findall(r"https://[^\s)>`]+", out.text(f"{combo['input_root_dir']}/{doc}")):
            if any(url.startswith(s) for s in DOC_SITES.values()):
                assert url.startswith(site), f"{doc}: {url}"


@pytest.mark.parametrize("combo", CICD_COMBINATIONS, ids=lambda c: c.id)
def test_root_readme_structure_table_names_every_ci_file_and_nothing_else(combo, rendered):
    out = rendered(combo)
    readme = out.text(f"{combo['input_root_dir']}/README.md")
    table = [line for line in readme.splitlines() if line.startswith("| `")]
    named = {p for line in table for p in re.findall(r"`([^`]+)`", line.split("|")[1])}
    # Everything but the README itself and the project's own files.
    generated = out.repository_files() - {"README.md"}
    covered = set()
    for path in named:
        if path.endswith("/"):
            assert (out.root / path).is_dir(), path
            covered |= {f for f in generated if f.startswith(path)}
        else:
            assert (out.root / path).is_file(), path
            covered.add(path)
    assert covered == generated
    if combo.has_project:
        assert f"{combo.derived['project_folder']}/" in named


@pytest.mark.parametrize("combo", CICD_COMBINATIONS, ids=lambda c: c.id)
def test_docs_name_the_input_branches_and_catalogs(combo, rendered):
    out = rendered(combo)
    guide = out.text(f"{combo['input_root_dir']}/docs/mlops-setup.md")
    flow = out.text(f"{combo['input_root_dir']}/docs/ml-pull-request.md")
    for text in (guide, flow):
        assert f"`{combo['input_default_branch']}`" in text
        assert f"`{combo['input_release_branch']}`" in text
    for key in ("input_staging_catalog_name", "input_prod_catalog_name", "input_test_catalog_name"):
        assert f"`{combo[key]}`" in guide and f"`{combo[key]}`" in flow


# --- the project README's diagram -----------------------------------------------------------------------------
MERMAID = re.compile(r"^```mermaid\n(.*?)^```$", re.S | re.M)
NODE = re.compile(r"^\s*(\w+)\s*[\[{(]", re.M)  # a node's first mention: id, then its shape and label
SUBGRAPH = re.compile(r"^\s*subgraph (\w+)\[", re.M)
SCHEDULE = re.compile(r"daily (\d\d):(\d\d)")


def project_diagram(project) -> str:
    (diagram,) = MERMAID.findall((project.project / "README.md").read_text())
    return diagram


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_the_diagram_names_exactly_the_bundles_jobs_tasks_and_targets(combo, rendered):
    """The flow in the project README is generated from the answers: every job, task and target it draws exists
    in the rendered bundle, and it draws all of them; a job's schedule is the one of its resource file."""
    project = rendered(combo)
    diagram = project_diagram(project)
    jobs = full_jobs(project)
    subgraphs = SUBGRAPH.findall(diagram)
    drawn_jobs = {s for s in subgraphs if s.endswith("_job")}
    assert drawn_jobs == set(jobs)
    nodes = set(NODE.findall(diagram)) - set(subgraphs)
    drawn_tasks = {tuple(n.split("__", 1)) for n in nodes if "__" in n}
    # Tasks of the full declarations and of target overrides (deploy_models adds trigger_retraining per target).
    declared_tasks = {
        (key, task["task_key"])
        for key, where in job_declarations(project).items()
        for job in where.values()
        for task in job.get("tasks", [])
    }
    assert drawn_tasks == declared_tasks
    targets = set(project.yaml(f"{combo.project_dir}/databricks.yml")["targets"])
    assert {n.removeprefix("target_") for n in nodes if n.startswith("target_")} == targets
    for key, job in jobs.items():
        title = re.search(rf'subgraph {key}\["([^"]*)"\]', diagram)[1]
        cron = (job.get("schedule") or {}).get("quartz_cron_expression")
        schedule = SCHEDULE.search(title)
        if cron is None:
            assert schedule is None, key
        else:
            _, minute, hour = cron.split()[:3]
            assert schedule and (int(schedule[1]), int(schedule[2])) == (int(hour), int(minute)), (key, title)


@pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=lambda c: c.id)
def test_the_diagram_shows_the_ci_stages_and_aliases_of_the_answers(combo, rendered):
    diagram = project_diagram(rendered(combo))
    assert diagram.startswith("flowchart ")
    assert diagram.count("subgraph ") == diagram.count("\n    end\n") + diagram.count("\n  end\n")
    for alias in ("challenger", "champion"):
        assert alias in diagram
    edges = re.findall(r"^\s*(\w+) -[->.]+(?:\|[^|]*\|)? (\w+)$", diagram, re.M)
    declared = set(SUBGRAPH.findall(diagram)) | set(NODE.findall(diagram))
    assert edges and all(a in declared and b in declared for a, b in edges)
    if combo.has_cicd:
        assert f"into {combo['input_default_branch']}" in diagram and f"into {combo['input_release_branch']}" in diagram
        assert ("ci_release", "target_prod") in edges
    else:
        assert "ci_" not in diagram
