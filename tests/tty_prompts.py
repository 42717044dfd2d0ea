"""Drive `databricks bundle init` interactively in a pseudo-terminal, the way a user answers it.

Non-interactive runs assign every default and ignore `skip_prompt_if`, so the skip rules can only be
observed in a terminal. `answer_prompts` records which inputs were asked, in order, and the default
each prompt offered (templated defaults resolved against the earlier answers)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pexpect

from tooling.paths import REPO_ROOT, TEMPLATE_SCHEMA
from tooling.render import cli_path
from tooling.simulator import Simulator

# The CLI's terminal library asks the terminal for its background colour and cursor position.
BACKGROUND_QUERY = re.escape("\x1b]11;?\x1b\\")
CURSOR_QUERY = re.escape("\x1b[6n")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x1b]*\x1b\\")
DOWN = "\x1b[B"
# The highlighted option of a selector: "▸ value", with colour codes around both.
SELECTED = r"\u25b8(?:\x1b\[[0-9;]*m)* (?:\x1b\[[0-9;]*m)*(\w+)"


@dataclass
class Prompt:
    name: str
    offered_default: str


def _label(schema: dict, name: str) -> str:
    return schema[name]["description"].splitlines()[0]


def _expect(child: pexpect.spawn, pattern: str) -> re.Match:
    """Wait for `pattern`, answering the terminal queries the CLI makes on the way."""
    while True:
        index = child.expect([BACKGROUND_QUERY, CURSOR_QUERY, pattern])
        if index == 0:
            child.send("\x1b]11;rgb:0000/0000/0000\x1b\\")
        elif index == 1:
            child.send("\x1b[1;1R")
        else:
            return child.match


def answer_prompts(
    choices: dict[str, str], *, workspace: Simulator, home: Path, output: Path, template_dir: Path = REPO_ROOT
) -> list[Prompt]:
    """Answer every prompt with its default, except enum inputs listed in `choices` (value to select)."""
    schema = json.loads((template_dir / TEMPLATE_SCHEMA.name).read_text())["properties"]
    env = workspace.cli_env(home, base={"PATH": "/usr/bin:/bin", "TERM": "xterm", "LANG": "C.UTF-8"})
    child = pexpect.spawn(
        str(cli_path()),
        ["bundle", "init", str(template_dir), "--output-dir", str(output)],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(80, 500),
    )
    remaining = list(schema)
    asked: list[Prompt] = []
    try:
        while True:
            patterns = [BACKGROUND_QUERY, CURSOR_QUERY, pexpect.EOF] + [re.escape(_label(schema, n)) for n in remaining]
            index = child.expect(patterns)
            if index == 0:
                child.send("\x1b]11;rgb:0000/0000/0000\x1b\\")
            elif index == 1:
                child.send("\x1b[1;1R")
            elif index == 2:
                break
            else:
                name = remaining.pop(index - 3)
                prop = schema[name]
                if "enum" in prop:
                    offered = ANSI.sub("", _expect(child, SELECTED).group(1))
                    wanted = choices.get(name, offered)
                    moves = prop["enum"].index(wanted) - prop["enum"].index(offered)
                    assert moves >= 0, "the selector starts at the default, which is listed first"
                    child.send(DOWN * moves + "\r")
                else:
                    offered = ANSI.sub("", _expect(child, r" \[(.*?)\]: ").group(1))
                    child.send("\r")
                asked.append(Prompt(name, offered))
    finally:
        child.close()
    if child.exitstatus != 0:
        raise AssertionError(f"bundle init exited with {child.exitstatus}")
    return asked
