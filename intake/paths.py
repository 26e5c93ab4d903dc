"""Provides the locations of the data folders (schemas/, templates/) and the embedded demo config."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resource(name: str) -> Path:
    """Finds a top-level data folder: the source tree first, then the copy inside a wheel."""
    source_tree = _PACKAGE.parent / name
    if source_tree.is_dir():
        return source_tree
    return _PACKAGE / "_data" / name


SCHEMAS_DIR = _resource("schemas")
TEMPLATES_DIR = _resource("templates")
DEMO_CONFIG = _PACKAGE / "defaults" / "demo-clinic.toml"
