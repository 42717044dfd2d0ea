"""The local equivalent of the serving notebook: serve the champion on 127.0.0.1 and smoke-test it.

Databricks Model Serving exists only in a workspace. Locally, MLflow's own scoring server
(`mlflow models serve`, the server MLflow builds model containers around) serves the champion from
the local registry on a free port of 127.0.0.1, answers the same smoke request the job sends to the
endpoint (`serving/smoke.py`), and is stopped. The endpoint configuration the job would apply is
reported, built by the same code (`serving/endpoint.py`); nothing is created anywhere.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..batch_inference.predict import champion_model
from ..serving.endpoint import endpoint_config
from ..serving.smoke import sample_records, smoke_test
from .tasks import LocalRun, Outcome, local_task

HOST = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 180
REQUEST_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` as JSON; the decoded JSON answer (an HTTP error's body is raised with it)."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"HTTP {error.code}: {error.read().decode(errors='replace')}") from error


@contextmanager
def scoring_server(model_uri: str, log: Path) -> Iterator[str]:
    """MLflow's scoring server for `model_uri` on 127.0.0.1, in this Python environment; yields
    its base URL once /ping answers, and stops it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "mlflow", "models", "serve", "--model-uri", model_uri]
    command += ["--env-manager", "local", "--host", HOST, "--port", str(port), "--workers", "1"]
    # MLflow starts the server as `uvicorn` from PATH: the one installed next to this Python.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    with log.open("w") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PATH": path}
        )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the scoring server exited ({server.returncode}); see {log}")
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the scoring server did not start in time; see {log}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@local_task("deployment/model_serving/notebooks/ServeModel")
def serve_model(run: LocalRun, params: dict[str, str]) -> Outcome:
    model_name = params["model_name"]
    model_uri, version = champion_model(run.client, model_name)
    records = sample_records(model_uri)
    config = endpoint_config(params["endpoint_name"], model_name, version, params["env"])
    (entity,) = config.served_entities
    started = time.monotonic()
    with scoring_server(model_uri, run.state_dir / "serving.log") as url:
        startup = time.monotonic() - started
        predictions = smoke_test(
            lambda rows: post_json(f"{url}/invocations", {"dataframe_records": rows}), records
        )
    return Outcome(
        {
            "endpoint": f"{params['endpoint_name']} (local stand-in: MLflow scoring server {url})",
            "served": f"{model_uri} = version {version}",
            "endpoint_config": (
                f"{entity.name}: {entity.workload_size}, scale to zero "
                f"{'on' if entity.scale_to_zero_enabled else 'off'}, 100 % of the traffic"
            ),
            "server_start_seconds": round(startup, 2),
            "smoke_request": records,
            "predictions": predictions,
        }
    )
