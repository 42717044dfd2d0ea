"""The project's code: what its Databricks jobs run, and what the tests and local runs exercise.

The notebooks in the project's `*/notebooks/` folders read their job parameters and call into this
package, which each notebook installs (`%pip install`) from the project folder the bundle deploys.
"""
