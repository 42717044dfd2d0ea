"""Rendering is deterministic: the same answers give the same tree, apart from the bundle's random uuid."""

from __future__ import annotations

import re

from matrix import by_id
from rendering import UUID_RE

from tooling.render import render

BUNDLE_UUID_LINE = re.compile(r"^  uuid: (" + UUID_RE.pattern + r")$", re.MULTILINE)


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_answers_render_byte_identical_trees_except_bundle_uuid(tmp_path, simulator, cli_home):
    combo = by_id("full-gcp-gitlab-fs-models")
    trees = []
    for run in ("a", "b"):
        result = render(combo.answers, tmp_path / run, workspace=simulator, home=cli_home)
        assert result.returncode == 0, result.output
        trees.append(_tree(tmp_path / run))
    first, second = trees
    assert first.keys() == second.keys()
    differing = sorted(name for name in first if first[name] != second[name])
    databricks_yml = f"{combo.project_dir}/databricks.yml"
    assert differing == [databricks_yml]
    a, b = (t[databricks_yml].decode() for t in trees)
    uuid_a, uuid_b = BUNDLE_UUID_LINE.search(a).group(1), BUNDLE_UUID_LINE.search(b).group(1)
    assert uuid_a != uuid_b
    assert a.replace(uuid_a, "<uuid>") == b.replace(uuid_b, "<uuid>")


def test_bundle_uuid_appears_only_in_databricks_yml(rendered):
    project = rendered(by_id("full-aws-gha-fs-code"))
    with_uuid = sorted(
        f for f in project.files() if not f.endswith((".gz", ".parquet")) and UUID_RE.search(project.text(f))
    )
    assert with_uuid == [f"{by_id('full-aws-gha-fs-code').project_dir}/databricks.yml"]
