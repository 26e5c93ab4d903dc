"""Shared fixtures: one engine for the session, the example records, and helpers to vary them."""

from __future__ import annotations

import copy
import json
import os
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


#: A practitioner's own PIN in the tests' clinics (staff accounts made by `add_staff`), and a front-desk one.
PRACTITIONER_PIN, FRONT_DESK_PIN = "731904", "586240"


@pytest.fixture(autouse=True)
def _quick_pin_hashing(request, monkeypatch):
    """Staff PINs are hashed with a small scrypt cost in tests (tests marked real_cost keep the real one).

    Commands run as subprocesses keep the real cost: there a PIN check takes its real quarter second.
    """
    if "real_cost" not in request.keywords:
        from intake.records import staff as staff_module

        monkeypatch.setattr(staff_module, "SCRYPT_N", 2 ** 10)


def add_staff(store, *, practitioners=("ajordan",), front_desk: str | None = "frontdesk") -> dict[str, str]:
    """Gives a test clinic staff accounts as a clinic would on its first day: one per practitioner, own PINs.

    Returns:
        The PIN of each account by staff id (practitioner accounts share the practitioner's id).
    """
    from intake.records.staff import StaffDirectory

    directory, pins = StaffDirectory(store), {}
    for number, practitioner_id in enumerate(practitioners):
        pin = PRACTITIONER_PIN if number == 0 else f"{int(PRACTITIONER_PIN) + 7919 * number:06d}"
        person = store.config.practitioner(practitioner_id)
        directory.add(practitioner_id, name=person.name, role="practitioner", pin=pin, practitioner_id=practitioner_id,
                      by="owner", device="office")
        pins[practitioner_id] = pin
    if front_desk:
        directory.add(front_desk, name="Front Desk", role="front_desk", pin=FRONT_DESK_PIN, by="owner",
                      device="office")
        pins[front_desk] = FRONT_DESK_PIN
    return pins


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (`INTAKE_NO_SKIPS=1`, set by .ci/run) a skipped test fails: a missing tool must be installed, not
    silently leave its tests out."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("INTAKE_NO_SKIPS") == "1" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped in CI, where nothing may be skipped: {reason}"

