"""Pin an input of the template to one value, or unpin it again.

    python -m tooling.inputs pin input_cloud=aws [input_cicd_platform=gitlab ...]
    python -m tooling.inputs unpin input_cloud [...]
    python -m tooling.inputs list
    python -m tooling.inputs --schema path/to/databricks_template_schema.json pin ...   (another copy)

A pinned input is no longer asked (its skip condition is always true), defaults to the pinned value and accepts
no other (an answers file naming another value is refused with a clear message). The original default and skip
condition are kept in the schema under "x-pinned" (the CLI ignores unknown keys), so `unpin` restores the schema
byte for byte. Templates keep reading `.input_cloud` as before: nothing else has to change.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from tooling.paths import TEMPLATE_SCHEMA

PIN_KEY = "x-pinned"
_MISSING = "__absent__"


class InputError(ValueError):
    pass


def load(path: Path = TEMPLATE_SCHEMA) -> dict:
    return json.loads(path.read_text())


def dump(schema: dict, path: Path = TEMPLATE_SCHEMA) -> None:
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")


def pin(schema: dict, name: str, value: str) -> None:
    props = schema["properties"]
    if name not in props:
        raise InputError(f"unknown input {name!r}; known inputs: {', '.join(props)}")
    prop = props[name]
    if PIN_KEY in prop:
        raise InputError(f"{name} is already pinned to {prop['const']!r}; unpin it first")
    if "enum" in prop and value not in prop["enum"]:
        raise InputError(f"{name} must be one of {prop['enum']}, not {value!r}")
    if "pattern" in prop and not re.fullmatch(prop["pattern"], value):
        raise InputError(f"{value!r} is not a valid {name}: {prop['pattern_match_failure_message']}")
    prop[PIN_KEY] = {"default": prop.get("default", _MISSING), "skip_prompt_if": prop.get("skip_prompt_if", _MISSING)}
    prop["default"] = value
    prop["skip_prompt_if"] = {}  # an empty condition always holds: never asked
    prop["const"] = value


def unpin(schema: dict, name: str) -> None:
    prop = schema["properties"].get(name)
    if prop is None or PIN_KEY not in prop:
        raise InputError(f"{name} is not pinned")
    original = prop.pop(PIN_KEY)
    del prop["const"]
    for key in ("default", "skip_prompt_if"):
        if original[key] == _MISSING:
            del prop[key]
        else:
            prop[key] = original[key]


def pinned(schema: dict) -> dict[str, str]:
    return {n: p["const"] for n, p in schema["properties"].items() if PIN_KEY in p}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.inputs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schema", type=Path, default=TEMPLATE_SCHEMA, help="schema file (default: this repo's)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("pin", help="pin inputs: NAME=VALUE ...").add_argument("pins", nargs="+", metavar="NAME=VALUE")
    sub.add_parser("unpin", help="unpin inputs: NAME ...").add_argument("names", nargs="+", metavar="NAME")
    sub.add_parser("list", help="print the pinned inputs")
    args = parser.parse_args(argv)
    schema = load(args.schema)
    try:
        if args.command == "pin":
            for arg in args.pins:
                name, sep, value = arg.partition("=")
                if not sep:
                    raise InputError(f"expected NAME=VALUE, got {arg!r}")
                pin(schema, name, value)
        elif args.command == "unpin":
            for name in args.names:
                unpin(schema, name)
        else:
            for name, value in pinned(schema).items():
                print(f"{name}={value}")
            return 0
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    dump(schema, args.schema)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
