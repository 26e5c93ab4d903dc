"""Fixtures for the record store: a private clinic folder with its own key, a frozen clock, filled intakes."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake.config import load_config
from intake.records import Store, create_data_key
from tests.conftest import load_example

STAFF, DEVICE = "amy", "kiosk-1"
#: A name that appears nowhere else, so finding it in raw bytes means a leak.
SECRET_NAME = "Zephyrine Quillfeather-Okafor"
SECRET_BIRTH = "1988-03-14"

CONFIG = """
[clinic]
name = "Test Clinic"
address = "1 Test Street, Testtown"
phone = "+44 20 7946 0000"
timezone = "Europe/London"

[[practitioners]]
id = "ajordan"
name = "Alex Jordan"

[storage]
data_dir = "{data}"
draft_expiry_days = {expiry}
retention_years = 8
busy_timeout_seconds = {busy}

[security]
data_key_file = "{key}"

[documents]
out_dir = "{docs}"
"""


def write_config(folder: Path, expiry: int = 30, busy: float = 5, key: Path | None = None) -> Path:
    """Writes a clinic TOML whose data, key and document folders are inside `folder`."""
    path = folder / "clinic.toml"
    path.write_text(CONFIG.format(data=folder / "data", key=key or folder / "keys" / "data.key",
                                  docs=folder / "out", expiry=expiry, busy=busy), encoding="utf-8")
    return path


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Doc:
    """A document as the documents package hands it over."""

    kind: str
    pdf: bytes = b"%PDF-1.7\n% test document\n"
    filename: str = ""
    template_versions: dict = field(default_factory=lambda: {"consent": "2026.11.1"})

    def __post_init__(self):
        self.filename = self.filename or f"{self.kind}.pdf"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    monkeypatch.delenv("INTAKE_DATA_KEY", raising=False)


@pytest.fixture
def config_path(tmp_path) -> Path:
    path = write_config(tmp_path)
    create_data_key(load_config(path))
    return path


@pytest.fixture
def clinic(config_path):
    return load_config(config_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clinic, engine, clock):
    with Store.open(clinic, clock=clock, engine=engine) as opened:
        yield opened


def record_named(name: str = SECRET_NAME, example: str = "suitable", birth: str = SECRET_BIRTH) -> dict:
    """An example record (any verdict) for another client: name and date of birth replaced."""
    record = copy.deepcopy(load_example(example))
    record["answers"]["full_name"] = name
    record["answers"]["date_of_birth"] = birth
    record.pop("record_id", None)
    return record


def step_answers(engine, record: dict, step_id: str) -> dict:
    """The answers of one step, taken from a complete record."""
    own = {q.id for q in engine.questionnaire.step(step_id).questions}
    return {k: v for k, v in record["answers"].items() if k in own}


def fill_draft(store: Store, engine, record: dict, steps: int | None = None, device: str = DEVICE) -> str:
    """Starts an intake and saves its steps (all, or the first `steps`)."""
    intake_id = store.start_intake(staff=STAFF, device=device, consultation_date=record["consultation_date"])
    ids = [s.id for s in engine.questionnaire.steps]
    for index, step_id in enumerate(ids[:steps]):
        store.save_step(intake_id, step_id=step_id, answers=step_answers(engine, record, step_id),
                        next_step=ids[index + 1] if index + 1 < len(ids) else None, staff=STAFF, device=device)
    return intake_id


def submit_new(store: Store, engine, record: dict) -> str:
    """A complete, submitted intake."""
    intake_id = fill_draft(store, engine, record)
    assessment = engine.assess(record).to_dict()
    store.submit(intake_id, record=record, assessment=assessment, staff=STAFF, device=DEVICE)
    return intake_id


def signed_new(store: Store, engine, record: dict) -> str:
    """A submitted intake with a signed consent (clearance noted first when needed)."""
    intake_id = submit_new(store, engine, record)
    if engine.assess(record).verdict == "clearance":
        store.record_decision(intake_id, practitioner_id="ajordan", kind="clearance_noted", reason="GP letter seen",
                              staff="alex", device="office")
    store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE)
    return intake_id


def raw_bytes(folder: Path) -> bytes:
    """Every byte of every file in the data folder (database, WAL, shared memory)."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())
