"""The README's questions table states each input's rule exactly as the schema does (the message `bundle init`
prints when an answer breaks it), for every input, in the schema's order."""

from __future__ import annotations

from answer_rules import PROPERTIES, RULES_FILE

from tooling.paths import LIBRARY_DIR, REPO_ROOT


def questions_table() -> dict[str, list[str]]:
    """input name -> the cells of its row in the README's questions table."""
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split("## The questions", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if line.startswith("| `input_"):
            rows[cells[0].strip("`")] = cells
    return rows


def stated_rule(name: str) -> str:
    prop = PROPERTIES[name]
    if "enum" in prop:
        return "one of " + ", ".join(f"`{value}`" for value in prop["enum"])
    return prop["pattern_match_failure_message"]


def test_the_questions_table_has_every_input_in_the_schemas_order():
    assert list(questions_table()) == list(PROPERTIES)


def test_the_questions_table_states_each_rule_as_the_schema_does():
    for name, cells in questions_table().items():
        assert len(cells) == 4, name
        assert cells[3] == stated_rule(name), name


def test_customization_guide_names_where_the_rules_live():
    guide = (REPO_ROOT / "CUSTOMIZATION.md").read_text()
    for path in (RULES_FILE, LIBRARY_DIR / "quoting.tmpl"):
        assert path.relative_to(REPO_ROOT).as_posix() in guide
        assert path.is_file()
