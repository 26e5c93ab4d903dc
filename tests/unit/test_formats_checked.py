"""Every "format" a schema of intake names is one jsonschema really checks with the checker intake validates with.

intake installs jsonschema without its format extras (importing them cost 1.1 s of CPU per process), so a format
whose checker lives in an extra ("uri", "iri", "date-time", ...) would pass anything, silently. Generated from the
schemas: each schema file and the record schema built from the questionnaire."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from intake.engine import Engine
from tests.conftest import ROOT

SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))


def formats(schema: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, format) of each "format" keyword in a schema: a string beside "type", "enum" or "const", or in a
    subschema position (not a property *named* format, whose value is a schema)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "format" and isinstance(value, str):
                yield path, value
            elif key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"):
                if isinstance(value, dict):
                    for name, sub in value.items():
                        yield from formats(sub, f"{path}/{key}/{name}")
            else:
                yield from formats(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from formats(item, f"{path}/{index}")


def all_formats() -> list[tuple[str, str, str]]:
    found = [(file.name, path, name) for file in SCHEMAS
             for path, name in formats(json.loads(file.read_text(encoding="utf-8")))]
    found += [("record schema", path, name) for path, name in formats(Engine.load().record_schema)]
    return found


def test_the_schemas_name_formats():
    named = {name for _, _, name in all_formats()}
    assert {"date", "email", "regex"} <= named  # the walk finds them (a walk that finds nothing proves nothing)


@pytest.mark.parametrize(("where", "path", "name"), all_formats())
def test_each_format_named_is_checked(where, path, name):
    assert name in Draft202012Validator.FORMAT_CHECKER.checkers, (
        f"{where} {path}: format {name!r} is not checked by the installed jsonschema; "
        "use a format it checks or a pattern")


@pytest.mark.parametrize(("name", "good", "bad"), [
    ("date", "2028-02-29", "2027-02-29"), ("email", "desk@example.org", "desk.example.org"), ("regex", "^a+$", "(")])
def test_the_formats_used_reject_what_they_should(name, good, bad):
    checker = Draft202012Validator.FORMAT_CHECKER
    assert checker.conforms(good, name) and not checker.conforms(bad, name)
