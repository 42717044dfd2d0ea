"""Locations used by the tooling. Heavy caches live in per-user cache folders so a fresh clone reuses them."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_SCHEMA = REPO_ROOT / "databricks_template_schema.json"
LIBRARY_DIR = REPO_ROOT / "library"
TEMPLATE_DIR = REPO_ROOT / "template"

# Git-ignored folder inside the checkout where the pinned tools are placed.
TOOLS_DIR = REPO_ROOT / ".tools"
TOOLS_BIN = TOOLS_DIR / "bin"


def user_cache_dir() -> Path:
    """Per-user cache shared by every clone on this machine (survives `git clean`)."""
    base = os.environ.get("MLOPS_STACKS_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mlops-stacks-fork"
