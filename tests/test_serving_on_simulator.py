"""Slow tier: the model-serving task's SDK calls (src/<package>/serving/endpoint.py `serve_champion`) against the
Databricks CLI's workspace simulator, which implements serving endpoints (create, get, update config, AI Gateway)
and their permissions, with the parameters the bundle's dev target gives the ModelServing task.

Three champions in a row, as three runs of the training job would serve them: the first creates the endpoint, the
second updates it, the third fails its smoke request and is rolled back. The simulator does not run models, so it
has no scoring API (POST /serving-endpoints/<name>/invocations, which its fault rules cannot answer either: they
apply only to routes it has): for the first two runs the smoke request goes to a stand-in that answers with a
canned prediction (`query=`, serve_champion's own parameter); the third goes through the SDK to the simulator,
which leaves it unanswered (501): a failed smoke request. What only a workspace can show is listed in the
generated deployment/model_serving/README.md and the README: building and starting the model's container, the real
scoring answer, scale to zero, inference tables filling up.

The run prints how long each serve_champion call took on the simulator (create, update, rollback); nothing is
asserted about the times.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from bundle_expectations import expected_endpoint_name, params
from deployments import Deployment
from matrix import REPRESENTATIVE, by_id

from tooling.simulator import new_token

SERVING = next(cid for cid, _ in REPRESENTATIVE if by_id(cid)["input_include_model_serving"] == "yes")
SCRIPT = '''
"""Serve three versions in a row; print what the endpoint looked like after each."""
import json
import sys
import time

from databricks.sdk import WorkspaceClient

from {package}.serving.endpoint import serve_champion
from {package}.serving.smoke import SmokeTestFailed

job = json.loads(sys.argv[1])
records = [{{"trip_distance": 2.5, "pickup_zip": 10001, "dropoff_zip": 10003}}]
w = WorkspaceClient()
steps = {{}}
def served_model(rows):
    """Stand-in for a model the simulator cannot run: one prediction per row."""
    return {{"predictions": [12.5 for _ in rows]}}


for step, version, query in (("create", "1", served_model), ("update", "2", served_model), ("rollback", "3", None)):
    started = time.monotonic()
    try:
        outcome = serve_champion(
            w, job["endpoint_name"], job["model_name"], version, job["env"], job["query_user_group"],
            job["inference_tables_schema"], records, query=query,
        )
        result = {{"action": outcome.action, "previous": outcome.previous_versions, "predictions": outcome.predictions}}
    except SmokeTestFailed as failure:
        result = {{"failed": str(failure)}}
    result["seconds"] = round(time.monotonic() - started, 3)
    endpoint = w.serving_endpoints.get(job["endpoint_name"])
    result["served"] = [e.entity_version for e in endpoint.config.served_entities]
    result["routes"] = [[r.served_entity_name, r.traffic_percentage] for r in endpoint.config.traffic_config.routes]
    result["scale_to_zero"] = [e.scale_to_zero_enabled for e in endpoint.config.served_entities]
    table = endpoint.ai_gateway.inference_table_config if endpoint.ai_gateway else None
    result["inference_tables"] = table.as_dict() if table else None
    acl = w.serving_endpoints.get_permissions(endpoint.id).access_control_list or []
    result["acl"] = sorted(
        [a.group_name or a.user_name or a.service_principal_name, p.permission_level.value]
        for a in acl for p in (a.all_permissions or []) if not p.inherited
    )
    steps[step] = result
print(json.dumps(steps))
'''


@pytest.mark.slow
def test_serving_creates_the_endpoint_updates_it_and_rolls_back_a_failed_smoke_request(
    rendered, simulator, project_python, tmp_path
):
    combo = by_id(SERVING)
    token = new_token()
    deployment = Deployment(simulator, token, rendered(combo).project, tmp_path, "dev")
    config = json.loads(deployment.ok("bundle", "validate", "-o", "json").stdout)
    job = params(config["resources"]["jobs"]["model_training_job"], "ModelServing")
    user = simulator.user_name(token)
    endpoint = expected_endpoint_name(combo, "dev", user)
    assert job["endpoint_name"] == endpoint
    job["model_name"] = (
        f"{config['variables']['catalog_name']['value']}.{combo['input_schema_name']}."
        f"{config['resources']['registered_models']['model']['name']}"
    )
    first_request = len(simulator.requests(token))
    script = tmp_path / "serve.py"
    script.write_text(SCRIPT.format(package=combo.derived["project_package"]))
    env = simulator.cli_env(tmp_path / "sdk-home", token=token, base={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    env["PYTHONPATH"] = str(deployment.workdir / "src")
    proc = subprocess.run(
        [str(project_python), str(script), json.dumps(job)], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    steps = json.loads(proc.stdout.strip().splitlines()[-1])
    served = simulator.requests(token)[first_request:]
    print("\nserve_champion on the simulator: " + ", ".join(f"{k} {v['seconds']:.3f} s" for k, v in steps.items()))

    model, leaf = job["model_name"], job["model_name"].rsplit(".", 1)[1]
    catalog, schema = job["inference_tables_schema"].split(".")
    create, update, rollback = steps["create"], steps["update"], steps["rollback"]
    assert "failed" not in create and "failed" not in update, json.dumps(steps, indent=1)
    assert (create["action"], create["previous"], create["predictions"]) == ("created", [], [12.5])
    assert create["served"] == ["1"] and create["routes"] == [[f"{leaf}-1", 100]]
    assert create["scale_to_zero"] == [True]  # dev
    assert create["inference_tables"] == {
        "catalog_name": catalog,
        "schema_name": schema,
        "table_name_prefix": endpoint.lower().replace("-", "_"),
        "enabled": True,
    }
    # The read group may query; the deploying user keeps managing the endpoint it created.
    assert [combo["input_read_user_group"], "CAN_QUERY"] in create["acl"]
    assert (update["action"], update["previous"], update["served"]) == ("updated", ["1"], ["2"])
    assert update["routes"] == [[f"{leaf}-2", 100]]
    # The third version's smoke request fails: the endpoint serves version 2 again and the task fails with the
    # response.
    assert rollback["served"] == ["2"] and rollback["routes"] == [[f"{leaf}-2", 100]]
    assert f"{endpoint} serving {model} version 3: the scoring request failed" in rollback["failed"]
    assert "back on version(s) 2" in rollback["failed"]
    assert rollback["acl"] == create["acl"]  # granted once, not repeated

    calls = [f"{r.method} {r.path}" for r in served]
    base = f"/api/2.0/serving-endpoints/{endpoint}"
    assert calls.count("POST /api/2.0/serving-endpoints") == 1
    assert calls.count(f"PUT {base}/config") == 3  # version 2, version 3, and the rollback to 2
    assert [r.status for r in served if r.path == f"/serving-endpoints/{endpoint}/invocations"] == [501]
    # Nothing else went unanswered.
    assert [c for r, c in zip(served, calls, strict=True) if r.status == 501] == [
        f"POST /serving-endpoints/{endpoint}/invocations"
    ]
