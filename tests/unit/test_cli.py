"""The CLI as staff run it: real processes, exit codes, no tracebacks."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT


def run(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "intake", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin, env={**os.environ, **(env or {})}, timeout=60)


def assert_clean(result):
    assert "Traceback" not in result.stdout + result.stderr


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("intake ")


def test_help_imports_no_heavy_library():
    code = ("import sys\nfrom intake.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('weasyprint', 'textual', 'questionary', 'jsonschema', 'pyhanko', 'cryptography')"
            " if m in sys.modules]\nprint('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in result.stdout, result.stdout


@pytest.mark.parametrize("name", ["suitable", "caution", "clearance", "defer"])
def test_validate_and_assess_examples(name):
    path = str(EXAMPLES / f"{name}.json")
    assert run("validate", path).returncode == 0
    result = run("assess", path, "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["verdict"] == name
    text = run("assess", path)
    assert text.returncode == 0 and "Verdict:" in text.stdout


def test_invalid_record_exits_1_and_lists_problems(tmp_path):
    record = json.loads((EXAMPLES / "suitable.json").read_text())
    record["answers"]["date_of_birth"] = "2031-02-30"
    record["answers"]["full_name"] = "<b>Bold</b>"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(record))
    result = run("validate", str(path))
    assert result.returncode == 1
    assert "Date of birth [date_of_birth]: '2031-02-30' is not a real date" in result.stdout
    assert "Your full name [full_name]" in result.stdout
    result = run("assess", str(path), "--json")
    assert result.returncode == 1 and json.loads(result.stdout)["valid"] is False


@pytest.mark.parametrize(("content", "expected"), [
    (b'{"consultation_date": "2026-11-20", ', "not valid JSON at line 1"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b'{"a": 1, "a": 2}', "appears twice"),
    (b'{"answers": NaN}', "NaN is not allowed"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"", "not valid JSON"),
], ids=["truncated", "not-utf8", "duplicate-key", "nan", "deep", "empty"])
def test_unreadable_files_exit_1_without_traceback(tmp_path, content, expected):
    path = tmp_path / "input.json"
    path.write_bytes(content)
    for command in ("validate", "assess"):
        result = run(command, str(path))
        assert result.returncode == 1, result.stderr
        assert expected in result.stderr
        assert_clean(result)


def test_missing_file_and_folder(tmp_path):
    assert "no such file" in run("validate", str(tmp_path / "nope.json")).stderr
    assert "is a folder" in run("validate", str(tmp_path)).stderr


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "huge.json"
    path.write_bytes(b'{"x": "' + b"a" * (6 * 1024 * 1024) + b'"}')
    result = run("validate", str(path))
    assert result.returncode == 1 and "larger than 5 MiB" in result.stderr


def test_reads_standard_input():
    result = run("validate", "-", stdin=(EXAMPLES / "caution.json").read_text())
    assert result.returncode == 0


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("validate").returncode == 2
    assert run("frobnicate").returncode == 2


def test_check_and_schema(tmp_path):
    result = run("check")
    assert result.returncode == 0 and "Everything checks out" in result.stdout
    out = tmp_path / "schema.json"
    assert run("schema", "--out", str(out)).returncode == 0
    assert json.loads(out.read_text())["$schema"].endswith("2020-12/schema")


def test_bad_config_exits_1_with_the_path(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[clinic\n")
    result = run("--config", str(config), "check")
    assert result.returncode == 1 and str(config) in result.stderr
    assert_clean(result)
    result = run("check", env={"INTAKE_CONFIG": str(config)})
    assert result.returncode == 1
