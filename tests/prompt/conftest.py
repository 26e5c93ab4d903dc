"""Fixtures for the prompt front end: a private clinic (store, keys, documents) in a temporary folder."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake.config import load_config
from intake.engine import Engine
from intake.paths import DEMO_CONFIG


@pytest.fixture
def clinic_config(tmp_path, private_clinic_template):
    """A copy of the demo clinic whose data, keys and documents live under tmp_path."""
    return copy_of_clinic(private_clinic_template, tmp_path)


@pytest.fixture(scope="session")
def private_clinic_template(tmp_path_factory) -> Path:
    """One private clinic made per test process (seal, data key, staff accounts); each test gets its own copy
    (`copy_of_clinic`): making the seal and the accounts for every test took a fifth of a second each time."""
    from intake.records import staff as staff_module

    folder = tmp_path_factory.mktemp("private-clinic")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(staff_module, "SCRYPT_N", 2 ** 10)  # the tests' small PIN hashing cost (tests/conftest.py)
        private_clinic(folder)
    return folder


def copy_of_clinic(template: Path, folder: Path):
    """A copy of a private clinic's folder (its files, their modes) in `folder`, configured there; its config."""
    shutil.copytree(template, folder, dirs_exist_ok=True)
    path = folder / "clinic.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(str(template), str(folder)), encoding="utf-8")
    return load_config(path)


def private_clinic(tmp_path):
    """A copy of the demo clinic in a folder (data, keys, documents and clinic.toml there), with its seal, data key
    and staff accounts (the practitioner's own PIN, a front desk's)."""
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    for old, new in [('"intake-data"', f'"{tmp_path}/data"'), ('"intake-keys/', f'"{tmp_path}/keys/'),
                     ('"intake-documents"', f'"{tmp_path}/documents"')]:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    from intake.documents import create_seal_identity
    from intake.records import create_data_key

    create_data_key(config)
    create_seal_identity(config, valid_from=datetime(2026, 1, 1, tzinfo=UTC))
    from intake.records import Store
    from tests.conftest import add_staff

    with Store.open(config) as store:
        add_staff(store)  # the practitioner unlocks their part with their own PIN
    return config


class Clock:
    """A clock that starts on the examples' consultation day and ticks a minute per call."""

    def __init__(self):
        self.now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def clinic_engine(clinic_config):
    return Engine.load(clinic_config)


def without_kind_stop(config):
    """The same clinic with `[policy] kind_stop = false`: a deferral walks every question to the letter."""
    from dataclasses import replace

    return replace(config, data={**config.data, "policy": {**config.section("policy"), "kind_stop": False}})


def asking_every_question(config):
    """The same clinic with a guardian's consent for minors (`[policy] minors = "clearance"`), the policy under
    which every question of the questionnaire can be asked."""
    from dataclasses import replace

    return replace(config, data={**config.data, "policy": {**config.section("policy"), "minors": "clearance"}})
