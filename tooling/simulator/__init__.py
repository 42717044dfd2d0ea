"""The Databricks CLI's own workspace simulator, served on 127.0.0.1 by our Go program (tooling/simulator/main.go,
built by `python -m tooling.install_tools` into .tools/bin/simulator), and the environment to run the CLI
against it.

    with Simulator() as sim:
        token = sim.new_token()                      # a fresh, isolated workspace, as the test user
        env = sim.cli_env(home, token=token)         # run `databricks ...` with this environment
        sim.inventory(token)                         # what that workspace holds now
        sim.fault(token, "POST /api/2.2/jobs/create", 500)

Workspaces are isolated per token: the simulator keeps one in-memory workspace per token (without its identity
prefix). A token starting with `dbapi0` is the test user (tester@databricks.com), `dbapi1` a service principal.
Every host is served here: the CLI's proxies point at the simulator, which terminates HTTPS for any host with a
certificate from its own throwaway CA (SSL_CERT_FILE), so bundle targets with real-looking hosts work and nothing
leaves 127.0.0.1. OAuth M2M (DATABRICKS_CLIENT_ID/SECRET) and Entra ID client secrets (ARM_CLIENT_ID/...) get
the client id back as their access token: a client id like `dbapi1<hex>` selects identity and workspace. So do
OIDC token exchanges (workload identity federation) of tokens from the simulator's stand-in CI issuers
(ci_oidc_env, gitlab_id_token; oidc_events lists what was issued and exchanged).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tooling.paths import TOOLS_BIN

USER_PREFIX = "dbapi0"  # the simulator's test user
SERVICE_PRINCIPAL_PREFIX = "dbapi1"  # the simulator's service principal
_STARTUP_SECONDS = 30
# Variables of the caller's environment that would point the CLI at a real workspace or identity.
_CREDENTIAL_PREFIXES = ("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "BUNDLE_VAR_")


class SimulatorError(RuntimeError):
    pass


@dataclass(frozen=True)
class Request:
    """One request the simulator served (its own /__ endpoints are not recorded)."""

    method: str
    host: str  # the tunnelled host for HTTPS through the proxy, else 127.0.0.1:<port>
    path: str
    status: int
    token: str  # the bearer token, "" without one


@dataclass(frozen=True)
class OidcEvent:
    """A CI OIDC token the simulator issued ("issued"), or one exchanged at a workspace's /oidc/v1/token
    ("exchanged", with the client id it was exchanged for and that workspace's host)."""

    event: str
    issuer: str
    audience: str
    client_id: str
    host: str


@dataclass(frozen=True)
class Inventory:
    """What one simulated workspace holds: the keys of each of its collections (Jobs, Experiments,
    RegisteredModels, Grants, Permissions, Monitors, ...) and every workspace path."""

    collections: dict[str, list[str]]
    workspace_paths: list[str]

    def under(self, folder: str) -> list[str]:
        folder = folder.rstrip("/")
        return [p for p in self.workspace_paths if p == folder or p.startswith(folder + "/")]


def binary_path() -> Path:
    path = TOOLS_BIN / "simulator"
    if not path.exists():
        raise SimulatorError(f"{path} is missing: run `python -m tooling.install_tools simulator` first")
    return path


def new_token(identity: str = "user") -> str:
    """A token no one has used yet, so a workspace of its own: identity "user" or "service_principal"."""
    prefix = {"user": USER_PREFIX, "service_principal": SERVICE_PRINCIPAL_PREFIX}[identity]
    return prefix + uuid.uuid4().hex


class Simulator:
    """The simulator process. Start with `with Simulator() as sim:` (or start()/stop())."""

    def __init__(self, binary: Path | None = None):
        self._binary = binary
        self._proc: subprocess.Popen | None = None
        self._log_dir: tempfile.TemporaryDirectory | None = None
        self.url = ""
        self.ca_file = Path()
        self.token = ""  # the default token of cli_env, made at start

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- process ------------------------------------------------------------------------------------------------
    def start(self) -> Simulator:
        binary = self._binary or binary_path()
        self._log_dir = tempfile.TemporaryDirectory(prefix="simulator-log-")
        log = open(Path(self._log_dir.name) / "stderr.log", "wb")  # noqa: SIM115 - the child writes it
        try:
            self._proc = subprocess.Popen(
                [str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env={"PATH": ""}
            )
        finally:
            log.close()
        line = self._first_line()
        if not line:
            self._proc.wait(timeout=10)
            message = self.log_text().strip() or f"exit code {self._proc.returncode}"
            self.stop()
            raise SimulatorError(f"the workspace simulator did not start: {message}")
        announced = json.loads(line)
        self.url, self.ca_file = announced["url"], Path(announced["ca_file"])
        self.token = new_token()
        return self

    def _first_line(self) -> str:
        assert self._proc and self._proc.stdout
        found: list[bytes] = []
        reader = threading.Thread(target=lambda: found.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(_STARTUP_SECONDS)
        return found[0].decode().strip() if found else ""

    def stop(self) -> None:
        """Close the simulator's stdin (it exits and removes its temporary directory); kill it if it hangs."""
        if self._proc:
            if self._proc.stdin:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
        if self._log_dir:
            self._log_dir.cleanup()
            self._log_dir = None

    def log_text(self) -> str:
        """What the simulator logged on stderr (its errors and log lines)."""
        if not self._log_dir:
            return ""
        return (Path(self._log_dir.name) / "stderr.log").read_text(errors="replace")

    # --- the CLI's environment ----------------------------------------------------------------------------------
    def cli_env(
        self,
        home: Path,
        *,
        token: str | None = None,
        credentials: dict[str, str] | None = None,
        base: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """Environment for the Databricks CLI (or SDK) against the simulator, isolated from the user's own
        configuration: HOME is `home`, a private cache, telemetry and update checks off, every proxy pointing at
        the simulator. Authenticates with DATABRICKS_HOST=<simulator> and `token` (default: self.token), or, if
        `credentials` is given, with exactly those variables (e.g. a CI step's ARM_* or DATABRICKS_CLIENT_*,
        the host then coming from the bundle target)."""
        env = {k: v for k, v in (base or {}).items() if not k.startswith(_CREDENTIAL_PREFIXES)}
        home.mkdir(parents=True, exist_ok=True)
        env.update(
            HOME=str(home),
            DATABRICKS_CONFIG_FILE=str(home / ".databrickscfg-unused"),
            DATABRICKS_CACHE_DIR=str(home / ".databricks-cache"),
            DATABRICKS_CLI_DISABLE_TELEMETRY="1",
            DATABRICKS_CLI_DISABLE_UPDATE_CHECK="true",
            # The SDK's client-side limit (15 requests/s by default, httpclient/api_client.go) spaces out a bundle's
            # file uploads for the real service's sake; the local simulator needs no such politeness.
            DATABRICKS_RATE_LIMIT="1000",
            # Every connection goes through the simulator; nothing reaches the network.
            HTTP_PROXY=self.url,
            HTTPS_PROXY=self.url,
            http_proxy=self.url,
            https_proxy=self.url,
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            SSL_CERT_FILE=str(self.ca_file),
            REQUESTS_CA_BUNDLE=str(self.ca_file),
        )
        if credentials is None:
            env.update(DATABRICKS_HOST=self.url, DATABRICKS_TOKEN=token or self.token)
        else:
            env.update(credentials)
        return env

    # --- the simulator's API ------------------------------------------------------------------------------------
    def api(
        self, method: str, path: str, *, token: str | None = None, body: Any = None, query: dict | None = None
    ) -> tuple[int, Any]:
        """Call the simulator (a workspace API or one of its own endpoints); returns (status, parsed JSON body)."""
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Bearer {token or self.token}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw.strip() else None
        except json.JSONDecodeError:
            return status, raw.decode(errors="replace")

    def _get(self, path: str, token: str | None = None) -> Any:
        status, body = self.api("GET", path, token=token)
        if status != 200:
            raise SimulatorError(f"GET {path}: {status} {body}")
        return body

    def requests(self, token: str | None = None) -> list[Request]:
        """Every request served so far (only those with `token`, if given), in order."""
        found = [Request(**r) for r in self._get("/__simulator/requests")["requests"]]
        return [r for r in found if token is None or r.token == token]

    def errors(self) -> list[str]:
        """Errors the simulator reported, e.g. "No handler for URL: ..." for an API it does not implement."""
        return list(self._get("/__simulator/errors")["errors"])

    def inventory(self, token: str | None = None) -> Inventory:
        body = self._get("/__simulator/inventory", token)
        return Inventory(body["collections"], body["workspace_paths"] or [])

    # --- CI platforms' OIDC tokens (workload identity federation) ---------------------------------------------
    def oidc_events(self) -> list[OidcEvent]:
        """Every OIDC token the stand-in CI issuers gave out, and every one exchanged for a Databricks token."""
        return [OidcEvent(**e) for e in self._get("/__simulator/oidc")["events"] or []]

    def ci_oidc_env(self, platform: str) -> dict[str, str]:
        """What a CI platform itself gives a job that may request OIDC tokens, pointed at the stand-in issuers:
        GitHub Actions sets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN in jobs with `id-token: write`; Azure DevOps
        sets the SYSTEM_* variables the Go SDK's azure-devops-oidc reads (config/experimental/auth/oidc/
        azuredevops.go) in every step, System.AccessToken being mapped by the pipeline itself."""
        if platform == "github":
            return {
                "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.url}/__oidc/github/token?api-version=2.0",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "simulated-request-token",
            }
        if platform == "azure_devops":
            return {
                "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": f"{self.url}/__oidc/ado",
                "SYSTEM_TEAMPROJECTID": str(uuid.uuid4()),
                "SYSTEM_HOSTTYPE": "build",
                "SYSTEM_PLANID": str(uuid.uuid4()),
                "SYSTEM_JOBID": str(uuid.uuid4()),
            }
        raise ValueError(f"no OIDC environment for {platform}")

    def gitlab_id_token(self, audience: str) -> str:
        """A token as GitLab writes it into a job's id_tokens variable, for `audience`."""
        status, body = self.api("GET", "/__oidc/gitlab/token", query={"aud": audience}, token="simulated-runner")
        if status != 200:
            raise SimulatorError(f"GitLab stand-in issuer: {status} {body}")
        return body["value"]

    def user_name(self, token: str | None = None) -> str:
        """The identity behind `token`, as the workspace reports it (SCIM Me)."""
        return self._get("/api/2.0/preview/scim/v2/Me", token)["userName"]

    def fault(self, token: str, pattern: str, status: int, body: str = "", *, times: int = 1, offset: int = 0) -> None:
        """Answer the next `times` requests matching `pattern` ("METHOD /path", a trailing * is a wildcard) made
        with `token` with `status` and `body`, after letting `offset` of them through."""
        rule = {"pattern": pattern, "status_code": status, "body": body, "times": times, "offset": offset}
        status_code, answer = self.api("POST", "/__testserver/fault", token=token, body=rule)
        if status_code != 200:
            raise SimulatorError(f"fault rule refused: {status_code} {answer}")

    def clear_fault(self, token: str, pattern: str) -> None:
        self.fault(token, pattern, 200, times=0)
