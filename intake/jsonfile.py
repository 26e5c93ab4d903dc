"""Provides strict, bounded reading of JSON files supplied by people or other programs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from intake.errors import InputFileError

MAX_BYTES = 5 * 1024 * 1024


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = dict(pairs)
    if len(result) == len(pairs):
        return result
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in the same object")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_json(data: bytes, source: str = "input") -> Any:
    """Parses UTF-8 JSON bytes, rejecting duplicate keys, NaN and runaway nesting.

    Raises:
        InputFileError: with the line and column of the problem.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{source}: not UTF-8 text (bad byte 0x{data[exc.start]:02x} at byte {exc.start}). "
            "Save the file as UTF-8 and try again."
        ) from None
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    except ValueError as exc:
        raise InputFileError(f"{source}: not acceptable JSON: {exc}.") from None
    except RecursionError:
        raise InputFileError(f"{source}: the JSON is nested too deeply to be an intake.") from None


def read_bounded(path: Path | str, max_bytes: int, what: str = "an intake file") -> bytes:
    """Reads a whole file that a person named, refusing anything larger than `max_bytes`.

    Raises:
        InputFileError: the file is missing, a folder, unreadable or too large.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a folder, not a file.") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{path}: larger than {max_bytes // (1024 * 1024)} MiB; {what} is far smaller. "
                             "Check that this is the right file.")
    return data


def read_json(path: Path | str, max_bytes: int = MAX_BYTES) -> Any:
    """Reads and parses a JSON file of at most `max_bytes`.

    Raises:
        InputFileError: the file is missing, unreadable, too large, not UTF-8 or not JSON.
    """
    return parse_json(read_bounded(path, max_bytes), str(path))
