"""Provides loading of the project's own data files, checked against their JSON Schemas.

Every mistake is reported with the file, a JSON path such as `$.steps[2].questions[0].type`, what
is wrong, and how to fix it, so that a clinic editing schemas/ is never left with a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.errors import DataFileError, FileProblem, InputFileError
from intake.jsonfile import read_json
from intake.paths import SCHEMAS_DIR

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


def json_path(parts: Iterable[Any]) -> str:
    """Formats a jsonschema path deque as `$.a[0].b`."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def toml_path(parts: Iterable[Any]) -> str:
    """Formats a path for a TOML file as `clinic.phone` or `practitioners[1].id`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@cache
def meta_validator(schema_name: str) -> Draft202012Validator:
    """Builds (once) a Draft 2020-12 validator for one of the schemas/*.schema.json files."""
    from jsonschema import Draft202012Validator

    schema = read_json(SCHEMAS_DIR / schema_name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _relevant(error: ValidationError) -> ValidationError:
    """The error to report for a oneOf/anyOf: the one inside the form an entry means (the form whose required
    keys it has, e.g. `minors_policy`), else jsonschema's best match, followed down nested forms."""
    from jsonschema.exceptions import best_match

    while error.validator in ("oneOf", "anyOf") and error.context:
        forms = error.validator_value if isinstance(error.validator_value, list) else []
        meant = [i for i, form in enumerate(forms) if isinstance(error.instance, dict) and isinstance(form, dict)
                 and form.get("required") and all(key in error.instance for key in form["required"])]
        inside = [e for e in error.context if len(meant) == 1 and e.relative_schema_path[0] == meant[0]]
        deeper = best_match(inside or error.context)
        if deeper is error:
            break
        error = deeper
    return error


_PLAIN = {
    "minItems": ("is empty", "fill it in"),
    "minLength": ("is empty", "fill it in"),
    "minProperties": ("is empty", "fill it in"),
    "uniqueItems": ("lists the same value twice", "remove the repeated value"),
    "not": ("has a key that does not belong with this kind of entry",
            "check which keys go with its 'type' in the *.schema.json file"),
}


def _unknown_keys(schema: Mapping[str, Any], instance: Mapping[str, Any]) -> tuple[str, str]:
    allowed = sorted(schema.get("properties", {}))
    extra = [k for k in instance if k not in allowed]
    hint = ""
    if extra and allowed:
        close = difflib.get_close_matches(extra[0], allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    fix = f"remove or rename it{hint}; allowed keys: {', '.join(allowed)}" if allowed else "remove it"
    return f"unknown key {', '.join(repr(k) for k in extra)}", fix


def _describe(error: ValidationError) -> tuple[str, str]:
    """Turns one jsonschema error on a data file into (problem, fix) in plain words."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        return (
            "does not match any of the allowed forms",
            "compare it with the examples in the same file or the *.schema.json beside it",
        )
    value = error.validator_value
    instance = error.instance
    if error.validator == "required":
        missing = [key for key in value if isinstance(instance, dict) and key not in instance]
        return f"missing {', '.join(repr(k) for k in missing)}", f"add {missing[0]!r}"
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        return _unknown_keys(error.schema, instance)
    if error.validator == "enum":
        return f"{instance!r} is not allowed", f"use one of: {', '.join(map(repr, value))}"
    if error.validator == "const":
        return f"{instance!r} is not allowed", f"use {value!r}"
    if error.validator == "type":
        kinds = value if isinstance(value, list) else [value]
        return f"{instance!r} has the wrong type", f"use a {' or '.join(kinds)}"
    if error.validator == "pattern":
        description = error.schema.get("description", f"the pattern {value}")
        return f"{instance!r} is not in the expected form", description
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{instance!r} is out of range", f"use a number with {error.validator} {value}"
    if error.validator in _PLAIN:
        return _PLAIN[error.validator]
    if error.validator == "format":
        return f"{instance!r} is not a valid {value}", f"write a valid {value}"
    return error.message, "see the *.schema.json file that describes this file"


def schema_problems(data: Any, schema_name: str, toml: bool = False) -> list[FileProblem]:
    """Lists every problem of a data structure against one of the meta schemas."""
    validator = meta_validator(schema_name)
    where = toml_path if toml else json_path
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        error = _relevant(error)
        problem, fix = _describe(error)
        problems.append(FileProblem(where(error.absolute_path), problem, fix))
    return problems


def load_data_file(path: Path, schema_name: str) -> Any:
    """Reads a JSON data file and checks it against its schema.

    Raises:
        DataFileError: listing every problem, with its path and fix.
    """
    try:
        data = read_json(path)
    except InputFileError as exc:
        raise DataFileError(path, [FileProblem("$", str(exc).split(": ", 1)[-1], "repair the file")]) from None
    problems = schema_problems(data, schema_name)
    if problems:
        raise DataFileError(path, problems)
    return data
