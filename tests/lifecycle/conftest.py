"""Fixtures for the lifecycle tests: a clinic with its own seal and data key, a real store, one real renderer."""

from __future__ import annotations

import itertools
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.config import load_config
from intake.engine import Engine
from intake.lifecycle import Actor, Intake, Lifecycle
from intake.lifecycle.auth import Authenticated
from intake.records import Store, create_data_key
from tests.documents.conftest import CERT_FROM, write_config

CLIENT_TIME = datetime(2026, 11, 20, 14, 32, 5, tzinfo=UTC)
COUNTER_TIME = datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC)
DESK = Actor("reception", "test-tablet")
#: The practitioner as the lifecycle receives them once their own PIN was checked (the check is tested in
#: tests/records/test_staff.py and tests/lifecycle/test_acts.py).
AJORDAN = Authenticated("ajordan", "Alex Jordan", "practitioner", "ajordan", "test-tablet")


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A front-desk folder for the demo clinic (keys, data and documents relative to it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    monkeypatch.setenv("INTAKE_DEVICE", "front-desk-pc")
    return tmp_path


@pytest.fixture(scope="session")
def life_dir(tmp_path_factory) -> Path:
    """A clinic folder: configuration, seal and data key made for these tests."""
    from intake.documents import create_seal_identity

    folder = tmp_path_factory.mktemp("lifecycle-clinic")
    config = load_config(write_config(folder))
    create_seal_identity(config, valid_from=CERT_FROM)
    create_data_key(config)
    return folder


@pytest.fixture(scope="session")
def life_engine(life_dir) -> Engine:
    return Engine.load(life_dir / "clinic.toml")


@pytest.fixture(scope="session")
def life_renderer(life_engine):
    from intake.documents import PacketRenderer

    return PacketRenderer(life_engine)


@pytest.fixture(scope="session")
def life(life_engine, life_renderer):
    """The lifecycle on one store for the whole session, its clock at the countersignature time."""
    store = Store.open(life_engine.config, engine=life_engine, clock=lambda: COUNTER_TIME)  # decisions dated then
    yield Lifecycle(life_engine, store, life_renderer, clock=lambda: COUNTER_TIME)
    store.close()


_PHONES = itertools.count(1)


def fresh(life: Lifecycle, record: dict, actor: Actor = DESK) -> Intake:
    """Imports a record as a new intake of its own (an import stores each file's content once).

    The tests share one store for the session, and several import the same generated answers: each import
    here is another client's file, told apart by their phone number.
    """
    answers = {**record["answers"], "phone": f"+44 20 7946 {next(_PHONES):04d}"}
    result = life.import_answers({**record, "answers": answers}, actor)
    assert result.new
    return result.intake


def text_of(pdf: bytes) -> str:
    """What a reader sees of a PDF, in reading order, with white space folded."""
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return fold(done.stdout.decode("utf-8"))


def fold(text: str) -> str:
    """White space folded and bidi isolation marks dropped, so wrapped lines compare as written."""
    return re.sub(r"\s+", " ", re.sub("[\u2066-\u2069\u200e\u200f]", "", text)).strip()


def policy_engine(life_dir: Path, folder: Path, minors: str, **settings) -> Engine:
    """The test clinic with another minors policy (and other [policy] settings), keeping its data, documents and
    checkpoint in `folder`."""
    from tests.documents.personas import with_policy

    text = with_policy((life_dir / "clinic.toml").read_text(encoding="utf-8"), minors=minors, **settings)
    text = re.sub(r'data_dir = ".*"', f'data_dir = "{folder}/data"', text)
    text = re.sub(r'out_dir = ".*"', f'out_dir = "{folder}/documents"', text)
    text = re.sub(r"(?m)^\[security\].*$", f'[security]\naudit_checkpoint_file = "{folder}/checkpoint"', text)
    (folder / "clinic.toml").write_text(text, encoding="utf-8")
    return Engine.load(folder / "clinic.toml")
