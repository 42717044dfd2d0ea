"""Local stand-ins for what Databricks provides, for tests and runs on your own machine.

Nothing here is used on Databricks: the notebooks get Spark and Unity Catalog from the workspace.
"""
