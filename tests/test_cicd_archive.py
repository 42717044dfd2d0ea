"""cicd.tar.gz: built reproducibly from the sources, and adding a project with it works end to end."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from cicd_repository import add_project, files_under, repository_with_project
from matrix import CICD_COMBINATIONS, COMBINATIONS, by_id

from tooling import build_cicd_archive
from tooling.paths import TOOLS_BIN

CICD_ONLY = [c for c in CICD_COMBINATIONS if not c.has_project]
WITH_PROJECT = [c for c in CICD_COMBINATIONS if c.has_project]


def archive_members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name: m for m in tar.getmembers()}


def archive_file(data: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.extractfile(name).read()


def test_committed_archive_equals_a_fresh_build():
    committed = build_cicd_archive.ARCHIVE.read_bytes()
    # The tar stream is compared exactly; the gzip layer only has to be free of names and times.
    assert gzip.decompress(committed) == build_cicd_archive.tar_bytes(), (
        "cicd.tar.gz is out of date: run `python -m tooling.build_cicd_archive`"
    )
    assert committed[3] & 0x08 == 0  # no file name in the gzip header
    assert committed[4:8] == b"\0\0\0\0"  # mtime 0


def test_archive_build_is_reproducible_and_normalised():
    assert build_cicd_archive.build() == build_cicd_archive.build()
    members = archive_members(build_cicd_archive.build())
    assert list(members) == sorted(members)
    for member in members.values():
        assert member.isfile()
        assert (member.mtime, member.uid, member.gid, member.uname, member.gname, member.mode) == (
            build_cicd_archive.MTIME,
            0,
            0,
            "",
            "",
            0o644,
        )


def test_archive_packs_the_main_templates_per_project_pipelines_not_copies():
    data = build_cicd_archive.ARCHIVE.read_bytes()
    root = build_cicd_archive.ROOT_TEMPLATE
    packed = [n for n in archive_members(data) if n.startswith("cicd/template/.")]
    assert len(packed) == 10  # four GitHub, two Azure DevOps, four GitLab pipelines
    for name in packed:
        assert archive_file(data, name) == (root / name.removeprefix("cicd/template/")).read_bytes()
    # The skeleton in the source tree holds no pipeline of its own.
    assert not list((root / "cicd/template").glob(".*"))


def test_sub_template_inputs_are_defined_like_the_main_templates():
    main = json.loads((build_cicd_archive.TEMPLATE_SCHEMA).read_text())
    sub = json.loads(archive_file(build_cicd_archive.ARCHIVE.read_bytes(), "cicd/databricks_template_schema.json"))
    assert sub["min_databricks_cli_version"] == main["min_databricks_cli_version"]
    for name, prop in sub["properties"].items():
        assert name.startswith("input_")
        for key in ("enum", "pattern"):
            assert prop.get(key) == main["properties"][name].get(key), (name, key)
        # Every value must come from the params files, except the CI/CD authentication answer: repositories generated
        # before it existed have no such key, and their pipelines use secrets.
        assert prop.get("default") == ("secrets" if name == "input_cicd_auth" else None), name
    # A key of the params files that is not an input is refused, as in the main template.
    assert sub["anyOf"] == [{"properties": {name: {} for name in sub["properties"]}, "additionalProperties": False}]


@pytest.mark.parametrize("combo", [*CICD_ONLY, *WITH_PROJECT[:8]], ids=lambda c: c.id)
def test_params_files_hold_exactly_the_sub_template_inputs_with_the_right_values(combo, rendered):
    out = rendered(combo)
    sub = json.loads(archive_file(build_cicd_archive.ARCHIVE.read_bytes(), "cicd/databricks_template_schema.json"))
    assert (out.root / "cicd.tar.gz").read_bytes() == build_cicd_archive.ARCHIVE.read_bytes()
    params = json.loads((out.root / "cicd_params.json").read_text())
    v, hosts = combo.values, combo.derived["workspace_hosts"]
    # The hosts as the targets use them (normalised, placeholders filled in: test_host_normalisation.py and the
    # goldens check those rules); the other answers as given.
    assert params == {
        "input_root_dir": v["input_root_dir"],
        "input_cloud": v["input_cloud"],
        "input_cicd_platform": v["input_cicd_platform"],
        "input_databricks_staging_workspace_host": hosts["staging"],
        "input_databricks_prod_workspace_host": hosts["prod"],
        "input_databricks_test_workspace_host": hosts["test"],
        "input_default_branch": v["input_default_branch"],
        "input_release_branch": v["input_release_branch"],
        "input_staging_catalog_name": v["input_staging_catalog_name"],
        "input_prod_catalog_name": v["input_prod_catalog_name"],
        "input_test_catalog_name": v["input_test_catalog_name"],
        "input_docker_image": v["input_docker_image"],
        "input_cicd_auth": v["input_cicd_auth"],
    }
    project_keys = {"input_project_name", "input_cloud", "input_include_feature_store", "input_deployment_pattern"}
    assert set(params) | project_keys == set(sub["properties"])
    if combo.has_project:
        project = json.loads((out.project / "project_params.json").read_text())
        assert project == {k: v[k] for k in project_keys}


def pipelines_of_project(together, cicd_only) -> set[str]:
    """The repository files one project brings (its pipelines): those of the repository generated together with the
    project, outside the project folder, that the CI/CD-only repository does not have."""
    return together.repository_files() - cicd_only.repository_files()


def project_only(cloud: str, variant: str):
    """The Project_Only render of `cloud` with `variant` ("fs-models", "nofs-code"), with model serving or without
    as the matrix has it."""
    return next(c for c in COMBINATIONS if c.id in (f"project-{cloud}-{variant}", f"project-{cloud}-{variant}-serve"))


# Each CI/CD-only repository gets a project generated on its own (Project_Only) for the same cloud.
ADD_CASES = [
    (cicd, project_only(cicd["input_cloud"], "fs-models" if i % 2 else "nofs-code")) for i, cicd in enumerate(CICD_ONLY)
]


@pytest.mark.parametrize("case", ADD_CASES, ids=lambda case: f"{case[0].id}+{case[1].id}")
def test_adding_a_project_renders_its_pipelines_and_targets_and_the_bundle_validates(
    case, rendered, simulator, cli_home, tmp_path
):
    cicd, project_combo = case
    repo, folder = repository_with_project(rendered, cicd, project_combo, tmp_path)
    before = files_under(repo)
    result = add_project(repo, folder, simulator, cli_home)
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.rmtree(repo / "cicd")
    assert before - files_under(repo) == {p for p in before if p.startswith("cicd/")}

    # The pipelines are exactly those of a repository generated together with this project; in the project folder
    # the bundle gains resource files only (its CI/CD targets, validated below; the cicd-only-plus-project golden
    # shows them).
    params = json.loads((repo / "cicd_params.json").read_text())
    together = rendered(
        {
            **params,
            "input_setup_cicd_and_project": "CICD_and_Project",
            **json.loads((repo / folder / "project_params.json").read_text()),
        }
    )
    added = files_under(repo) - before
    pipelines = pipelines_of_project(together, rendered(cicd))
    assert pipelines and {f for f in added if not f.startswith(f"{folder}/")} == pipelines
    in_folder = {f for f in added if f.startswith(f"{folder}/")}
    assert in_folder and all(f.startswith(f"{folder}/resources/") and f.endswith(".yml") for f in in_folder)
    for rel in sorted(pipelines):
        assert (repo / rel).read_text() == (together.root / rel).read_text(), rel

    # The added targets file gives the project its three CI/CD targets.
    expected = {
        "staging": (params["input_databricks_staging_workspace_host"], params["input_staging_catalog_name"]),
        "prod": (params["input_databricks_prod_workspace_host"], params["input_prod_catalog_name"]),
        "test": (params["input_databricks_test_workspace_host"], params["input_test_catalog_name"]),
    }
    for target, (host, catalog) in expected.items():
        validated = subprocess.run(
            [str(TOOLS_BIN / "databricks"), "bundle", "validate", "--strict", "-t", target, "-o", "json"],
            cwd=repo / folder,
            env=simulator.cli_env(cli_home, base={"PATH": "/usr/bin:/bin"}),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert validated.returncode == 0, f"{target}:\n{validated.stderr}"
        config = json.loads(validated.stdout)
        assert config["workspace"]["host"] == host
        assert config["variables"]["catalog_name"]["value"] == catalog
        if target == "prod" and project_combo["input_deployment_pattern"] == "deploy_models":
            # The promotion job copies from the staging catalog the CI/CD answers name, not the project default.
            assert config["variables"]["staging_catalog_name"]["value"] == params["input_staging_catalog_name"]
            promotion = config["resources"]["jobs"]["model_promotion_job"]
            assert "model_training_job" not in config["resources"]["jobs"]
            assert {t["task_key"] for t in promotion["tasks"]} == {"PromoteModel", "ModelValidation", "ModelDeployment"}


def test_a_repository_from_before_the_cicd_auth_answer_keeps_adding_projects_with_secrets(
    rendered, simulator, cli_home, tmp_path
):
    """Its cicd_params.json has no input_cicd_auth and its pipelines use secrets: so do the added project's."""
    cicd = next(c for c in CICD_ONLY if c["input_cicd_auth"] == "workload_identity_federation")
    project_combo = next(c for c in COMBINATIONS if c.id.startswith(f"project-{cicd['input_cloud']}-nofs-code"))
    repo, folder = repository_with_project(rendered, cicd, project_combo, tmp_path)
    params = json.loads((repo / "cicd_params.json").read_text())
    del params["input_cicd_auth"]
    (repo / "cicd_params.json").write_text(json.dumps(params, indent=2) + "\n")
    result = add_project(repo, folder, simulator, cli_home)
    assert result.returncode == 0, result.stdout + result.stderr
    with_secrets = rendered(
        {
            **params,
            "input_cicd_auth": "secrets",
            "input_setup_cicd_and_project": "CICD_and_Project",
            **json.loads((repo / folder / "project_params.json").read_text()),
        }
    )
    for rel in sorted(pipelines_of_project(with_secrets, rendered(cicd))):
        assert (repo / rel).read_text() == (with_secrets.root / rel).read_text(), rel


def test_adding_a_project_of_another_cloud_is_refused_and_writes_nothing(rendered, simulator, cli_home, tmp_path):
    cicd = by_id("cicd-aws-gha")
    repo, folder = repository_with_project(rendered, cicd, by_id("project-gcp-nofs-code"), tmp_path)
    before = files_under(repo)
    result = add_project(repo, folder, simulator, cli_home)
    assert result.returncode != 0
    assert "gcp" in result.stderr and "aws" in result.stderr
    assert files_under(repo) == before


def test_adding_the_same_project_twice_fails_without_overwriting(rendered, simulator, cli_home, tmp_path):
    cicd = by_id("cicd-azure-ado")
    repo, folder = repository_with_project(rendered, cicd, by_id("project-azure-fs-code"), tmp_path)
    assert add_project(repo, folder, simulator, cli_home).returncode == 0
    after_first = {rel: (repo / rel).read_bytes() for rel in files_under(repo)}
    second = add_project(repo, folder, simulator, cli_home)
    assert second.returncode != 0
    assert "already exist" in second.stderr
    assert {rel: (repo / rel).read_bytes() for rel in files_under(repo)} == after_first


def test_adding_a_renamed_project_folder_is_refused_and_writes_nothing(rendered, simulator, cli_home, tmp_path):
    """The script learns the project's folder from the sub-template itself (a dry run), so the rule that derives
    the folder from the project name is stated once, in the library."""
    cicd, project_combo = ADD_CASES[0]
    repo, folder = repository_with_project(rendered, cicd, project_combo, tmp_path)
    (repo / folder).rename(repo / "renamed_project")
    before = {rel: (repo / rel).read_bytes() for rel in files_under(repo)}
    result = add_project(repo, "renamed_project", simulator, cli_home)
    assert result.returncode != 0
    assert f"whose folder is {folder!r}: keep the folder name bundle init chose" in result.stderr
    assert {rel: (repo / rel).read_bytes() for rel in files_under(repo)} == before


def test_add_script_rejects_a_folder_name_that_is_not_a_project_folder(tmp_path):
    script = build_cicd_archive.SKELETON / "add_project_cicd.py"
    (tmp_path / "cicd_params.json").write_text("{}")
    result = subprocess.run([sys.executable, str(script), "../elsewhere"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert "not a project folder name" in result.stderr


def test_add_script_is_lint_clean():
    script = build_cicd_archive.SKELETON / "add_project_cicd.py"
    ruff = Path(sys.executable).parent / "ruff"
    assert subprocess.run([str(ruff), "check", "--isolated", "--line-length", "120", str(script)]).returncode == 0
    assert (
        subprocess.run(
            [str(ruff), "format", "--isolated", "--line-length", "120", "--check", str(script)], capture_output=True
        ).returncode
        == 0
    )


def edit_params(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)


@pytest.mark.parametrize(
    ("key", "value"),
    [("input_release_branch", "x'||true||'"), ("input_docker_image", "img:$(touch pwned)"), ("input_root_dir", "/abs")],
)
def test_a_hostile_hand_edited_answer_is_refused_by_the_sub_template_with_the_main_schemas_message(
    key, value, rendered, simulator, cli_home, tmp_path
):
    cicd = by_id("cicd-gcp-gitlab")
    repo, folder = repository_with_project(rendered, cicd, by_id("project-gcp-nofs-code"), tmp_path)
    params = json.loads((repo / "cicd_params.json").read_text()) | {key: value}
    edit_params(repo, "cicd_params.json", json.dumps(params))
    before = files_under(repo)
    result = add_project(repo, folder, simulator, cli_home)
    assert result.returncode != 0
    message = json.loads(build_cicd_archive.TEMPLATE_SCHEMA.read_text())["properties"][key]
    assert f"invalid value for {key}: {json.dumps(value)}. {message['pattern_match_failure_message']}" in result.stderr
    assert files_under(repo) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"input_cloud": "gcp", "input_cloud": "aws"}', "duplicate keys input_cloud"),
        ('{"input_cloud": "gcp",}', "is not a valid answers file"),
        ('["gcp"]', "must hold one JSON object whose values are strings"),
        ('{"input_cloud": 1}', "must hold one JSON object whose values are strings"),
    ],
)
def test_add_script_refuses_a_broken_params_file_with_a_message(text, expected, rendered, tmp_path):
    repo, folder = repository_with_project(rendered, by_id("cicd-gcp-gitlab"), by_id("project-gcp-nofs-code"), tmp_path)
    edit_params(repo, "cicd_params.json", text)
    result = subprocess.run(
        [sys.executable, "cicd/add_project_cicd.py", folder], cwd=repo, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_add_script_refuses_an_unknown_key_and_lists_the_inputs(rendered, tmp_path):
    repo, folder = repository_with_project(rendered, by_id("cicd-gcp-gitlab"), by_id("project-gcp-nofs-code"), tmp_path)
    params = json.loads((repo / "cicd_params.json").read_text()) | {"input_relase_branch": "release"}
    edit_params(repo, "cicd_params.json", json.dumps(params))
    result = subprocess.run(
        [sys.executable, "cicd/add_project_cicd.py", folder], cwd=repo, capture_output=True, text=True
    )
    assert result.returncode != 0
    sub = json.loads((repo / "cicd/databricks_template_schema.json").read_text())
    assert "Unknown keys input_relase_branch" in result.stderr
    assert f"the inputs are: {', '.join(sub['properties'])}." in result.stderr


def test_add_script_refuses_to_write_through_a_symlinked_folder(rendered, simulator, cli_home, tmp_path):
    """bundle init follows symbolic links when it writes; the script refuses before it runs."""
    repo, folder = repository_with_project(
        rendered, by_id("cicd-aws-gha"), by_id("project-aws-nofs-code-serve"), tmp_path
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    workflows = repo / ".github/workflows"
    shutil.rmtree(workflows)
    workflows.symlink_to(outside, target_is_directory=True)
    result = add_project(repo, folder, simulator, cli_home)
    assert result.returncode != 0
    assert f"{workflows} is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []
