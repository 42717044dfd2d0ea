"""Unity Catalog table names in local Spark.

Jobs on Databricks name tables `catalog.schema.table`. Local Spark has no Unity Catalog and rejects
three-level names, so local runs and tests store each such table under one flat name instead.
"""


def local_table_name(name: str) -> str:
    """The local Spark table that stands in for the Unity Catalog table `name`.

    `dev.my_schema.predictions` becomes `dev__my_schema__predictions`; a name without dots is kept.
    """
    parts = name.split(".")
    if any(not part for part in parts):
        raise ValueError(f"not a table name: {name!r}")
    return "__".join(parts)
