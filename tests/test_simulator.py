"""The workspace simulator program (tooling/simulator): built from the pinned CLI module, served on 127.0.0.1 only,
HTTPS for any host through its proxy, per-token workspaces, its request and error records, and a clean exit."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from tooling import install_tools
from tooling.render import run_cli
from tooling.simulator import SERVICE_PRINCIPAL_PREFIX, Simulator, binary_path, new_token
from tooling.versions import pinned_cli_version


def test_simulator_embeds_the_pinned_cli_module_and_its_source_hash():
    tool = install_tools.simulator()
    modules = subprocess.run(["go", "version", "-m", str(binary_path())], capture_output=True, text=True, check=True)
    deps = {parts[1]: parts[2] for line in modules.stdout.splitlines() if (parts := line.split())[0] == "dep"}
    assert deps["github.com/databricks/cli"] == pinned_cli_version()
    reported = json.loads(subprocess.run([str(binary_path()), "--version"], capture_output=True, text=True).stdout)
    assert reported["cli_module"] == pinned_cli_version()
    assert tool.cache_key == f"{pinned_cli_version()}-{reported['source']}"


def test_installer_rebuilds_a_simulator_whose_source_changed():
    tool = install_tools.simulator()
    assert install_tools._reports_version(binary_path(), tool)
    edited = replace(tool, stamps=(tool.stamps[0], '"source":"0000000000000000"'))
    assert not install_tools._reports_version(binary_path(), edited)


def test_an_address_in_use_fails_with_a_clear_message(simulator):
    address = urlparse(simulator.url).netloc
    proc = subprocess.run([str(binary_path()), "--listen", address], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert f"simulator: cannot listen on {address}" in proc.stderr and "address already in use" in proc.stderr


def test_only_loopback_addresses_are_served():
    proc = subprocess.run([str(binary_path()), "--listen", "0.0.0.0:0"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "only a loopback IP address is allowed" in proc.stderr


def test_it_removes_its_temporary_directory_on_stdin_eof_and_on_sigterm(tmp_path):
    with Simulator() as sim:
        folder = sim.ca_file.parent
        assert sim.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert not folder.exists()

    # Everything it writes is in one folder under TMPDIR, gone after SIGTERM; nothing goes to HOME.
    temp, home = tmp_path / "tmp", tmp_path / "home"
    temp.mkdir(), home.mkdir()
    env = {"PATH": "", "TMPDIR": str(temp), "HOME": str(home)}
    proc = subprocess.Popen([str(binary_path())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    announced = json.loads(proc.stdout.readline())
    assert Path(announced["ca_file"]).parent.parent == temp
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    proc.stdin.close()
    proc.stdout.close()
    assert list(temp.iterdir()) == [] and list(home.iterdir()) == []


def test_unimplemented_calls_are_answered_501_and_recorded_as_errors(simulator):
    token = new_token()
    status, _ = simulator.api("GET", "/api/2.0/no-such-api", token=token)
    assert status == 501
    assert any(e.startswith("No handler for URL: /api/2.0/no-such-api") for e in simulator.errors())
    assert simulator.requests(token)[-1].path == "/api/2.0/no-such-api"


def test_each_token_has_its_own_workspace_and_identity(simulator):
    user, principal = new_token(), new_token("service_principal")
    assert simulator.user_name(user) == "tester@databricks.com"
    assert simulator.user_name(principal) != simulator.user_name(user)
    simulator.api("POST", "/api/2.0/workspace/mkdirs", token=user, body={"path": "/Workspace/only-here"})
    assert "/Workspace/only-here" in simulator.inventory(user).workspace_paths
    assert "/Workspace/only-here" not in simulator.inventory(principal).workspace_paths


def test_https_to_any_host_is_served_through_the_proxy_with_the_simulators_ca(simulator):
    token = new_token()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"https": simulator.url}),
        urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=simulator.ca_file)),
    )
    request = urllib.request.Request("https://adb-42.4.azuredatabricks.net/api/2.0/preview/scim/v2/Me")
    request.add_header("Authorization", f"Bearer {token}")
    with opener.open(request, timeout=30) as response:
        assert json.loads(response.read())["userName"] == simulator.user_name(token)
    assert [r.host for r in simulator.requests(token)][-2:] == [
        "adb-42.4.azuredatabricks.net",
        urlparse(simulator.url).netloc,
    ]


def test_ci_credentials_choose_identity_and_workspace_by_client_id(simulator, tmp_path):
    """Entra ID client secrets (azure hosts) and Databricks OAuth M2M get the client id as their token."""
    client = SERVICE_PRINCIPAL_PREFIX + "0123abcd"
    sp_name = simulator.user_name(client)
    flows = {
        "https://adb-7.7.azuredatabricks.net": {
            "ARM_TENANT_ID": "tenant-1",
            "ARM_CLIENT_ID": client,
            "ARM_CLIENT_SECRET": "dummy",
        },
        "https://oauth-ws.cloud.databricks.com": {"DATABRICKS_CLIENT_ID": client, "DATABRICKS_CLIENT_SECRET": "dummy"},
    }
    for host, credentials in flows.items():
        result = run_cli(
            ["current-user", "me", "-o", "json"],
            workspace=simulator,
            home=tmp_path / urlparse(host).hostname,
            cwd=tmp_path,
            credentials={"DATABRICKS_HOST": host, **credentials},
        )
        assert result.returncode == 0, result.output
        assert json.loads(result.stdout)["userName"] == sp_name
        assert urlparse(host).hostname in {r.host for r in simulator.requests(client)}
    token_calls = {(r.host, r.path) for r in simulator.requests() if r.path.endswith("/token")}
    assert ("login.microsoftonline.com", "/tenant-1/oauth2/token") in token_calls
    assert any(path == "/oidc/v1/token" for _, path in token_calls)


def test_oidc_token_exchange_accepts_only_tokens_its_ci_issuers_issued(simulator, tmp_path):
    """Workload identity federation: github-oidc, azure-devops-oidc and env-oidc get an OIDC token from the
    stand-in CI issuers and exchange it for the client id; a token from anywhere else is refused."""
    client = SERVICE_PRINCIPAL_PREFIX + "0bc1d"
    host = "https://federated-ws.cloud.databricks.com"
    audience = f"{host}/oidc/v1/token"
    flows = {
        "github-oidc": {"DATABRICKS_TOKEN_AUDIENCE": audience, **simulator.ci_oidc_env("github")},
        "azure-devops-oidc": {"SYSTEM_ACCESSTOKEN": "dummy", **simulator.ci_oidc_env("azure_devops")},
        "env-oidc": {"DATABRICKS_OIDC_TOKEN": simulator.gitlab_id_token(audience)},
    }
    earlier = len(simulator.oidc_events())  # the session's simulator also serves other tests' exchanges
    for auth_type, credentials in flows.items():
        env = {"DATABRICKS_HOST": host, "DATABRICKS_AUTH_TYPE": auth_type, "DATABRICKS_CLIENT_ID": client}
        result = run_cli(
            ["current-user", "me", "-o", "json"],
            workspace=simulator,
            home=tmp_path / auth_type,
            cwd=tmp_path,
            credentials={**env, **credentials},
        )
        assert result.returncode == 0, result.output
        assert json.loads(result.stdout)["userName"] == simulator.user_name(client)
    exchanged = {(e.issuer, e.audience) for e in simulator.oidc_events()[earlier:] if e.event == "exchanged"}
    assert exchanged == {
        ("https://token.actions.githubusercontent.com", audience),
        ("https://vstoken.dev.azure.com/00000000-0000-0000-0000-000000000000", "api://AzureADTokenExchange"),
        ("https://gitlab.com", audience),
    }
    # A well-formed token the simulator did not issue, and a GitHub token request without the job's request token.
    forged = simulator.gitlab_id_token(audience)[:-8] + "AAAAAAA."
    refused = run_cli(
        ["current-user", "me"],
        workspace=simulator,
        home=tmp_path / "forged",
        cwd=tmp_path,
        credentials={**env, "DATABRICKS_AUTH_TYPE": "env-oidc", "DATABRICKS_OIDC_TOKEN": forged},
    )
    assert refused.returncode != 0 and "not issued by a simulated CI issuer" in refused.output
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(f"{simulator.url}/__oidc/github/token?audience=x", timeout=30)
        raise AssertionError("a token was issued without a request token")
    except urllib.error.HTTPError as error:
        assert error.code == 401
