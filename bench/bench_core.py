"""Benchmarks the core: `intake --help` start-up and warm validate + assess of one record."""

from __future__ import annotations

import json
from pathlib import Path

from harness import PYTHON, Result, median, time_calls, time_command

ROOT = Path(__file__).resolve().parent.parent


def collect() -> list[Result]:
    results = []
    bare = median(time_command([PYTHON, "-c", "pass"], repeat=10))
    helps = median(time_command([PYTHON, "-m", "intake", "--help"], repeat=10))
    results.append(Result("intake --help (process start to exit)", helps, "<= 0.3 s", helps <= 0.3,
                          "python -c pass", bare))

    from jsonschema import Draft202012Validator

    from intake.engine import Engine

    engine = Engine.load()
    record = json.loads((ROOT / "examples" / "clearance.json").read_text(encoding="utf-8"))
    engine.assess(record)  # warm: validators built, caches filled
    warm = median(time_calls(lambda: engine.assess(record), repeat=200, warmup=5))
    raw = Draft202012Validator(engine.record_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    baseline = median(time_calls(lambda: raw.is_valid(record), repeat=200, warmup=5))
    results.append(Result("validate + assess one record (warm)", warm, "<= 50 ms", warm <= 0.05,
                          "bare jsonschema is_valid", baseline))
    cold_engine = median(time_calls(lambda: Engine.load().assess(record), repeat=5, warmup=1))
    results.append(Result("load engine + first assess (cold-ish)", cold_engine, "report only", True))
    return results
