import pytest

from my_mlops_project.local.tables import local_table_name


def test_three_level_names_map_to_distinct_local_names():
    assert local_table_name("dev.fares.predictions") == "dev__fares__predictions"
    assert local_table_name("prod.fares.predictions") != local_table_name("dev.fares.predictions")
    assert local_table_name("predictions") == "predictions"


def test_malformed_names_are_rejected():
    with pytest.raises(ValueError):
        local_table_name("dev..predictions")
