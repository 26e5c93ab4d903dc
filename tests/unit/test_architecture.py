"""The core imports no UI library, and functions stay short."""

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

UI = ("textual", "questionary")
FRONT_ENDS = ("tui", "prompt")


def core_modules():
    for path in sorted((ROOT / "intake").rglob("*.py")):
        relative = path.relative_to(ROOT / "intake")
        if relative.parts[0] in FRONT_ENDS or relative.parts[0] == "_data":
            continue
        yield path


def imported_names(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_core_module_imports_a_ui_library():
    offenders = []
    for path in core_modules():
        if path.parts[-2] == "cli":
            continue  # the CLI starts the front ends, lazily, inside handlers
        offenders += [f"{path}: {name}" for name in imported_names(path) if name.split(".")[0] in UI]
    assert offenders == []


def test_importing_the_core_loads_no_ui_library():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in core_modules()]
    modules = [m for m in modules if not m.endswith("__main__")]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += f"print(sorted(m for m in sys.modules if m.split('.')[0] in {UI!r}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


MAX_FUNCTION_LINES = 60


def function_lengths(source: str):
    """(name, first line, length) of every function and method, decorators and docstring included."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            yield node.name, node.lineno, (node.end_lineno or node.lineno) - first + 1


def test_functions_stay_short():
    """No function or method of intake/ is longer than a screen.

    Complexity is gated by ruff (C901, max-complexity in pyproject.toml); this keeps them short.
    """
    long = [f"{path.relative_to(ROOT)}:{line} {name} ({length} lines)"
            for path in sorted((ROOT / "intake").rglob("*.py"))
            for name, line, length in function_lengths(path.read_text(encoding="utf-8"))
            if length > MAX_FUNCTION_LINES]
    assert long == [], "split these into smaller functions:\n" + "\n".join(long)


def test_the_length_gate_counts_decorators_and_nested_functions():
    body = "".join(f"    x{i} = {i}\n" for i in range(58))
    assert list(function_lengths(f"@decorator\ndef f():\n{body}")) == [("f", 2, 60)]
    nested = "class C:\n    def g(self):\n        def h():\n            pass\n" + body.replace("    ", "        ")
    assert sorted(function_lengths(nested)) == [("g", 2, 61), ("h", 3, 2)]


def runtime_imports(package: str) -> dict[str, set[str]]:
    """Each module of a package and the modules of it that it imports at run time (lazily inside functions too;
    imports for the type checker only left out)."""
    folder = ROOT.joinpath(*package.split("."))
    names = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in folder.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(block.test) for n in ast.walk(block)}
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found |= {m for m in (node.module, *(f"{node.module}.{a.name}" for a in node.names)) if m in names}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name in names}
        graph[name] = found - {name}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of the graph (the modules in order), or [] when there is none."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                return path[path.index(other):] + [other]
            if other not in state and (found := visit(other)):
                return found
        state[module] = 2
        path.pop()
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return []


def test_the_documents_package_has_no_import_cycle():
    """verify -> sealcheck -> ltv -> verify was one; the seal checks' leaf (cmscheck) now imports nothing of its
    package, and the rest imports downwards."""
    assert cycle(runtime_imports("intake.documents")) == []


def test_the_cycle_finder_finds_one():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []
