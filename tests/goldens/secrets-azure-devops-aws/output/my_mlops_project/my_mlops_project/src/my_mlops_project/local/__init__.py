"""Running the project on your machine: local stand-ins for what Databricks provides, and the
local run of the bundle's jobs (`python -m <package>.local`, see runner.py).

Nothing here runs on Databricks. `tasks.py` holds the local equivalent of each notebook;
`bundle.py` asks the Databricks CLI for the jobs; `spark.py`, `tables.py` and `monitoring.py`
(and, with the feature store, `feature_engineering.py`) stand in for the workspace.
"""
