"""Golden renders (tests/goldens/, see tooling/goldens.py): each curated answer set renders exactly its committed
tree, and each variant diff is the current difference between its two goldens.

A failure prints the difference. If the change is intended, run `python -m tooling.preview --update` and review
`git diff tests/goldens` (the variant diffs there show what one answer does)."""

from __future__ import annotations

import json

import pytest
from answer_rules import PROPERTIES

from tooling import goldens, schema_rules

NAMES = goldens.golden_names()
SHOWN_LINES = 400


def _explain(diff: str) -> str:
    lines = diff.splitlines()
    shown = "\n".join(lines[:SHOWN_LINES])
    more = f"\n... {len(lines) - SHOWN_LINES} more lines" if len(lines) > SHOWN_LINES else ""
    return f"the render differs from its golden (intended? run `python -m tooling.preview --update`):\n{shown}{more}"


@pytest.mark.parametrize("name", NAMES)
def test_render_matches_its_golden(name, rendered, simulator, cli_home, tmp_path):
    answers, add_project = goldens.read_answers(name)
    if add_project is None:
        out = rendered(answers).output  # the shared render cache: the matrix renders some of the same answers
    else:
        out = tmp_path / "out"
        goldens.render_golden(answers, add_project, out, workspace=simulator, home=cli_home)
    snap = goldens.snapshot(out) | goldens.resolved(out, workspace=simulator, home=cli_home)
    diff = goldens.snapshot_diff(goldens.committed(name), snap, "golden", "render")
    if diff:
        pytest.fail(_explain(diff), pytrace=False)


@pytest.mark.parametrize(("a", "b"), goldens.variant_pairs(), ids="..".join)
def test_variant_diff_is_current(a, b):
    path = goldens.variant_diff_path(a, b)
    assert path.is_file() and path.read_bytes().decode() == goldens.variant_diff(a, b), (
        f"{path.name} is out of date: run `python -m tooling.preview --update`"
    )


def test_variant_pairs_differ_in_exactly_one_answer_and_no_diff_is_stale():
    """One answer, or the same answers with a project added (add_project.json)."""
    for a, b in goldens.variant_pairs():
        (answers_a, added_a), (answers_b, added_b) = goldens.read_answers(a), goldens.read_answers(b)
        changed = {k for k in answers_a.keys() | answers_b.keys() if answers_a.get(k) != answers_b.get(k)}
        changed |= {"add_project.json"} if added_a != added_b else set()
        assert len(changed) == 1, (a, b, changed)
    expected = {goldens.variant_diff_path(a, b).name for a, b in goldens.variant_pairs()}
    assert {p.name for p in goldens.DIFFS_DIR.iterdir()} == expected


def test_goldens_show_every_value_of_every_enum():
    """Read from each golden's own record: every enum value of the schema is reviewed in at least one golden."""
    seen: dict[str, set[str]] = {}
    for name in NAMES:
        for relative, text in goldens.committed(name).items():
            if relative.endswith(goldens.RECORD):
                for key, value in json.loads(text)["answers"].items():
                    seen.setdefault(key, set()).add(value)
    for key, prop in PROPERTIES.items():
        if "enum" in prop:
            assert seen[key] == set(prop["enum"]), key


def test_prompts_table_is_current():
    """prompts.txt shows the skip rules as a reviewer reads them; a change to a skip rule changes it."""
    assert goldens.PROMPTS_FILE.read_text() == schema_rules.prompt_table(), (
        "tests/goldens/prompts.txt is out of date: run `python -m tooling.preview --update`"
    )
