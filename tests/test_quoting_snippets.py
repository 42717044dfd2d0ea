"""The quoting snippets of library/quoting.tmpl and the answer rules of library/input_rules.tmpl, fed values that
the schema would refuse.

The schema's patterns keep hostile values away from the real template, so these tests render a scratch template
instead: a schema whose inputs have no pattern, the repository's own library/, and one file per snippet. The real
CLI renders it; each output is parsed back the way its consumer would (YAML, JSON, bash, a CI expression lexer) and
must give the original value.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from answer_rules import guard_formats, guard_message_regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tooling.paths import LIBRARY_DIR, TOOLS_BIN
from tooling.render import render

# The hostile examples, and the characters each consumer treats specially.
HOSTILE = [
    "img:$(touch pwned)",
    "`id`",
    'my"proj',
    "#abc",
    "&anchor",
    "x:\ty",
    "two\nlines",
    'main"; echo pwned; "',
    "main #x",
    "main: x",
    "ma'in",
    "x'||true||'",
    'x" || $CI_PIPELINE_SOURCE == "push',
    "${{ github.event.issue.title }}",
    "${var.catalog_name}",
    "$(Build.SourceBranch)",
    "team #1",
    "0x10",
    "null",
    "~",
    "yes",
    "",
    "  padded  ",
    "back\\slash",
    "'",
    "''",
    '"',
    "\\'",
    '\\"',
    "bell\x07 and del\x7f",
    "line\u2028separator",
    "naïve café",
    "emoji 😀",
    "private\ue000use",
    "<script>&=</script>",
    "a|b",
    "- item",
    "[flow, seq]",
    "{flow: map}",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "?key",
    "---",
]
# A character outside the Basic Multilingual Plane that Go does not consider printable: JSON cannot take it.
NON_BMP_UNPRINTABLE = "\U000e0001"
CI_LITERAL = re.compile(r"'(?:[^']|'')*'")


def scratch_template(folder: Path, files: dict[str, str], inputs: list[str]) -> Path:
    """A template with the repository's library, pattern-free string inputs and the given template files."""
    shutil.copytree(LIBRARY_DIR, folder / "library")
    schema = {"properties": {name: {"type": "string", "description": name, "default": ""} for name in inputs}}
    (folder / "databricks_template_schema.json").write_text(json.dumps(schema))
    for name, text in files.items():
        path = folder / "template" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def render_snippets(values: list[str], tmp_path: Path, simulator, cli_home, snippets=None):
    """Render each snippet once over all values; returns {snippet: output text} or the failed CLI result."""
    names = [f"v{i}" for i in range(len(values))]
    snippets = snippets or ["yaml_string", "json_string", "shell_string", "ci_string_literal"]
    separators = {"yaml_string": "\n- ", "json_string": ", ", "shell_string": " ", "ci_string_literal": ","}
    files = {
        f"{snippet}.txt.tmpl": separators.get(snippet, ",").join(
            "{{ template `" + snippet + "` ." + name + " }}" for name in names
        )
        for snippet in snippets
    }
    template = scratch_template(tmp_path / "template", files, names)
    out = tmp_path / "out"
    answers = dict(zip(names, values, strict=True))
    result = render(answers, out, workspace=simulator, home=cli_home, template_dir=template)
    if result.returncode != 0:
        return result
    # Bytes, not read_text(): universal newlines would turn a "\r" in a value into "\n".
    return {snippet: (out / f"{snippet}.txt").read_bytes().decode() for snippet in snippets}


def parse_outputs(outputs: dict[str, str]) -> dict[str, list[str]]:
    parsed = {
        "yaml_string": yaml.safe_load("- " + outputs["yaml_string"]),
        "json_string": json.loads(f"[{outputs['json_string']}]"),
    }
    if "shell_string" in outputs:
        words = outputs["shell_string"]
        shell = subprocess.run(["bash", "-c", f"printf '%s\\0' {words}"], capture_output=True, check=True)
        parsed["shell_string"] = shell.stdout.decode().split("\0")[:-1]
    literals = CI_LITERAL.findall(outputs["ci_string_literal"])
    assert ",".join(literals) == outputs["ci_string_literal"], "a value ended its literal early"
    parsed["ci_string_literal"] = [literal[1:-1].replace("''", "'") for literal in literals]
    return parsed


def test_hostile_values_come_back_unchanged_from_every_snippet(tmp_path, simulator, cli_home):
    outputs = render_snippets(HOSTILE, tmp_path / "all", simulator, cli_home)
    assert isinstance(outputs, dict), outputs.output
    for snippet, values in parse_outputs(outputs).items():
        assert values == HOSTILE, snippet
    # No program argument can hold a NUL character: the shell snippet is checked on every other value only.
    nul = ["nul\x00byte"]
    outputs = render_snippets(
        nul, tmp_path / "nul", simulator, cli_home, ["yaml_string", "json_string", "ci_string_literal"]
    )
    assert parse_outputs(outputs) == {"yaml_string": nul, "json_string": nul, "ci_string_literal": nul}


# Any text but NUL, which no program argument can hold (one render per example, of up to eight values).
ANY_TEXT = st.text(st.characters(exclude_characters="\0", exclude_categories=["Cs"]))


@settings(max_examples=15, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(values=st.lists(ANY_TEXT, min_size=1, max_size=8))
def test_any_text_comes_back_unchanged_from_every_snippet(values, tmp_path_factory, simulator, cli_home):
    values = [v for v in values if not re.search(r"[^\x00-\uffff]", v)] or ["x"]  # non-BMP: see the next test
    outputs = render_snippets(values, tmp_path_factory.mktemp("snippets"), simulator, cli_home)
    assert isinstance(outputs, dict), outputs.output
    for snippet, parsed in parse_outputs(outputs).items():
        assert parsed == values, snippet


def test_json_refuses_what_it_cannot_encode_and_keeps_printable_astral_characters(tmp_path, simulator, cli_home):
    ok = render_snippets(["emoji 😀 𝄞"], tmp_path / "ok", simulator, cli_home, ["json_string"])
    assert json.loads(ok["json_string"]) == "emoji 😀 𝄞"
    refused = render_snippets([NON_BMP_UNPRINTABLE], tmp_path / "refused", simulator, cli_home, ["json_string"])
    assert refused.returncode != 0
    assert "contains a character that cannot be written to a JSON file" in refused.stderr
    assert not (tmp_path / "refused/out").exists()


def test_gitlab_literals_read_back_with_gitlabs_own_lexer_and_refuse_a_double_quote(tmp_path, simulator, cli_home):
    # GitLab's expression lexer (lib/gitlab/ci/pipeline/expression/lexeme/string.rb) has no escapes.
    lexer = re.compile(r"(\"(?P<d>.*?)\")|('(?P<s>.*?)')")
    values = [v for v in HOSTILE if '"' not in v and "\n" not in v]
    outputs = render_snippets(values, tmp_path / "ok", simulator, cli_home, ["gitlab_string_literal"])
    literals = outputs["gitlab_string_literal"]
    found = [m.group("d") for m in lexer.finditer(literals)]
    assert found == values
    refused = render_snippets(['x" || "1'], tmp_path / "refused", simulator, cli_home, ["gitlab_string_literal"])
    assert refused.returncode != 0
    assert "cannot be compared in a GitLab rule: it contains a double quote" in refused.stderr


def test_ci_literals_keep_a_prod_guard_a_single_comparison_for_actionlint(tmp_path, simulator, cli_home):
    """The GitHub `if:` of the prod deployment, for branches that would widen it if spliced: actionlint parses each
    and finds a valid expression; the only literal in it is the whole ref."""
    branches = ["x'||true||'", "x' || github.ref != '", "main')", "a''b"]
    files = {
        f"w{i}.yml.tmpl": (
            "on: push\njobs:\n  prod:\n    runs-on: ubuntu-latest\n"
            f'    if: "github.ref == {{{{ template `ci_string_literal` (print "refs/heads/" .v{i}) }}}}"\n'
            "    steps:\n      - run: echo deploy\n"
        )
        for i in range(len(branches))
    }
    template = scratch_template(tmp_path / "template", files, [f"v{i}" for i in range(len(branches))])
    out = tmp_path / "out"
    answers = {f"v{i}": b for i, b in enumerate(branches)}
    result = render(answers, out, workspace=simulator, home=cli_home, template_dir=template)
    assert result.returncode == 0, result.output
    lint = subprocess.run(
        [str(TOOLS_BIN / "actionlint"), "-no-color", *sorted(map(str, out.glob("*.yml")))], capture_output=True
    )
    assert lint.returncode == 0, lint.stdout.decode() + lint.stderr.decode()
    for i, branch in enumerate(branches):
        condition = yaml.safe_load((out / f"w{i}.yml").read_text())["jobs"]["prod"]["if"]
        (literal,) = CI_LITERAL.findall(condition)
        assert condition == f"github.ref == {literal}"
        assert literal[1:-1].replace("''", "'") == f"refs/heads/{branch}"


@pytest.mark.parametrize(
    "value", ["two\nlines", 'quote"', "apos'", "back\\slash", "tick`", "${var.x}", "a{b", "a}b", "a|b", "<b>", "\x7f"]
)
def test_the_answer_rules_refuse_characters_no_generated_file_can_hold_unquoted(value, tmp_path, simulator, cli_home):
    """check_answers, the layout's second line of defence: it refuses these in any answer, whatever its pattern."""
    files = {"update_layout.tmpl": "{{ template `check_answers` . }}{{ skip `update_layout` }}", "x.txt": "x"}
    template = scratch_template(tmp_path / "template", files, ["input_anything"])
    out = tmp_path / "out"
    result = render({"input_anything": value}, out, workspace=simulator, home=cli_home, template_dir=template)
    assert result.returncode != 0
    (universal,) = [f for f in guard_formats() if "Answers may not contain" in f]
    assert guard_message_regex(universal).search(result.stderr), result.stderr
    assert not out.exists()


def test_the_answer_rules_let_ordinary_answers_through(tmp_path, simulator, cli_home):
    files = {"update_layout.tmpl": "{{ template `check_answers` . }}{{ skip `update_layout` }}", "x.txt": "x"}
    template = scratch_template(tmp_path / "template", files, ["input_a", "input_b"])
    answers = {"input_a": "account users", "input_b": "registry.gitlab.com/a/b:1.0@sha256:" + "0" * 64}
    result = render(answers, tmp_path / "out", workspace=simulator, home=cli_home, template_dir=template)
    assert result.returncode == 0, result.output
