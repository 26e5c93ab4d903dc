"""The record store's modules use each other only through public names (intake.records.ops.StoreOps)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from intake.records import ops
from intake.records.sqlite.store import Store

PACKAGE = Path(__file__).resolve().parents[2] / "intake" / "records"
MODULES = sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_reaches_into_another_modules_private_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("intake"):
            found += [f"imports {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id not in ("self", "cls")
                and not (path.name == "store.py" and node.value.id == "store")):  # Store.open on its own instance
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    assert not found, f"{path.name}: " + "; ".join(found)


def test_store_offers_every_operation_of_the_protocol():
    members = [name for name in vars(ops.StoreOps) if not name.startswith("_")]
    assert {"write", "read", "now", "audit", "row", "open_sealed", "seal_value", "update_identity",
            "checkpoint_wal", "engine"} <= set(members)
    for name in members:
        assert hasattr(Store, name) or name in ("config", "conn", "keyring", "clock"), name
