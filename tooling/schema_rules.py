"""The template's inputs as its schema states them: enum values, plain defaults and the skip rules (skip_prompt_if),
evaluated the way `bundle init` does. Shared by the test matrix and the goldens' prompts.txt; nothing here restates a
rule, it reads databricks_template_schema.json."""

from __future__ import annotations

import itertools
import json

from tooling.paths import TEMPLATE_SCHEMA

PROPERTIES: dict[str, dict] = json.loads(TEMPLATE_SCHEMA.read_text())["properties"]
ENUMS: dict[str, list[str]] = {name: prop["enum"] for name, prop in PROPERTIES.items() if "enum" in prop}
RETIRED = {name for name, prop in PROPERTIES.items() if prop.get("x-retired")}
# The inputs that can be asked, in prompt order.
PROMPT_ORDER = sorted((n for n in PROPERTIES if n not in RETIRED), key=lambda n: (PROPERTIES[n]["order"], n))


def literal_default(name: str) -> str | None:
    """The schema's default when it is a plain value (None when the CLI computes it from earlier answers)."""
    default = PROPERTIES[name].get("default")
    return None if default is None or "{{" in default else default


def _condition_holds(condition: dict, values: dict[str, str]) -> bool:
    """A skip_prompt_if condition of the forms the schema uses (properties with const or enum, anyOf), evaluated
    against answers (an input not answered takes its literal default). An empty condition always holds."""
    if "anyOf" in condition:
        return any(_condition_holds(c, values) for c in condition["anyOf"])
    unknown = set(condition) - {"properties"}
    if unknown:
        raise ValueError(f"skip_prompt_if uses {unknown}: teach tooling/schema_rules.py to evaluate it")
    for name, rule in condition.get("properties", {}).items():
        value = values.get(name, literal_default(name))
        if not set(rule) <= {"const", "enum"}:
            raise ValueError(f"skip_prompt_if on {name} uses {set(rule)}: teach tooling/schema_rules.py to evaluate it")
        if ("const" in rule and value != rule["const"]) or ("enum" in rule and value not in rule["enum"]):
            return False
    return True


def asked(name: str, values: dict[str, str]) -> bool:
    """Whether the CLI asks input `name` given these answers (the schema's skip_prompt_if)."""
    prop = PROPERTIES[name]
    return "skip_prompt_if" not in prop or not _condition_holds(prop["skip_prompt_if"], values)


def asked_inputs(answers: dict[str, str]) -> list[str]:
    """The inputs a user is asked, in order, given these answers to the inputs skip rules depend on."""
    return [name for name in PROMPT_ORDER if asked(name, answers)]


def _referenced(condition: dict) -> set[str]:
    names = set(condition.get("properties", {}))
    for branch in condition.get("anyOf", []):
        names |= _referenced(branch)
    return names


def prompt_table() -> str:
    """For every answer to the inputs that skip rules depend on, the inputs asked, in order: the skip rules in a
    form a reviewer reads (committed as tests/goldens/prompts.txt)."""
    deciding = sorted(
        set().union(*(_referenced(p.get("skip_prompt_if", {})) for p in PROPERTIES.values())),
        key=PROMPT_ORDER.index,
    )
    lines = [
        "# The inputs `bundle init` does not ask, for each answer to the inputs that skip rules depend on (every other",
        "# input is asked, in its schema order). Read from databricks_template_schema.json (skip_prompt_if);",
        "# regenerate with: python -m tooling.preview --update",
    ]
    for values in itertools.product(*(ENUMS[name] for name in deciding)):
        answers = dict(zip(deciding, values, strict=True))
        asked_now = asked_inputs(answers)
        skipped = [name for name in PROMPT_ORDER if name not in asked_now]
        lines.append(" ".join(f"{k}={v}" for k, v in answers.items()) + ":")
        lines += [f"  {name}" for name in skipped]
    return "\n".join(lines) + "\n"
