"""The generated CI/CD pipelines' own `databricks` commands, run against the Databricks CLI's workspace simulator
with the credentials each step sets: the pull request's validation and integration test, the staging deployment
and the production deployment each succeed and leave their target deployed by the pipeline's service principal.

Per rendered platform (matrix.PIPELINE_RUNS), every job of the project's pipelines (cicd_expectations.pipeline_jobs:
jobs in the order the pipeline runs them; each step's folder, environment and commands) runs in a fresh copy of
the repository (a fresh checkout) with a fresh CLI home (a fresh runner); the pytest steps are left out (the
slow tier runs the project's tests). Secrets get dummy values; the variables that carry an identity get a
service principal's token of its own per secret, so each secret is one identity with one simulated workspace:
- DATABRICKS_TOKEN: a workspace token;
- ARM_CLIENT_ID (Entra ID client secret, with ARM_TENANT_ID and ARM_CLIENT_SECRET): the simulator's Entra ID
  stand-in answers https://login.microsoftonline.com/<tenant>/oauth2/token with the client id as the token;
- DATABRICKS_CLIENT_ID (Databricks OAuth M2M, with DATABRICKS_CLIENT_SECRET): likewise on the workspace's
  /oidc/v1/token;
- DATABRICKS_CLIENT_ID under workload identity federation (github-oidc, azure-devops-oidc, env-oidc): the CLI gets
  an OIDC token from the simulator's stand-in for the CI platform's issuer, given to the job as the platform gives
  it (GitHub: the token request variables, only to a job with `id-token: write`; Azure DevOps: the SYSTEM_*
  variables of every step, System.AccessToken mapped by the pipeline; GitLab: the job's id_tokens variables, for
  their audience), and exchanges it at the workspace's /oidc/v1/token, which answers with the client id as well.
No DATABRICKS_HOST is set, as in the pipelines: each command reaches its target's workspace.host, which the
simulator serves through its HTTPS proxy.
"""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bundle_expectations import jobs_of_target, readme_jobs, root_path
from cicd_expectations import PipelineJob, is_federated, pipeline_jobs, platform_family, secret_syntax
from matrix import PIPELINE_RUNS, by_id

from tooling.render import CliResult, run_cli
from tooling.simulator import new_token

# The SDK variables whose value is an identity: each secret they read becomes one service principal.
IDENTITY_VARIABLES = {"DATABRICKS_TOKEN", "ARM_CLIENT_ID", "DATABRICKS_CLIENT_ID"}


# Azure DevOps' own variables, such as $(System.AccessToken), which a step maps explicitly.
AZURE_DEVOPS_PREDEFINED = re.compile(r"\$\((\w+(?:\.\w+)+)\)")
# The issuer of each platform's OIDC tokens, as the simulator's stand-ins name them (tooling/simulator/main.go).
ISSUERS = {
    "github": "https://token.actions.githubusercontent.com",
    "azure_devops": "https://vstoken.dev.azure.com/00000000-0000-0000-0000-000000000000",
    "gitlab": "https://gitlab.com",
}


def credentials(env: dict[str, str], platform: str, identities: dict[str, str]) -> dict[str, str]:
    """The step's environment with dummy secret values: an identity per secret for IDENTITY_VARIABLES."""
    resolved = {}
    for name, value in env.items():
        match = secret_syntax(platform).fullmatch(value)
        predefined = platform == "azure_devops" and AZURE_DEVOPS_PREDEFINED.fullmatch(value)
        assert match or predefined or "$" not in value, f"{name}: {value} is neither a secret nor a literal"
        if predefined:
            resolved[name] = f"simulated-{predefined[1].lower()}"
        elif not match:
            resolved[name] = value
        elif name in IDENTITY_VARIABLES:
            resolved[name] = identities.setdefault(match["name"], new_token("service_principal"))
        else:
            resolved[name] = f"dummy-{match['name'].lower()}"
    return resolved


def platform_oidc(job: PipelineJob, simulator, platform: str) -> dict[str, str]:
    """What the CI platform itself adds to the job's environment for OIDC (see the module docstring)."""
    family = platform_family(platform)
    if family == "github":
        return simulator.ci_oidc_env("github") if job.oidc_permission else {}
    if family == "azure_devops":
        return simulator.ci_oidc_env("azure_devops")
    return {name: simulator.gitlab_id_token(audience) for name, audience in job.id_tokens}


def run_job(job: PipelineJob, repo: Path, scratch: Path, simulator, platform: str, identities) -> list[tuple]:
    """Every databricks command of `job`, in order, in a fresh checkout; stops at the first failure."""
    checkout = scratch / "checkout"
    shutil.copytree(repo, checkout)
    done: list[tuple[tuple[str, ...], CliResult, dict]] = []
    for step in job.steps:
        env = {**platform_oidc(job, simulator, platform), **credentials(step.env, platform, identities)}
        for argv in step.commands:
            result = run_cli(
                list(argv[1:]), workspace=simulator, home=scratch / "home", cwd=checkout / step.folder, credentials=env
            )
            done.append((argv, result, env))
            if result.returncode != 0:
                return done
    return done


@pytest.mark.parametrize("combo", [by_id(c) for c, _ in PIPELINE_RUNS], ids=lambda c: c.id)
def test_pipeline_commands_succeed_with_the_pipelines_credentials(combo, rendered, simulator, tmp_path):
    out = rendered(combo)
    platform, name = combo["input_cicd_platform"], combo["input_project_name"]
    jobs = [job for job in pipeline_jobs(out.root, platform, name) if job.commands]
    identities: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(
            pool.map(
                lambda ij: run_job(ij[1], out.root, tmp_path / f"job-{ij[0]}", simulator, platform, identities),
                enumerate(jobs),
            )
        )
    failures = {
        f"{job.file}:{job.name}": f"{' '.join(argv)}\n{result.output}"
        for job, done in zip(jobs, results, strict=True)
        for argv, result, _ in done
        if result.returncode != 0
    }
    assert failures == {}
    assert sum(len(done) for done in results) == sum(len(job.commands) for job in jobs)

    # The three pipelines that matter ran: the PR integration test, the staging and the production deployment.
    deployed = {
        argv[-1]: env for done in results for argv, _, env in done if argv[:3] == ("databricks", "bundle", "deploy")
    }

    assert set(deployed) == {"test", "staging", "prod"}
    assert any(argv[:3] == ("databricks", "bundle", "run") for done in results for argv, _, _ in done)

    # Each deployment is in its service principal's workspace, under that principal's folder, on its own host.
    workspaces = {target: urlparse(host).hostname for target, host in combo.derived["workspace_hosts"].items()}
    for target, env in deployed.items():
        (identity,) = {env[v] for v in IDENTITY_VARIABLES if v in env}
        principal = simulator.user_name(identity)
        assert principal != simulator.user_name(new_token())
        inventory = simulator.inventory(identity)
        assert inventory.under(root_path(combo, target, principal) + "/files/databricks.yml")
        status, listed = simulator.api("GET", "/api/2.2/jobs/list", token=identity)
        assert status == 200
        names = {j["settings"]["name"] for j in listed.get("jobs", [])}
        ours = {n for n in names if n.startswith(f"{target}-{name}-")}
        assert len(ours) == len(jobs_of_target(readme_jobs(out.project), target)), (target, sorted(names))
        assert {j["creator_user_name"] for j in listed["jobs"]} == {principal}
        contacted = {r.host.split(":")[0] for r in simulator.requests(identity)}
        # A service principal per workspace: it reaches its target's workspace and no other.
        assert contacted & set(workspaces.values()) == {workspaces[target]}, target
        assert not [r for r in simulator.requests(identity) if r.status == 501]

    # Keyless: each service principal signed in only by exchanging its platform's OIDC token, for the audience its
    # workspace's federation policy lists (setup guide); with secrets, no OIDC token was exchanged at all.
    exchanged = [e for e in simulator.oidc_events() if e.event == "exchanged" and e.client_id in identities.values()]
    if is_federated(combo.values):
        # Every identity a job signs in as is one a deployment uses, and the audience is its target's (the record's).
        signed_in = {target: env["DATABRICKS_CLIENT_ID"] for target, env in deployed.items()}
        assert set(identities.values()) == set(signed_in.values())
        for target, client_id in signed_in.items():
            found = {(e.issuer, e.audience) for e in exchanged if e.client_id == client_id}
            audience = combo.derived["ci_credentials"][target]["audience"]
            assert found == {(ISSUERS[platform_family(platform)], audience)}, target
        # And the CLI reports the platform's auth type for the environment of each deployment step.
        for target, env in deployed.items():
            described = run_cli(
                ["auth", "describe", "-t", target, "-o", "json"],
                workspace=simulator,
                home=tmp_path / f"describe-{target}",
                cwd=out.project,
                credentials=env,
            )
            assert described.returncode == 0, described.output
            details = json.loads(described.stdout)
            assert (details["status"], details["details"]["auth_type"]) == ("success", env["DATABRICKS_AUTH_TYPE"])
    else:
        assert exchanged == []

    # The pipeline's credential flow really ran: Entra ID tokens on azure, OAuth M2M tokens on GitLab.
    token_hosts = {(r.host, r.path.rsplit("/", 2)[-2]) for r in simulator.requests() if r.path.endswith("/token")}
    envs = [env for done in results for _, _, env in done]
    if any("ARM_CLIENT_ID" in env for env in envs):
        assert ("login.microsoftonline.com", "oauth2") in token_hosts
    if any("DATABRICKS_CLIENT_ID" in env for env in envs):
        assert any(path == "v1" for _, path in token_hosts)
