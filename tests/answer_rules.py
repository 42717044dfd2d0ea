"""The rules on answers, read from where they are defined: the schema (patterns and their messages) and
library/input_rules.tmpl (the rules a pattern cannot state, each a `fail` with its message)."""

from __future__ import annotations

import codecs
import json
import re

from tooling.paths import LIBRARY_DIR, TEMPLATE_SCHEMA

SCHEMA = json.loads(TEMPLATE_SCHEMA.read_text())
PROPERTIES: dict[str, dict] = SCHEMA["properties"]
PATTERNS: dict[str, str] = {name: prop["pattern"] for name, prop in PROPERTIES.items() if "pattern" in prop}
# Inputs of upstream versions that this template no longer has ("x-retired", ignored by the CLI): never asked.
RETIRED = {name for name, prop in PROPERTIES.items() if prop.get("x-retired")}
# Inputs that take free text (no enum), apart from the retired ones.
FREE_TEXT = [name for name, prop in PROPERTIES.items() if "enum" not in prop and name not in RETIRED]

RULES_FILE = LIBRARY_DIR / "input_rules.tmpl"
_FAIL = re.compile(r'\{\{ fail "((?:[^"\\]|\\.)*)"')


_UNIVERSAL = re.compile(r'\(regexp "((?:[^"\\]|\\.)*)"\)\.MatchString \(print \$value\)')
UNIVERSAL_MESSAGE_START = "Answers may not contain"


def universal_guard() -> re.Pattern:
    """The characters check_answers refuses in every answer, as a Python regex (the same RE2 character class)."""
    (go_string,) = _UNIVERSAL.findall(RULES_FILE.read_text())
    return re.compile(codecs.decode(go_string, "unicode_escape"))


def guard_formats() -> list[str]:
    """The message formats of the layout's rules (the first argument of each `fail`)."""
    return [json.loads(f'"{raw}"') for raw in _FAIL.findall(RULES_FILE.read_text())]


def guard_message_regex(fmt: str) -> re.Pattern:
    """A regex matching what `fail` prints for the format `fmt` (Go's %q and %s verbs)."""
    parts = re.split(r"(%[qs])", fmt)
    return re.compile("".join({"%q": r"\"(?:[^\"\\]|\\.)*\"", "%s": r".+?"}.get(p, re.escape(p)) for p in parts))


def go_quoted(value: str) -> str:
    """`value` as Go's %q writes it, for the values the tests use (no control character but \t and \n)."""
    return json.dumps(value, ensure_ascii=False)


def refused_by_a_guard(stderr: str, name: str, value: str, universal: bool = True) -> bool:
    """Whether the CLI's output is one of the layout rules' messages, about this input and value (with
    universal=False, one of the rules for particular inputs, not the refusal of characters in any answer)."""
    if f"invalid value for {name}: {go_quoted(value)}." not in stderr:
        return False
    formats = [f for f in guard_formats() if universal or UNIVERSAL_MESSAGE_START not in f]
    return any(guard_message_regex(fmt).search(stderr) for fmt in formats)


def pattern_message(name: str) -> str:
    return PROPERTIES[name]["pattern_match_failure_message"]
