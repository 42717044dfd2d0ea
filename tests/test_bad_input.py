"""Bad answers: the CLI stops with our message (the schema's, or a layout rule's) and writes nothing.

Every value below is one a careless or hostile user could give; most are the examples of issue 16. Each is rendered
alone (the other answers at their defaults), so the error can only be about it.
"""

from __future__ import annotations

import keyword
import re
import shutil

import pytest
from answer_rules import (
    FREE_TEXT,
    PATTERNS,
    PROPERTIES,
    RETIRED,
    SCHEMA,
    go_quoted,
    pattern_message,
    refused_by_a_guard,
)
from generated_code import imported_modules, python_files
from matrix import PROJECT_COMBINATIONS
from rendering import UUID_RE

from tooling.paths import TEMPLATE_DIR, TEMPLATE_SCHEMA
from tooling.render import render, run_cli

HOSTS = [
    "https",
    "https://",
    "https:adb.x",
    "httpsfoo.example.com",
    'https://a"b.example.com',
    "https://#x",
    "http://adb-1.azuredatabricks.net",
    "ftp://x.net",
    "adb-1.azuredatabricks.net",
    "https://adb-1.azuredatabricks.net/?o=1",
    "https://adb-1.azuredatabricks.net#workspace",
    "https://adb-1.azuredatabricks.net/browse/folders/1",
    "https://adb-1.azuredatabricks.net//",
    "https://user@adb-1.azuredatabricks.net",
    "https://adb-1.azuredatabricks.net:0",
    "https://adb-1.azuredatabricks.net:65536",
    "https://-adb.azuredatabricks.net",
    "https://adb_1.azuredatabricks.net",
    "https://adb..azuredatabricks.net",
    " https://adb-1.azuredatabricks.net",
    "https://adb-1.azuredatabricks.net\nprod:",
    "https://${var.host}",
]
BRANCHES = [
    'main"; echo pwned; "',
    "main #x",
    "main: x",
    "ma'in",
    "release/*",
    "release/v[0-9]",
    "release?",
    "feat+x",
    "!main",
    "${{ github.event.issue.title }}",
    "$(Build.SourceBranch)",
    "x'||true||'",
    'x" || $CI_PIPELINE_SOURCE == "push',
    "main\nstaging:",
    "",
    "-main",
    "a..b",
    "a/.b",
    "a.",
    "a/",
    "/a",
    "a//b",
    "a b",
    "a~1",
    "a^2",
    "a@{1}",
    "@",
    "a\\b",
    "a|b",
]
GROUPS = [
    "",
    " users",
    "users ",
    'a"b',
    "a'b",
    "a\nb",
    "team #1",
    "a:b",
    "${var.x}",
    "a{b}",
    "a`b",
    "a|b",
    "a\\b",
    "a\tb",
]
CATALOGS = ["", "a-b", "a.b", "a b", "1abc", "a" * 256, "café", 'a"b', "${var.x}", "a\nb", "`a`", "a;drop"]
BAD_VALUES: dict[str, list[str]] = {
    "input_project_name": [
        "ab",
        "a b",
        "a/b",
        "a\\b",
        "a.b",
        "",
        'my"proj',
        "`id`",
        "#abc",
        "&anchor",
        "x:\ty",
        "my\nproject",
        "1abc",
        "_abc",
        "-abc",
        "a" * 51,
        "proj$(id)",
        "${var.x}",
        "naïve",
        "proj'x",
        "a*b",
        "@@@",
    ],
    "input_root_dir": [
        "",
        ".",
        "..",
        "/abs/path",
        "root/",
        "a*b",
        'a"b',
        "a\nb",
        "a/../b",
        "../x",
        "a//b",
        ".hidden",
        "a b",
        "-x",
        "a\\b",
        "~/x",
        "$(id)",
        "a[1]",
    ],
    "input_databricks_staging_workspace_host": HOSTS,
    "input_databricks_prod_workspace_host": HOSTS[:12],
    "input_databricks_test_workspace_host": HOSTS[:12],
    "input_default_branch": BRANCHES,
    "input_release_branch": BRANCHES[:16],
    "input_read_user_group": GROUPS,
    "input_unity_catalog_read_user_group": GROUPS[:8],
    "input_staging_catalog_name": CATALOGS,
    "input_prod_catalog_name": CATALOGS[:6],
    "input_test_catalog_name": CATALOGS[:6],
    "input_schema_name": ["a-b", "a.b", "a b", "a/b", "a\\b", "", "1x", "a" * 256, "null\n"],
    "input_inference_table_name": [
        "a.b",
        "a.b.c.d",
        "a-b.c.d",
        "a..c",
        "a.b c.d",
        "a.b.c\\d",
        "predictions",
        "a.b.1c",
        "`a`.b.c",
        "a.b.c\n",
        "a.b.${var.x}",
    ],
    "input_docker_image": [
        "img:$(touch pwned)",
        "img:`id`",
        "img",
        "registry.gitlab.com/acme/ml/mlops-ci",
        "Img:1.0",
        "img:",
        "img:-x",
        "img:1 ",
        "img:latest;rm -rf /",
        "img:" + "a" * 129,
        "img@sha256:abc",
        "img@md5:" + "a" * 32,
        "img@sha256:" + "A" * 64,
        "https://registry.example.com/img:1",
        "x//y:1",
        "x/:1",
        "host:99999/x:1",
        "img:1\nimage: evil",
    ],
    "input_include_models_in_unity_catalog": ["no", "No", "true"],
    "input_include_mlflow_recipes": ["yes", "true"],
    "input_setup_cicd_and_project": ["Both", "cicd_and_project", ""],
    "input_cloud": ["oci", "Azure"],
    "input_cicd_platform": ["jenkins", "github"],
    "input_include_feature_store": ["maybe", "true"],
    "input_deployment_pattern": ["retrain", "promote"],
    "input_cicd_auth": ["oidc", "Secrets", "workload_identity_federation "],
    "input_include_model_serving": ["true", "Yes", "endpoint"],
}

# Values every pattern accepts that the layout's rules (library/input_rules.tmpl) refuse.
LAYOUT_REFUSED: dict[str, list[str]] = {
    "input_project_name": ["cicd", "docs", "tests", "mlflow", "MLflow", "feature-engineering", "pyspark", "session"],
    "input_default_branch": ["x.lock", "release/v1.lock", "HEAD", "refs/heads/main"],
    "input_release_branch": ["a.lock/b", "refs/tags/v1"],
    "input_staging_catalog_name": ["system", "sys_ml", "Databricks_ml"],
    "input_prod_catalog_name": ["SYSTEM"],
    "input_test_catalog_name": ["databricks"],
    "input_schema_name": ["session", "information_schema", "BUILTIN"],
    "input_inference_table_name": ["system.ml.predictions", "dev.information_schema.predictions"],
    "input_databricks_staging_workspace_host": ["https://" + ".".join(["a" * 63] * 4)],
    "input_docker_image": ["registry.example.com/" + "/".join(["a" * 60] * 5) + ":1"],
}


def wrong_enum_values(values: list[str]) -> list[str]:
    """Near misses of an enum, made from its own values: empty, another case, a typo."""
    return [v for v in ("", values[0].upper(), values[0].title(), f"{values[0]}_typo") if v not in values]


# Every enum input, a new one included, gets its near misses from the schema, besides the values above.
for _name, _prop in PROPERTIES.items():
    if "enum" in _prop:
        BAD_VALUES[_name] = list(dict.fromkeys([*BAD_VALUES.get(_name, []), *wrong_enum_values(_prop["enum"])]))

CASES = [(name, value) for name, values in BAD_VALUES.items() for value in values]
LAYOUT_CASES = [(name, value) for name, values in LAYOUT_REFUSED.items() for value in values]


def expected_message(name: str, value: str) -> str:
    prop = PROPERTIES[name]
    if "enum" in prop:
        return f"expected value of property {name} to be one of [{' '.join(prop['enum'])}]. Found: {value}"
    return f"invalid value for {name}: {go_quoted(value)}. {pattern_message(name)}"


def test_every_pattern_and_enum_has_bad_values():
    constrained = {n for n, p in PROPERTIES.items() if "pattern" in p or "enum" in p}
    assert constrained == set(BAD_VALUES)


def test_every_free_text_input_has_a_pattern():
    assert set(FREE_TEXT) <= set(PATTERNS)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_bad_values_are_refused_by_pythons_re_too(name):
    """The patterns are written in the part of the syntax that Go's RE2 and Python's re read alike; the tests
    (hypothesis) generate values from them with Python."""
    pattern = re.compile(PATTERNS[name])
    for value in BAD_VALUES[name]:
        assert not pattern.fullmatch(value), value
    for value in LAYOUT_REFUSED.get(name, []):
        assert pattern.fullmatch(value), value


@pytest.mark.parametrize(("name", "value"), CASES, ids=[f"{n}={v!r}" for n, v in CASES])
def test_bad_value_fails_with_our_message_and_writes_nothing(name, value, tmp_path, simulator, cli_home):
    out = tmp_path / "out"
    out.mkdir()
    result = render({name: value}, out, workspace=simulator, home=cli_home)
    assert result.returncode != 0
    assert expected_message(name, value) in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("name", "value"), LAYOUT_CASES, ids=[f"{n}={v!r}" for n, v in LAYOUT_CASES])
def test_value_refused_by_a_layout_rule_fails_with_its_message_and_writes_nothing(
    name, value, tmp_path, simulator, cli_home
):
    out = tmp_path / "out"
    # A project name whose default schema would be reserved is refused for the name itself: give a schema.
    answers = {name: value, "input_schema_name": "ml"} if name == "input_project_name" else {name: value}
    result = render(answers, out, workspace=simulator, home=cli_home)
    assert result.returncode != 0
    assert refused_by_a_guard(result.stderr, name, value), result.stderr
    assert not out.exists()


@pytest.mark.parametrize("setup", ["CICD_and_Project", "Project_Only"])
def test_model_serving_with_the_feature_store_is_refused_and_writes_nothing(setup, tmp_path, simulator, cli_home):
    """A served feature-store model needs online feature tables, which the template does not create."""
    out = tmp_path / "out"
    answers = {
        "input_setup_cicd_and_project": setup,
        "input_include_feature_store": "yes",
        "input_include_model_serving": "yes",
    }
    result = render(answers, out, workspace=simulator, home=cli_home)
    assert result.returncode != 0
    assert refused_by_a_guard(result.stderr, "input_include_model_serving", "yes", universal=False), result.stderr
    assert "input_include_feature_store yes" in result.stderr
    assert not out.exists()


def names_the_project_cannot_take(rendered) -> set[str]:
    """Every name the generated files already use next to or inside the project folder (and the template's own
    folders beside it: deploy-cicd unpacks cicd/ there), every module the generated Python imports, and every Python
    keyword, in lower case (the rule compares folder names case-insensitively)."""
    names = {k.lower() for k in keyword.kwlist}
    names |= {p.name for p in (TEMPLATE_DIR / "{{.input_root_dir}}").iterdir() if p.is_dir()}
    for combo in PROJECT_COMBINATIONS:
        out = rendered(combo)
        names |= {p.name for p in out.project.iterdir() if p.is_dir()}
        if combo.setup == "CICD_and_Project":
            names |= {p.name for p in out.root.iterdir() if p.is_dir() and p != out.project}
        own_package = combo.derived["project_folder"].lower()  # src/<package>, imported by itself
        for path in python_files(out.project):
            names |= {module.split(".")[0] for module in imported_modules(path)} - {own_package}
    return {n.lower() for n in names if re.fullmatch(PATTERNS["input_project_name"], n)}


def test_project_names_taken_by_the_template_imports_or_python_are_refused(rendered, tmp_path, simulator, cli_home):
    names = names_the_project_cannot_take(rendered)
    assert {"cicd", "docs", "mlflow", "pyspark", "tests", "training", "class", "json"} <= names  # the search works
    refused = []
    for name in sorted(names):
        out = tmp_path / name
        result = render(
            {"input_project_name": name, "input_schema_name": "ml"}, out, workspace=simulator, home=cli_home
        )
        if (
            result.returncode != 0
            and refused_by_a_guard(result.stderr, "input_project_name", name)
            and not out.exists()
        ):
            refused.append(name)
    assert refused == sorted(names)


def test_an_unknown_key_in_the_answers_file_fails(tmp_path, simulator, cli_home):
    """A typo of an input name. The CLI drops keys the schema does not declare before the template sees them; the
    schema's root anyOf (one branch: every input, nothing else) is the only check that sees them, and the CLI
    reports it with its own fixed text, which cannot name the key (README, "Answers files")."""
    out = tmp_path / "out"
    result = render({"input_projcet_name": "taxi_fares"}, out, workspace=simulator, home=cli_home)
    assert result.returncode != 0
    assert "instance does not match any of the schemas in anyOf" in result.stderr
    assert not out.exists()


def test_the_known_keys_are_exactly_the_inputs():
    (branch,) = SCHEMA["anyOf"]
    assert branch["additionalProperties"] is False
    assert list(branch["properties"]) == list(PROPERTIES)
    assert all(schema == {} for schema in branch["properties"].values())


def test_duplicate_keys_cannot_be_detected_the_last_one_wins(tmp_path, simulator, cli_home):
    """Go's JSON decoder keeps the last of duplicate keys and the template never sees the file: a limitation of
    `bundle init` that the README states. This test notices if a CLI version starts refusing them."""
    out = tmp_path / "out"
    config = tmp_path / "answers.json"
    config.write_text('{"input_project_name": "first_name", "input_project_name": "second_name"}')
    result = run_cli(
        ["bundle", "init", str(TEMPLATE_SCHEMA.parent), "--config-file", str(config), "--output-dir", str(out)],
        workspace=simulator,
        home=cli_home,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.output
    assert (out / "second_name/second_name/databricks.yml").is_file()
    assert not (out / "first_name").exists()


def test_a_symlinked_output_folder_is_written_through(tmp_path, simulator, cli_home):
    """The CLI's file writer (libs/filer) only checks paths lexically and follows symbolic links, and a template
    cannot look at the file system: `bundle init` cannot refuse this, so the README warns. This test notices if a
    CLI version starts refusing."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "my_mlops_project").symlink_to(elsewhere, target_is_directory=True)
    result = render({}, out, workspace=simulator, home=cli_home)
    assert result.returncode == 0, result.output
    assert (elsewhere / "my_mlops_project/databricks.yml").is_file()


@pytest.mark.parametrize("name", sorted(RETIRED))
def test_retired_inputs_are_never_asked_and_never_written(name, rendered):
    prop = PROPERTIES[name]
    assert prop["skip_prompt_if"] == {} and prop["default"] == ""
    accepted = next(v for v in ("yes", "no") if re.fullmatch(prop["pattern"], v))
    with_it, without = rendered({name: accepted}), rendered({})
    assert with_it.files() == without.files()
    for relative in with_it.files():
        data = (with_it.output / relative).read_bytes()
        assert name.encode() not in data, relative
        if not relative.endswith((".tar.gz", ".parquet")):
            # Identical but for the bundle's UUID, which is new in every render.
            assert UUID_RE.sub("<uuid>", data.decode()) == UUID_RE.sub("<uuid>", without.text(relative)), relative


def test_rendering_into_existing_output_fails_and_leaves_files_untouched(tmp_path, simulator, cli_home, rendered):
    out = tmp_path / "out"
    shutil.copytree(rendered({}).output, out)  # a writable copy of the cached default render
    files = sorted(p for p in out.rglob("*") if p.is_file())
    for p in files:
        p.write_text(f"edited by the user: {p.name}\n")
    second = render({"input_cloud": "aws"}, out, workspace=simulator, home=cli_home)
    assert second.returncode != 0
    assert "one or more files already exist" in second.stderr
    assert sorted(p for p in out.rglob("*") if p.is_file()) == files
    assert all(p.read_text() == f"edited by the user: {p.name}\n" for p in files)
