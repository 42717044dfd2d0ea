"""Point a Databricks model serving endpoint at the champion, and keep it there.

`serve_champion` is what the ModelServing notebook (deployment/model_serving/notebooks/) calls after
ModelDeployment has moved `champion`. On first use it creates the endpoint (serverless, one served
entity, 100 % of the traffic to it); afterwards it points that entity at the new champion version.
Then it grants the read group CAN_QUERY and sends a smoke request with a row of sample data. If the
smoke request fails, the endpoint goes back to exactly what it served before and the task fails
with the response (`SmokeTestFailed`).

The endpoint is created here rather than declared in the bundle: a bundle's serving endpoint must
name a model version, and on the first deployment no version exists yet. `bundle destroy` therefore
leaves the endpoint in place: delete it with `databricks serving-endpoints delete <name>` (see
deployment/model_serving/README.md).

The functions before `serve_champion` only build values; the generated tests check them without a
workspace.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.serving import (
    AiGatewayConfig,
    AiGatewayInferenceTableConfig,
    EndpointCoreConfigInput,
    EndpointCoreConfigOutput,
    EndpointTag,
    Route,
    ServedEntityInput,
    ServingEndpointAccessControlRequest,
    ServingEndpointAccessControlResponse,
    ServingEndpointDetailed,
    ServingEndpointPermissionLevel,
    TrafficConfig,
)

from .smoke import SmokeTestFailed, smoke_test

# The target whose endpoint stays warm; every other target's endpoint scales to zero when idle.
PRODUCTION_TARGET = "prod"
# Concurrency of the served entity: Small serves up to 4 requests at once; raise it for more.
WORKLOAD_SIZE = "Small"
# Tag on the endpoint (and so on its billing records) naming the project's code that manages it.
MANAGED_BY_TAG = EndpointTag(key="managed_by", value="deployment/model_serving")
_ENDPOINT_NAME = re.compile(r"[A-Za-z0-9_-]+")
# Levels that already include querying.
_QUERY_OR_MORE = {
    ServingEndpointPermissionLevel.CAN_QUERY,
    ServingEndpointPermissionLevel.CAN_MANAGE,
}
# The fields of a served entity that say what it serves and how: copied when rolling back.
_SERVED_ENTITY_FIELDS = (
    "entity_name",
    "entity_version",
    "name",
    "workload_size",
    "workload_type",
    "scale_to_zero_enabled",
    "environment_vars",
    "instance_profile_arn",
    "min_provisioned_concurrency",
    "max_provisioned_concurrency",
)


def check_endpoint_name(name: str) -> str:
    """`name`, if it is a valid endpoint name (letters, digits, - and _)."""
    if not _ENDPOINT_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a serving endpoint name: use letters, digits, - and _ only "
            "(set the bundle variable serving_endpoint_name)."
        )
    return name


def scales_to_zero(env: str) -> bool:
    """Scale to zero when idle everywhere but production (cheaper; the first request after an idle
    spell waits for the endpoint to start)."""
    return env != PRODUCTION_TARGET


def served_entity_name(model_name: str, version: str) -> str:
    """The served entity's name: the model's own name (without catalog and schema) and version."""
    leaf = model_name.rsplit(".", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{leaf}-{version}")


def endpoint_config(
    endpoint_name: str, model_name: str, version: str, env: str
) -> EndpointCoreConfigInput:
    """The endpoint's configuration serving `version` of `model_name` (a Unity Catalog model),
    with all the traffic."""
    entity = ServedEntityInput(
        entity_name=model_name,
        entity_version=str(version),
        name=served_entity_name(model_name, str(version)),
        workload_size=WORKLOAD_SIZE,
        scale_to_zero_enabled=scales_to_zero(env),
    )
    return EndpointCoreConfigInput(
        name=check_endpoint_name(endpoint_name),
        served_entities=[entity],
        traffic_config=TrafficConfig(
            routes=[Route(served_entity_name=entity.name, traffic_percentage=100)]
        ),
    )


def inference_table_config(schema: str, endpoint_name: str) -> AiGatewayInferenceTableConfig:
    """AI Gateway inference tables in `schema` ("catalog.schema"): every request and response is
    logged to <prefix>_payload, the prefix being the endpoint name in lower case, - written _."""
    catalog_name, _, schema_name = schema.partition(".")
    if not catalog_name or not schema_name or "." in schema_name:
        raise ValueError(f"inference_tables_schema must be catalog.schema, not {schema!r}")
    return AiGatewayInferenceTableConfig(
        catalog_name=catalog_name,
        schema_name=schema_name,
        table_name_prefix=re.sub(r"[^a-z0-9_]", "_", endpoint_name.lower()),
        enabled=True,
    )


def served_versions(config: EndpointCoreConfigOutput | None) -> list[str]:
    """The model versions an endpoint configuration serves."""
    entities = (config.served_entities if config else None) or []
    return [str(e.entity_version) for e in entities]


def is_serving(config: EndpointCoreConfigOutput | None, wanted: EndpointCoreConfigInput) -> bool:
    """Whether the endpoint already serves exactly what `wanted` asks for (nothing to update)."""
    current = (config.served_entities if config else None) or []
    key = ("entity_name", "entity_version", "workload_size", "scale_to_zero_enabled")
    return [tuple(getattr(e, k) for k in key) for e in current] == [
        tuple(getattr(e, k) for k in key) for e in wanted.served_entities or []
    ]


def rollback_config(
    endpoint_name: str, previous: EndpointCoreConfigOutput | None, new_version: str
) -> EndpointCoreConfigInput | None:
    """The rollback rule: after a failed smoke request, the endpoint goes back to exactly what it
    served before (its served entities and traffic split). None when there is nothing to go back
    to: the endpoint was just created, or it already served `new_version` before."""
    entities = (previous.served_entities if previous else None) or []
    if not entities or all(str(e.entity_version) == str(new_version) for e in entities):
        return None
    return EndpointCoreConfigInput(
        name=endpoint_name,
        served_entities=[
            ServedEntityInput(**{f: getattr(e, f) for f in _SERVED_ENTITY_FIELDS}) for e in entities
        ],
        traffic_config=previous.traffic_config,
    )


def query_grant(
    acl: list[ServingEndpointAccessControlResponse], group: str
) -> list[ServingEndpointAccessControlRequest] | None:
    """The endpoint's direct permissions with CAN_QUERY added for `group`, for a PUT that replaces
    them; None if the group can already query. Inherited permissions are not repeated."""
    direct: list[ServingEndpointAccessControlRequest] = []
    for entry in acl:
        for permission in entry.all_permissions or []:
            if permission.inherited:
                continue
            if entry.group_name == group and permission.permission_level in _QUERY_OR_MORE:
                return None
            if entry.group_name == group:
                continue  # replaced by CAN_QUERY below
            direct.append(
                ServingEndpointAccessControlRequest(
                    user_name=entry.user_name,
                    group_name=entry.group_name,
                    service_principal_name=entry.service_principal_name,
                    permission_level=permission.permission_level,
                )
            )
    return [
        *direct,
        ServingEndpointAccessControlRequest(
            group_name=group, permission_level=ServingEndpointPermissionLevel.CAN_QUERY
        ),
    ]


@dataclass
class ServingOutcome:
    endpoint_name: str
    model_name: str
    model_version: str
    action: str  # created, updated or unchanged
    previous_versions: list[str]
    predictions: list[float]


def _existing(w: WorkspaceClient, name: str) -> ServingEndpointDetailed | None:
    try:
        return w.serving_endpoints.get(name)
    except NotFound:
        return None


def _apply(w: WorkspaceClient, config: EndpointCoreConfigInput) -> None:
    """Replace the endpoint's served entities and traffic, and wait until the update is done (on
    Databricks a failed update leaves the previous configuration serving)."""
    w.serving_endpoints.update_config_and_wait(
        config.name,
        served_entities=config.served_entities,
        traffic_config=config.traffic_config,
    )


def _ensure_inference_tables(
    w: WorkspaceClient,
    endpoint: ServingEndpointDetailed,
    wanted: AiGatewayInferenceTableConfig,
) -> None:
    """Turn the endpoint's inference tables on where they are off; keep every other AI Gateway
    setting. Tables already on elsewhere stay: moving them means turning them off first."""
    gateway = endpoint.ai_gateway or AiGatewayConfig()
    current = gateway.inference_table_config
    if current is not None and current.enabled:
        return
    w.serving_endpoints.put_ai_gateway(
        endpoint.name,
        fallback_config=gateway.fallback_config,
        guardrails=gateway.guardrails,
        inference_table_config=wanted,
        rate_limits=gateway.rate_limits,
        usage_tracking_config=gateway.usage_tracking_config,
    )


def serve_champion(
    w: WorkspaceClient,
    endpoint_name: str,
    model_name: str,
    version: str,
    env: str,
    query_user_group: str,
    inference_tables_schema: str,
    records: list[dict[str, Any]],
    query: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None,
) -> ServingOutcome:
    """Create or update `endpoint_name` to serve `version` of `model_name`, let
    `query_user_group` query it, and smoke-test it with `records`.

    `query(records)` sends the scoring request (default: the endpoint's REST API through the SDK)
    and returns the response body. `inference_tables_schema` "" leaves inference tables off.
    """
    version = str(version)
    wanted = endpoint_config(endpoint_name, model_name, version, env)
    tables = (
        inference_table_config(inference_tables_schema, endpoint_name)
        if inference_tables_schema
        else None
    )
    endpoint = _existing(w, endpoint_name)
    previous = endpoint.config if endpoint else None
    if endpoint is None:
        endpoint = w.serving_endpoints.create_and_wait(
            endpoint_name,
            config=wanted,
            ai_gateway=AiGatewayConfig(inference_table_config=tables) if tables else None,
            tags=[MANAGED_BY_TAG],
        )
        action = "created"
    else:
        action = "unchanged" if is_serving(previous, wanted) else "updated"
        if action == "updated":
            _apply(w, wanted)
        if tables is not None:
            _ensure_inference_tables(w, endpoint, tables)
    grant = query_grant(
        w.serving_endpoints.get_permissions(endpoint.id).access_control_list or [],
        query_user_group,
    )
    if grant is not None:
        w.serving_endpoints.set_permissions(endpoint.id, access_control_list=grant)

    def sdk_query(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return w.serving_endpoints.query(endpoint_name, dataframe_records=rows).as_dict()

    try:
        predictions = smoke_test(query or sdk_query, records)
    except SmokeTestFailed as failure:
        back = rollback_config(endpoint_name, previous, version)
        if back is not None:
            _apply(w, back)
            where = f"the endpoint is back on version(s) {', '.join(served_versions(previous))}"
        else:
            where = "there was no earlier version to go back to: the endpoint keeps this one"
        raise SmokeTestFailed(
            f"{endpoint_name} serving {model_name} version {version}: {failure}; {where}."
        ) from failure
    return ServingOutcome(
        endpoint_name, model_name, version, action, served_versions(previous), predictions
    )
