"""The SQLite engine stays in its subpackage, and seals are computed by intake's write path, never inside SQL."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "intake"
ENGINE = ROOT / "records" / "sqlite"
MODULES = sorted(ROOT.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_sqlite_engine_imports_sqlite3():
    outside = [str(p.relative_to(ROOT)) for p in MODULES if ENGINE not in p.parents and "sqlite3" in imported(p)]
    assert outside == []
    assert any("sqlite3" in imported(p) for p in ENGINE.glob("*.py"))  # the check looks where it should


def test_no_module_registers_functions_or_temporary_triggers_in_the_database():
    found = []
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        for word in ("create_function", "create_aggregate", "TEMP TRIGGER", "TEMPORARY TRIGGER"):
            if word in text:
                found.append(f"{path.relative_to(ROOT)}: {word}")
    assert found == []


def test_the_engine_neutral_record_keeping_does_not_import_the_engine():
    """Records and its modules reach SQLite only through the Backend they are given (legacy aliases excepted)."""
    aliases = {"audit.py", "db.py", "migrations.py", "rotate.py", "ops.py", "search.py", "store.py", "__init__.py"}
    reaching = []
    for path in sorted((ROOT / "records").glob("*.py")):
        if path.name in aliases:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("intake.records.sqlite"):
                reaching.append(f"{path.name}: {node.module}")
    assert reaching == []
