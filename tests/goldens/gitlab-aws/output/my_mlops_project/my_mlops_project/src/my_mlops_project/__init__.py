"""The project's code: what its Databricks jobs run, and what the tests and local runs exercise.

The notebooks in the project's `*/notebooks/` folders read their job parameters and call into this
package, which reaches each job through the wheel the bundle builds (`artifacts` in databricks.yml).
"""
