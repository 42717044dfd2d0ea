import pytest
from databricks.sdk.service.serving import (
    EndpointCoreConfigOutput,
    Route,
    ServedEntityOutput,
    ServingEndpointAccessControlResponse,
    ServingEndpointPermission,
    ServingEndpointPermissionLevel,
    TrafficConfig,
)

from my_mlops_project.serving.endpoint import (
    endpoint_config,
    inference_table_config,
    is_serving,
    query_grant,
    rollback_config,
)

MODEL = "staging.fares.taxi-model"


def served(*versions: str, traffic: list[int] | None = None) -> EndpointCoreConfigOutput:
    """An endpoint configuration as the API returns it, serving `versions`."""
    entities = [
        ServedEntityOutput(
            entity_name=MODEL,
            entity_version=v,
            name=f"taxi-model-{v}",
            workload_size="Small",
            scale_to_zero_enabled=True,
        )
        for v in versions
    ]
    shares = traffic or [100 // len(versions)] * len(versions)
    routes = [
        Route(served_entity_name=e.name, traffic_percentage=p)
        for e, p in zip(entities, shares, strict=True)
    ]
    return EndpointCoreConfigOutput(
        served_entities=entities, traffic_config=TrafficConfig(routes=routes)
    )


def test_the_config_serves_the_version_with_all_the_traffic():
    config = endpoint_config("staging-taxi", MODEL, "7", "staging")
    (entity,) = config.served_entities
    assert (entity.entity_name, entity.entity_version, entity.name) == (MODEL, "7", "taxi-model-7")
    assert [(r.served_entity_name, r.traffic_percentage) for r in config.traffic_config.routes] == [
        ("taxi-model-7", 100)
    ]


@pytest.mark.parametrize(
    ("env", "scales"), [("dev", True), ("staging", True), ("test", True), ("prod", False)]
)
def test_only_production_stays_warm(env, scales):
    (entity,) = endpoint_config("e", MODEL, "1", env).served_entities
    assert entity.scale_to_zero_enabled is scales


def test_an_endpoint_name_with_other_characters_is_refused():
    with pytest.raises(ValueError, match="serving_endpoint_name"):
        endpoint_config("staging.taxi model", MODEL, "1", "staging")


def test_inference_tables_go_to_the_targets_schema_under_the_endpoint_name():
    config = inference_table_config("staging.fares", "dev-jane-Taxi-Fares")
    assert (config.catalog_name, config.schema_name, config.table_name_prefix, config.enabled) == (
        "staging",
        "fares",
        "dev_jane_taxi_fares",
        True,
    )
    with pytest.raises(ValueError, match="catalog.schema"):
        inference_table_config("fares", "e")


def test_an_endpoint_already_serving_the_version_needs_no_update():
    assert is_serving(served("7"), endpoint_config("e", MODEL, "7", "staging"))
    assert not is_serving(served("6"), endpoint_config("e", MODEL, "7", "staging"))
    # Same version, but prod does not scale to zero.
    assert not is_serving(served("7"), endpoint_config("e", MODEL, "7", "prod"))
    assert not is_serving(None, endpoint_config("e", MODEL, "7", "staging"))


def test_rollback_restores_exactly_what_was_served_before():
    before = served("5", "6", traffic=[10, 90])
    back = rollback_config("e", before, "7")
    assert [(e.entity_version, e.name, e.scale_to_zero_enabled) for e in back.served_entities] == [
        ("5", "taxi-model-5", True),
        ("6", "taxi-model-6", True),
    ]
    assert back.traffic_config == before.traffic_config


def test_there_is_no_rollback_for_a_new_endpoint_or_the_same_version():
    assert rollback_config("e", None, "7") is None
    assert rollback_config("e", EndpointCoreConfigOutput(), "7") is None
    assert rollback_config("e", served("7"), "7") is None


def acl(group: str, level: ServingEndpointPermissionLevel, inherited: bool = False):
    return ServingEndpointAccessControlResponse(
        group_name=group,
        all_permissions=[ServingEndpointPermission(permission_level=level, inherited=inherited)],
    )


def test_the_query_grant_adds_can_query_and_keeps_the_direct_permissions():
    manager = ServingEndpointAccessControlResponse(
        user_name="ci@example.com",
        all_permissions=[
            ServingEndpointPermission(permission_level=ServingEndpointPermissionLevel.CAN_MANAGE)
        ],
    )
    admins = acl("admins", ServingEndpointPermissionLevel.CAN_MANAGE, inherited=True)
    grant = query_grant([manager, admins], "readers")
    assert [(g.user_name, g.group_name, g.permission_level.value) for g in grant] == [
        ("ci@example.com", None, "CAN_MANAGE"),
        (None, "readers", "CAN_QUERY"),
    ]


def test_the_query_grant_upgrades_a_view_grant_and_leaves_a_query_grant():
    (upgraded,) = query_grant([acl("readers", ServingEndpointPermissionLevel.CAN_VIEW)], "readers")
    assert upgraded.permission_level == ServingEndpointPermissionLevel.CAN_QUERY
    can_query = acl("readers", ServingEndpointPermissionLevel.CAN_QUERY)
    assert query_grant([can_query], "readers") is None
