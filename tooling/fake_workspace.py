"""A tiny stand-in for a Databricks workspace, served on 127.0.0.1 only.

`databricks bundle init` insists on workspace credentials even for a local template, and recent CLIs
probe `<host>/.well-known/databricks-config` when they build a client. `bundle validate` additionally
asks who the current user is and whether the bundle's workspace folder exists. This server answers
exactly those calls, records every request, and answers anything else with 501 so a test notices.

It is also an HTTPS proxy: a bundle target with `workspace.host: https://adb-123.azuredatabricks.net`
makes the CLI connect to that host; with HTTPS_PROXY pointing here, the CONNECT tunnel is terminated
locally with a certificate for that host name, signed by a throwaway CA that the CLI trusts through
SSL_CERT_FILE. Nothing ever leaves 127.0.0.1.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

CURRENT_USER = "data.scientist@example.com"


@dataclass
class Request:
    method: str
    host: str
    path: str


@dataclass
class _State:
    requests: list[Request] = field(default_factory=list)
    unexpected: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _CertificateAuthority:
    """Creates a CA on start and a leaf certificate per requested host name, on demand."""

    def __init__(self, folder: Path):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._x509, self._hashes, self._serialization, self._ec, self._oid = x509, hashes, serialization, ec, NameOID
        self.folder = folder
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mlops-stacks test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def context_for(self, host: str) -> ssl.SSLContext:
        with self._lock:
            if host not in self._contexts:
                self._contexts[host] = self._make_context(host)
            return self._contexts[host]

    def _make_context(self, host: str) -> ssl.SSLContext:
        x509, ser = self._x509, self._serialization
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        try:
            alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            alt = x509.DNSName(host)
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(self._oid.COMMON_NAME, host[:64])]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .sign(self._key, self._hashes.SHA256())
        )
        safe = "".join(c if c.isalnum() else "_" for c in host)
        cert_file, key_file = self.folder / f"{safe}.crt", self.folder / f"{safe}.key"
        cert_file.write_bytes(cert.public_bytes(ser.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_file, key_file)
        return ctx


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    tunnel_host: str | None = None

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr logging
        pass

    # --- proxy -------------------------------------------------------------------------------
    def do_CONNECT(self):  # noqa: N802
        host = self.path.rsplit(":", 1)[0]
        if self.server.ca is None:
            self.send_error(501, "this fake workspace was started without HTTPS support")
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        try:
            tls = self.server.ca.context_for(host).wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        handler_cls = type("_TunnelHandler", (_Handler,), {"tunnel_host": host})
        handler_cls(tls, self.client_address, self.server)
        self.close_connection = True

    # --- workspace API -------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_HEAD(self):  # noqa: N802
        self._dispatch("HEAD")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlparse(self.path)
        host = self.tunnel_host or self.headers.get("Host", "")
        req = Request(method, host, url.path)
        with self.server.state.lock:
            self.server.state.requests.append(req)
        route = (method, url.path)
        if route == ("GET", "/.well-known/databricks-config"):
            base = f"https://{host}" if self.tunnel_host else f"http://{host}"
            self._json(200, {"oidc_endpoint": f"{base}/oidc", "workspace_id": "1234567890"})
        elif route == ("GET", "/api/2.0/preview/scim/v2/Me"):
            self._json(
                200,
                {
                    "id": "1000",
                    "userName": CURRENT_USER,
                    "displayName": "Data Scientist",
                    "active": True,
                    "groups": [{"display": "users"}],
                },
            )
        elif route == ("GET", "/api/2.0/workspace/get-status"):
            path = parse_qs(url.query).get("path", ["/"])[0]
            self._json(200, {"object_type": "DIRECTORY", "path": path, "object_id": 1})
        elif route == ("POST", "/api/2.0/workspace/mkdirs"):
            self._json(200, {})
        elif route == ("POST", "/telemetry-ext"):
            self._json(200, {"errors": [], "numProtoSuccess": 1})
        else:
            with self.server.state.lock:
                self.server.state.unexpected.append(req)
            self._json(
                501, {"error_code": "NOT_IMPLEMENTED", "message": f"fake workspace: no route {method} {url.path}"}
            )

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ca: _CertificateAuthority | None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State()
        self.ca = ca


class FakeWorkspace:
    """Start with `with FakeWorkspace() as ws:`; `ws.cli_env(home)` gives the CLI's environment."""

    def __init__(self, https: bool = True):
        self._https = https
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._server: _Server | None = None

    def __enter__(self) -> FakeWorkspace:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> FakeWorkspace:
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-workspace-")
        ca = None
        if self._https:
            try:
                ca = _CertificateAuthority(Path(self._tmp.name))
            except ImportError:  # `cryptography` missing: plain HTTP only (enough for bundle init)
                ca = None
        self._server = _Server(ca)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._tmp:
            self._tmp.cleanup()

    @property
    def url(self) -> str:
        assert self._server
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[Request]:
        assert self._server
        with self._server.state.lock:
            return list(self._server.state.requests)

    @property
    def unexpected_requests(self) -> list[Request]:
        assert self._server
        with self._server.state.lock:
            return list(self._server.state.unexpected)

    def cli_env(self, home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for running the Databricks CLI against this stand-in, isolated from the user's
        own ~/.databrickscfg and cache."""
        env = {k: v for k, v in (base or {}).items() if not k.startswith(("DATABRICKS_", "ARM_", "BUNDLE_VAR_"))}
        home.mkdir(parents=True, exist_ok=True)
        env.update(
            HOME=str(home),
            DATABRICKS_HOST=self.url,
            DATABRICKS_TOKEN="dapi-local-stand-in",
            DATABRICKS_CONFIG_FILE=str(home / ".databrickscfg-unused"),
            DATABRICKS_CACHE_DIR=str(home / ".databricks-cache"),
            DATABRICKS_CLI_DISABLE_TELEMETRY="1",
            DATABRICKS_CLI_DISABLE_UPDATE_CHECK="true",
            # Every other connection goes through this server too; nothing reaches the network.
            HTTP_PROXY=self.url,
            HTTPS_PROXY=self.url,
            http_proxy=self.url,
            https_proxy=self.url,
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
        )
        if self._server and self._server.ca:
            env["SSL_CERT_FILE"] = str(self._server.ca.ca_file)
        return env
