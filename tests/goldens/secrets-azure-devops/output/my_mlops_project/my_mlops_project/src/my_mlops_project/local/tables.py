"""Unity Catalog table names in local Spark.

Jobs on Databricks name tables `catalog.schema.table`. Local Spark has no Unity Catalog and rejects
three-level names, so local runs and tests store each such table under one flat name instead.
"""

import re

_TABLE_IN_QUERY = re.compile(
    r"\b(FROM|JOIN)(\s+)([A-Za-z_]\w*\.[A-Za-z_]\w*\.[A-Za-z_]\w*)\b", re.IGNORECASE
)


def local_table_name(name: str) -> str:
    """The local Spark table that stands in for the Unity Catalog table `name`.

    `dev.my_schema.predictions` becomes `dev__my_schema__predictions`; a name without dots is kept.
    """
    parts = name.split(".")
    if any(not part for part in parts):
        raise ValueError(f"not a table name: {name!r}")
    return "__".join(parts)


def local_query(query: str) -> str:
    """`query` with each `catalog.schema.table` after FROM or JOIN replaced by its local table."""
    return _TABLE_IN_QUERY.sub(lambda m: m[1] + m[2] + local_table_name(m[3]), query)
