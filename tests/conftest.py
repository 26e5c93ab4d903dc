"""Shared fixtures: one engine for the session, the example records, and helpers to vary them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from intake.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()


def load_example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def suitable() -> dict:
    """A fresh copy of the suitable example record."""
    return copy.deepcopy(load_example("suitable"))


def with_answers(record: dict, **changes) -> dict:
    """A copy of a record with some answers changed (None removes an answer)."""
    result = copy.deepcopy(record)
    for key, value in changes.items():
        if value is None:
            result["answers"].pop(key, None)
        else:
            result["answers"][key] = value
    return result
