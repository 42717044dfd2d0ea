"""The generated bundle as written: databricks.yml and resources/*.yml of every rendered project.

These tests read the YAML files themselves (what a data scientist edits); test_bundle_validate.py checks what
the Databricks CLI resolves from them per target. The jobs, their files, task graphs, schedules and targets are
compared with what the generated resources/README.md promises (its job table); the exact YAML of each layout is
reviewed in the golden renders (tests/goldens/).
"""

from __future__ import annotations

import re

import pytest
from bundle_expectations import (
    ALL,
    README_SCOPES,
    bundle_files,
    expected_catalogs,
    expected_hosts,
    full_jobs,
    has_feature_store,
    is_promoting,
    job_declarations,
    params,
    readme_job_table,
    readme_jobs,
    task,
)
from generated_code import widgets
from matrix import PROJECT_COMBINATIONS

ids = [c.id for c in PROJECT_COMBINATIONS]
combos = pytest.mark.parametrize("combo", PROJECT_COMBINATIONS, ids=ids)

DEPLOYED_MODEL = "${var.catalog_name}.${var.schema_name}.${resources.registered_models.model.name}"
DEPLOYED_EXPERIMENT = "${resources.experiments.experiment.name}"
DAILY = re.compile(r"daily (\d\d):(\d\d)")
CHAIN, PARALLEL = " → ", re.compile(r"(`\w+`) and (`\w+`), in parallel")


# --- jobs and tasks -----------------------------------------------------------------------------------------------
@combos
def test_each_job_has_the_file_tasks_and_schedule_the_resources_readme_gives(combo, rendered):
    """The README's job table: `A` → `B` is a chain (each task after the one before it only); `A` and `B`, in
    parallel, tasks that depend on nothing; "daily HH:MM" a daily UTC schedule; anything else none."""
    project = rendered(combo)
    table = readme_job_table(project.project)
    jobs = full_jobs(project)
    assert set(table) == set(jobs)
    for key, job in jobs.items():
        row = table[key]
        resources = bundle_files(project)[f"resources/{row['file']}"]
        assert key in {
            k
            for scope in [resources, *(resources.get("targets") or {}).values()]
            for k in ((scope or {}).get("resources") or {}).get("jobs", {})
        }, (key, row["file"])
        # A target may add tasks (retraining_job under deploy_models): each task key once, in declaration order.
        tasks = {t["task_key"]: t for where in job_declarations(project)[key].values() for t in where["tasks"]}
        graph = [(k, [d["task_key"] for d in t.get("depends_on", [])]) for k, t in tasks.items()]
        parallel = PARALLEL.fullmatch(row["tasks"])
        names = [n.strip("`") for n in (parallel.groups() if parallel else row["tasks"].split(CHAIN))]
        chain = [(n, [] if parallel or i == 0 else [names[i - 1]]) for i, n in enumerate(names)]
        assert graph == chain, (key, row["tasks"])
        daily = DAILY.fullmatch(row["schedule"])
        if daily:
            hour, minute = (int(g) for g in daily.groups())
            # No pause_status in the job: dev (development mode) and test (preset) pause it, staging/prod run it.
            schedule = {"quartz_cron_expression": f"0 {minute} {hour} * * ?", "timezone_id": "UTC"}
            assert job["schedule"] == schedule, key
        else:
            assert "schedule" not in job, key


@combos
def test_every_notebook_a_task_runs_exists_in_the_project(combo, rendered):
    project = rendered(combo)
    missing = sorted(
        t["notebook_task"]["notebook_path"]
        for job in full_jobs(project).values()
        for t in job["tasks"]
        if "notebook_task" in t
        if not (project.project / "resources" / t["notebook_task"]["notebook_path"]).resolve().is_file()
    )
    assert missing == []


@combos
def test_retraining_runs_only_when_the_metric_is_violated(combo, rendered):
    project = rendered(combo)
    job = full_jobs(project)["retraining_job"]
    condition = task(job, "is_metric_violated")["condition_task"]
    assert condition == {
        "op": "EQUAL_TO",
        "right": "true",
        "left": "{{tasks.monitored_metric_violation_check.values.is_metric_violated}}",
    }
    retrain = {
        "task_key": "trigger_retraining",
        "depends_on": [{"task_key": "is_metric_violated", "outcome": "true"}],
        "run_job_task": {"job_id": "${resources.jobs.model_training_job.id}"},
    }
    overrides = {t: j for t, j in job_declarations(project)["retraining_job"].items() if t != ALL}
    if is_promoting(combo):
        # Where the target trains, a violation retrains; prod does not train, and promoting again would copy the
        # same staging champion: there the task fails the run with what to do (RequestRetraining).
        ask = {
            "task_key": "trigger_retraining",
            "depends_on": [{"task_key": "is_metric_violated", "outcome": "true"}],
            "notebook_task": {
                "notebook_path": "../deployment/model_promotion/notebooks/RequestRetraining.py",
                "base_parameters": {
                    "model_name": "${var.catalog_name}.${var.schema_name}.${resources.registered_models.model.name}",
                    "source_model_name": "${var.staging_catalog_name}.${var.schema_name}.${var.model_name}",
                },
            },
        }
        expected = {t: {"tasks": [retrain]} for t in ("dev", "staging", "test")} | {"prod": {"tasks": [ask]}}
        assert overrides == expected
        assert (project.project / "deployment/model_promotion/notebooks/RequestRetraining.py").is_file()
    else:
        assert task(job, "trigger_retraining") == retrain
        assert overrides == {}


@combos
def test_every_job_runs_serverless_notebook_tasks_without_a_job_environment(combo, rendered):
    """Serverless notebook tasks take their libraries from the notebook (its %pip cell,
    test_generated_python_quality.py): no job environment, no environment_key, no cluster, no wheel artifact."""
    project = rendered(combo)
    assert "artifacts" not in bundle_files(project)["databricks.yml"]
    for key, job in full_jobs(project).items():
        assert "environments" not in job and "job_clusters" not in job, key
        for t in job["tasks"]:
            assert not {"new_cluster", "existing_cluster_id", "job_cluster_key", "environment_key", "libraries"} & set(
                t
            ), (key, t["task_key"])
            assert {"notebook_task", "condition_task", "run_job_task"} & set(t), (key, t["task_key"])


@combos
def test_the_example_input_table_and_validation_query_are_defined_once(combo, rendered):
    """One bundle variable names the example input table, another the evaluation query; the jobs use them, and
    no other file of the bundle, the package or the notebooks repeats them."""
    project = rendered(combo)
    variables = bundle_files(project)["databricks.yml"]["variables"]
    table = variables["input_table_name"]["default"]
    assert table == "samples.nyctaxi.trips"
    assert variables["validation_input"]["default"] == "SELECT * FROM ${var.input_table_name}"
    jobs = full_jobs(project)
    uses = [params(jobs["model_training_job"], "Train")["training_data_table"]]
    uses.append(params(jobs["batch_inference_job"], "BatchInference")["input_table_name"])
    if has_feature_store(combo):
        uses += [
            params(jobs["write_feature_table_job"], k)["input_table_name"]
            for k in ("PickupFeatures", "DropoffFeatures")
        ]
    assert set(uses) == {"${var.input_table_name}"}
    validating = ["model_training_job", "model_promotion_job"] if is_promoting(combo) else ["model_training_job"]
    assert {params(jobs[k], "ModelValidation")["validation_input"] for k in validating} == {"${var.validation_input}"}
    spelled = sorted(
        path.relative_to(project.project).as_posix()
        for path in project.project.rglob("*")
        if path.suffix in {".py", ".yml", ".toml"} and table in path.read_text()
    )
    assert spelled == ["databricks.yml"]


def test_no_example_value_is_spelled_in_the_library():
    """The library holds what is derived from the answers; the example's data belongs to the project."""
    from tooling.paths import LIBRARY_DIR

    for snippet in sorted(LIBRARY_DIR.glob("*.tmpl")):
        text = snippet.read_text()
        assert "nyctaxi" not in text and "fare_amount" not in text, snippet.name


@combos
def test_job_names_carry_the_target_and_project(combo, rendered):
    """Two targets deployed to one workspace (staging and test by default), or two projects, must not share job
    names: each starts with the target and the project name, and no two jobs of a project share one."""
    names = [job["name"] for job in full_jobs(rendered(combo)).values()]
    assert all(n.startswith(f"${{bundle.target}}-{combo['input_project_name']}-") for n in names), names
    assert len(set(names)) == len(names)


# --- permissions and grants -----------------------------------------------------------------------------------------
@combos
def test_jobs_and_experiment_are_readable_by_the_read_user_group(combo, rendered):
    project = rendered(combo)
    files = bundle_files(project)
    assert files["databricks.yml"]["variables"]["read_user_group"]["default"] == combo["input_read_user_group"]
    for key, job in full_jobs(project).items():
        assert job["permissions"] == [{"level": "CAN_VIEW", "group_name": "${var.read_user_group}"}], key
    experiment = files["resources/ml-artifacts-resource.yml"]["resources"]["experiments"]["experiment"]
    assert experiment["permissions"] == [{"level": "CAN_READ", "group_name": "${var.read_user_group}"}]


@combos
def test_registered_model_grants_execute_to_the_unity_catalog_read_group(combo, rendered):
    files = bundle_files(rendered(combo))
    variables = files["databricks.yml"]["variables"]
    assert variables["model_user_group"]["default"] == combo["input_unity_catalog_read_user_group"]
    model = files["resources/ml-artifacts-resource.yml"]["resources"]["registered_models"]["model"]
    assert model["grants"] == [{"principal": "${var.model_user_group}", "privileges": ["EXECUTE"]}]


@combos
def test_experiment_has_only_bundle_fields(combo, rendered):
    """Upstream's `description` on the experiment is not a bundle field (a strict-validation warning)."""
    files = bundle_files(rendered(combo))
    experiment = files["resources/ml-artifacts-resource.yml"]["resources"]["experiments"]["experiment"]
    assert set(experiment) == {"name", "permissions"}
    assert experiment["name"] == "${var.experiment_name}"


# --- names and catalogs ---------------------------------------------------------------------------------------------
@combos
def test_model_is_registered_in_the_target_catalog_and_project_schema(combo, rendered):
    files = bundle_files(rendered(combo))
    variables = files["databricks.yml"]["variables"]
    model = files["resources/ml-artifacts-resource.yml"]["resources"]["registered_models"]["model"]
    assert {k: model[k] for k in ("name", "catalog_name", "schema_name")} == {
        "name": "${var.model_name}",
        "catalog_name": "${var.catalog_name}",
        "schema_name": "${var.schema_name}",
    }
    assert variables["model_name"]["default"] == f"{combo['input_project_name']}-model"
    assert variables["schema_name"]["default"] == combo["input_schema_name"]
    assert "default" not in variables["catalog_name"]  # every target must choose its catalog


@combos
def test_notebooks_receive_the_deployed_three_level_model_and_experiment_names(combo, rendered):
    """In development mode the CLI prefixes the model and experiment, so jobs pass the deployed names."""
    jobs = full_jobs(rendered(combo))
    training_params = params(jobs["model_training_job"], "Train")
    assert training_params["model_name"] == DEPLOYED_MODEL
    assert training_params["experiment_name"] == DEPLOYED_EXPERIMENT
    assert params(jobs["batch_inference_job"], "BatchInference")["model_name"] == DEPLOYED_MODEL
    validation_jobs = {"model_training_job": "Train"}
    if is_promoting(combo):
        assert params(jobs["model_promotion_job"], "PromoteModel")["model_name"] == DEPLOYED_MODEL
        validation_jobs["model_promotion_job"] = "PromoteModel"
    for key, source in validation_jobs.items():
        assert params(jobs[key], "ModelValidation")["experiment_name"] == DEPLOYED_EXPERIMENT
        for name in ("ModelValidation", "ModelDeployment"):
            p = params(jobs[key], name)
            assert (p["model_name"], p["model_version"]) == (
                f"{{{{tasks.{source}.values.model_name}}}}",
                f"{{{{tasks.{source}.values.model_version}}}}",
            )


@combos
def test_tables_live_in_the_target_catalog(combo, rendered):
    project = rendered(combo)
    variables = bundle_files(project)["databricks.yml"]["variables"]
    _, schema, table = combo["input_inference_table_name"].split(".")
    expected = f"${{var.catalog_name}}.{schema}.${{var.table_prefix}}{table}"
    assert variables["inference_table_name"]["default"] == expected
    assert variables["table_prefix"]["default"] == ""
    dev = bundle_files(project)["databricks.yml"]["targets"]["dev"]["variables"]
    assert dev["table_prefix"] == "dev_${workspace.current_user.short_name}_"  # a developer's own tables
    jobs = full_jobs(project)
    inference = jobs["batch_inference_job"]
    assert params(inference, "BatchInference")["output_table_name"] == "${var.inference_table_name}"
    assert params(inference, "UpdateMonitor") == {
        "table_name": "${var.inference_table_name}",
        "output_schema_name": "${var.catalog_name}.${var.schema_name}",
        "assets_dir": "${workspace.root_path}/monitoring",
    }
    check = params(jobs["retraining_job"], "monitored_metric_violation_check")
    assert check["table_name_under_monitor"] == "${var.inference_table_name}"
    assert check["monitor_output_schema"] == "${var.catalog_name}.${var.schema_name}"
    if has_feature_store(combo):
        features = {
            p["output_table_name"]
            for p in (params(jobs["write_feature_table_job"], k) for k in ("PickupFeatures", "DropoffFeatures"))
        }
        train = params(jobs["model_training_job"], "Train")
        assert (
            features
            == {train["pickup_features_table"], train["dropoff_features_table"]}
            == {
                "${var.catalog_name}.${var.schema_name}.${var.table_prefix}trip_pickup_features",
                "${var.catalog_name}.${var.schema_name}.${var.table_prefix}trip_dropoff_features",
            }
        )


@combos
def test_promotion_copies_from_the_staging_catalog(combo, rendered):
    project = rendered(combo)
    variables = bundle_files(project)["databricks.yml"]["variables"]
    if not is_promoting(combo):
        assert "staging_catalog_name" not in variables
        return
    assert variables["staging_catalog_name"]["default"] == combo["input_staging_catalog_name"]
    promote = params(full_jobs(project)["model_promotion_job"], "PromoteModel")
    # staging is not in development mode, so its model carries the plain variable name.
    assert promote["source_model_name"] == "${var.staging_catalog_name}.${var.schema_name}.${var.model_name}"


# --- targets --------------------------------------------------------------------------------------------------------
@combos
def test_targets_catalogs_and_hosts_come_from_the_answers(combo, rendered):
    targets = bundle_files(rendered(combo))["databricks.yml"]["targets"]
    catalogs = expected_catalogs(combo)
    assert set(targets) == set(catalogs)
    assert {t: body["variables"]["catalog_name"] for t, body in targets.items()} == catalogs
    hosts = expected_hosts(combo)
    assert {t: (body.get("workspace") or {}).get("host") for t, body in targets.items()} == {
        t: hosts[t] for t in targets
    }


@combos
def test_target_modes_keep_dev_private_and_test_paused(combo, rendered):
    targets = bundle_files(rendered(combo))["databricks.yml"]["targets"]
    assert targets["dev"]["mode"] == "development" and targets["dev"]["default"] is True
    if combo.setup != "CICD_and_Project":
        return
    assert "mode" not in targets["staging"] and "presets" not in targets["staging"]
    assert targets["test"]["presets"] == {"trigger_pause_status": "PAUSED"} and "mode" not in targets["test"]
    # production mode needs an explicit root_path unless a service principal deploys; this one is the deployer's.
    assert targets["prod"]["mode"] == "production"
    assert targets["prod"]["workspace"]["root_path"] == (
        "/Workspace/Users/${workspace.current_user.userName}/.bundle/${bundle.name}/${bundle.target}"
    )


@combos
def test_resource_files_name_only_targets_databricks_yml_declares_or_ci_cd_adds(combo, rendered):
    files = bundle_files(rendered(combo))
    named = {t for path, doc in files.items() if path != "databricks.yml" for t in (doc.get("targets") or {})}
    assert named <= {"dev", "staging", "prod", "test"}
    assert not any("include" in doc or "variables" in doc for path, doc in files.items() if path != "databricks.yml")


def test_resource_files_do_not_depend_on_the_setup_mode(rendered):
    """A Project_Only project gets its staging/prod/test targets later from CI/CD setup; its resource files must then
    behave exactly like those of a project generated with CI/CD, so they are identical."""
    answers = {
        "input_project_name": "fare-model",
        "input_include_feature_store": "yes",
        "input_deployment_pattern": "deploy_models",
        "input_read_user_group": "ml-readers",
        "input_unity_catalog_read_user_group": "ml model consumers",
    }
    with_cicd = rendered({**answers, "input_setup_cicd_and_project": "CICD_and_Project"})
    project_only = rendered({**answers, "input_setup_cicd_and_project": "Project_Only", "input_root_dir": "repo"})

    def resources(project):
        return {p.name: p.read_text() for p in sorted((project.project / "resources").glob("*.yml"))}

    assert resources(project_only) == resources(with_cicd)
    assert len(resources(with_cicd)) == 6


# --- documentation ---------------------------------------------------------------------------------------------------
LINK = re.compile(r"\]\(([^)\s]+)\)")


def readme_rows(text: str, first_cell: re.Pattern) -> set[str]:
    return {m.group(1) for line in text.splitlines() if (m := first_cell.match(line))}


@combos
def test_readmes_list_exactly_the_generated_targets_and_jobs(combo, rendered):
    project = rendered(combo)
    rel = project.project.relative_to(project.output).as_posix()
    readme = project.text(f"{rel}/README.md")
    targets = set(bundle_files(project)["databricks.yml"]["targets"])
    assert readme_rows(readme, re.compile(r"\| `(\w+)`( \(default\))? \|")) == targets
    promised = readme_jobs(project.project)
    assert set(promised) == set(job_declarations(project))
    for key, where in job_declarations(project).items():
        # A job in every target is declared once, under the top-level `resources:`.
        expected = {ALL} if promised[key] == README_SCOPES["all"] else promised[key]
        assert {t for t, job in where.items() if "name" in job} == expected, key


@combos
def test_readme_links_resolve(combo, rendered):
    project = rendered(combo)
    broken = []
    for readme in sorted(project.project.rglob("README.md")):
        for target in LINK.findall(readme.read_text()):
            if target.startswith("https://"):
                continue
            path, _, anchor = target.partition("#")
            resolved = (readme.parent / path).resolve() if path else readme
            if not resolved.exists():
                broken.append(f"{readme.name}: {target}")
            elif anchor:
                headings = {
                    re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                    for h in re.findall(r"^#+ (.*)$", resolved.read_text(), re.M)
                }
                if anchor not in headings:
                    broken.append(f"{readme.name}: {target}")
    assert broken == []


@combos
def test_every_folder_a_data_scientist_opens_has_a_readme(combo, rendered):
    """The package, each folder with notebooks of a job, and each top-level folder with files of its own."""
    project = rendered(combo).project
    folders = {p.parent for p in project.rglob("notebooks") if p.is_dir()}
    folders |= {p for p in project.iterdir() if p.is_dir() and any(f.is_file() for f in p.iterdir())}
    folders |= set((project / "src").iterdir())
    missing = sorted(f.relative_to(project).as_posix() for f in folders if not (f / "README.md").is_file())
    assert missing == []
    assert {"training", "validation", "tests", "data", f"src/{combo.derived['project_package']}"} <= {
        f.relative_to(project).as_posix() for f in folders
    }


@combos
def test_documentation_links_point_at_the_chosen_clouds_docs(combo, rendered):
    project = rendered(combo)
    site = {
        "aws": "https://docs.databricks.com/",
        "gcp": "https://docs.gcp.databricks.com/",
        "azure": "https://learn.microsoft.com/azure/databricks/",
    }[combo["input_cloud"]]
    readmes = [p.read_text() for p in sorted(project.project.rglob("README.md"))]
    links = {u for text in readmes for u in LINK.findall(text) if u.startswith("https://")}
    links |= set(re.findall(r"Docs: (https://\S+)", (project.project / "databricks.yml").read_text()))
    assert links and all(u.startswith(site) for u in links), sorted(links)


@combos
def test_project_readme_describes_every_top_level_file_and_folder(combo, rendered):
    """The "What is where" table names only paths that exist, and covers everything at the top of the project."""
    project = rendered(combo)
    readme = (project.project / "README.md").read_text()
    table = readme.split("## What is where", 1)[1].split("\n## ", 1)[0]
    listed = {m.rstrip("/") for m in re.findall(r"^\| `([^`]+)` \|", table, re.M)}
    assert sorted(p for p in listed if not (project.project / p).exists()) == []
    top_level = {p.name for p in project.project.iterdir()} - {"README.md"}
    covered = {p.split("/")[0] for p in listed}
    assert sorted(top_level - covered) == []


@combos
def test_a_notebook_accepts_any_target_name_it_is_passed(combo, rendered):
    """A dropdown widget rejects a value outside its choices: a parameter that carries the target's name (or any
    bundle variable) goes to a text widget, so a target added to databricks.yml needs no notebook change."""
    project = rendered(combo)
    for key, where in job_declarations(project).items():
        for job in where.values():
            for t in job.get("tasks", []):
                if "notebook_task" not in t:
                    continue
                notebook = (project.project / "resources" / t["notebook_task"]["notebook_path"]).resolve()
                declared = widgets(notebook)
                for name, value in t["notebook_task"].get("base_parameters", {}).items():
                    if "${" in str(value):
                        assert declared[name].kind == "text", (key, t["task_key"], name)
