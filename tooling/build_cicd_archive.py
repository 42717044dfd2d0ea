"""Build template/{{.input_root_dir}}/cicd.tar.gz, the cicd sub-template that deploy-cicd unpacks.

    python -m tooling.build_cicd_archive           # rewrite the archive
    python -m tooling.build_cicd_archive --check   # exit 1 if the committed archive is out of date

Nothing in the archive is maintained twice. It is assembled from:
  - the sub-template skeleton, template/{{.input_root_dir}}/cicd/ (its schema, update_layout, the project's
    bundle-targets file, the add_project_cicd.py script). The schema's enums, patterns and minimum CLI version
    are copied from the main template's schema, so the two cannot disagree;
  - the main template's per-project pipelines (.github/workflows/<name>-*, .azure/devops-pipelines/<name>-*,
    .gitlab/pipelines/<name>-*), placed under cicd/template/ at the same relative paths;
  - the library files those templates call (LIBRARY_FILES), under cicd/library/.

The archive is reproducible: entries sorted by name, fixed mtime, owner and modes, and a gzip header without
a file name or timestamp.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import tarfile

from tooling.paths import LIBRARY_DIR, TEMPLATE_DIR, TEMPLATE_SCHEMA

ROOT_TEMPLATE = TEMPLATE_DIR / "{{.input_root_dir}}"
SKELETON = ROOT_TEMPLATE / "cicd"
ARCHIVE = ROOT_TEMPLATE / "cicd.tar.gz"

# Per-project pipeline templates of the main template, relative to ROOT_TEMPLATE.
PER_PROJECT_PATTERNS = [
    ".github/workflows/{{.input_project_name}}-*",
    ".azure/devops-pipelines/{{.input_project_name}}-*",
    ".gitlab/pipelines/{{.input_project_name}}-*",
]
# Library files the packed templates use (the sub-template has no other library).
LIBRARY_FILES = ["template_variables.tmpl", "bundle_targets.tmpl", "cicd.tmpl", "quoting.tmpl", "input_rules.tmpl"]
# Schema keys copied from the main template's definition of each input.
COPIED_SCHEMA_KEYS = ["enum", "pattern", "pattern_match_failure_message"]

MTIME = 946684800  # 2000-01-01T00:00:00Z: any fixed value; git does not keep file times anyway.


def sub_template_schema() -> bytes:
    """The skeleton's schema, completed from the main template's schema."""
    main = json.loads(TEMPLATE_SCHEMA.read_text())
    schema = json.loads((SKELETON / "databricks_template_schema.json").read_text())
    schema["min_databricks_cli_version"] = main["min_databricks_cli_version"]
    for name, prop in schema["properties"].items():
        if name not in main["properties"]:
            raise ValueError(f"cicd sub-template input {name} is not an input of the main template")
        for key in COPIED_SCHEMA_KEYS:
            if key in main["properties"][name]:
                prop[key] = main["properties"][name][key]
    # As in the main schema: an answer for an input the sub-template does not have (a typo) is refused.
    schema["anyOf"] = [{"properties": {name: {} for name in schema["properties"]}, "additionalProperties": False}]
    return (json.dumps(schema, indent=2) + "\n").encode()


def entries() -> dict[str, bytes]:
    """Archive member name -> content."""
    files: dict[str, bytes] = {}
    for path in sorted(SKELETON.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[f"cicd/{path.relative_to(SKELETON).as_posix()}"] = path.read_bytes()
    files["cicd/databricks_template_schema.json"] = sub_template_schema()
    for name in LIBRARY_FILES:
        files[f"cicd/library/{name}"] = (LIBRARY_DIR / name).read_bytes()
    for pattern in PER_PROJECT_PATTERNS:
        matches = sorted(ROOT_TEMPLATE.glob(pattern))
        if not matches:
            raise ValueError(f"no per-project template matches {pattern}")
        for path in matches:
            files[f"cicd/template/{path.relative_to(ROOT_TEMPLATE).as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))


def tar_bytes() -> bytes:
    """The uncompressed tar stream."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, content in entries().items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = MTIME
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def build() -> bytes:
    """The archive: the tar stream, gzip-compressed with no file name and mtime 0 in the header."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(tar_bytes())
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the committed archive is current")
    args = parser.parse_args(argv)
    fresh = build()
    if args.check:
        if not ARCHIVE.exists() or ARCHIVE.read_bytes() != fresh:
            print(f"{ARCHIVE} is out of date: run `python -m tooling.build_cicd_archive`.", file=sys.stderr)
            return 1
        return 0
    ARCHIVE.write_bytes(fresh)
    print(f"Wrote {ARCHIVE.relative_to(TEMPLATE_DIR.parent)} ({len(fresh)} bytes, {len(entries())} files).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
