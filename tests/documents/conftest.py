"""Shared fixtures for the document tests: a clinic with its own seal in a temporary folder, one renderer, one
packet per example (rendered once per session), and helpers to read PDFs as a person would."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.engine import Engine
from intake.paths import DEMO_CONFIG, TEMPLATES_DIR
from tests.conftest import DATA, load_example

CLIENT_TIME = datetime(2026, 11, 20, 14, 32, 5, tzinfo=UTC)
COUNTER_TIME = datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC)
CERT_FROM = datetime(2026, 1, 1, tzinfo=UTC)
DOC_DATA = DATA / "documents"


def write_config(folder: Path, *, templates: Path | None = None, paper: str = "A4") -> Path:
    """A copy of the demo configuration whose keys, data and documents live in `folder`."""
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r'data_key_file = ".*"', f'data_key_file = "{folder}/keys/data.key"', text)
    text = re.sub(r'seal_key_file = ".*"', f'seal_key_file = "{folder}/keys/seal-key.pem"', text)
    text = re.sub(r'seal_cert_file = ".*"', f'seal_cert_file = "{folder}/keys/seal-cert.pem"', text)
    text = re.sub(r'data_dir = ".*"', f'data_dir = "{folder}/data"', text)
    text = re.sub(r'out_dir = ".*"', f'out_dir = "{folder}/documents"', text)
    text = re.sub(r'paper = ".*"', f'paper = "{paper}"', text)
    if templates is not None:
        text += f'\n[paths]\ntemplates = "{templates}"\n'
    path = folder / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def clinic_dir(tmp_path_factory) -> Path:
    """A clinic folder with a configuration and a seal made for these tests."""
    from intake.config import load_config
    from intake.documents import create_seal_identity

    folder = tmp_path_factory.mktemp("clinic")
    config_path = write_config(folder)
    create_seal_identity(load_config(config_path), valid_from=CERT_FROM)
    return folder


@pytest.fixture(scope="session")
def clinic_engine(clinic_dir) -> Engine:
    return Engine.load(clinic_dir / "clinic.toml")


@pytest.fixture(scope="session")
def clinic_with(clinic_dir, tmp_path_factory):
    """The test clinic's engine with [policy] settings changed, e.g. clinic_with(minors="allow", adult_age=21)
    (same seal, same everything else; each set of settings is loaded once)."""
    from tests.documents.personas import with_policy

    made: dict[tuple, Engine] = {}

    def engine(**settings) -> Engine:
        key = tuple(sorted(settings.items()))
        if key not in made:
            path = tmp_path_factory.mktemp("policy") / "clinic.toml"
            path.write_text(with_policy((clinic_dir / "clinic.toml").read_text(encoding="utf-8"), **settings),
                            encoding="utf-8")
            made[key] = Engine.load(path)
        return made[key]

    return engine


@pytest.fixture(scope="session")
def engines(clinic_with) -> dict:
    """The test clinic's engine under each [policy] minors setting (same seal, same everything else)."""
    return {policy: clinic_with(minors=policy) for policy in ("defer", "clearance", "allow")}


@pytest.fixture(scope="session")
def renderer(clinic_engine):
    from intake.documents import PacketRenderer

    return PacketRenderer(clinic_engine)


def signatures(renderer, record: dict, *, drawn: bool = True, photo: bool | None = None) -> dict:
    """Client, photo and practitioner signatures for a record, at the fixed test times."""
    import json

    from intake.documents import Countersignature, Signature

    name = record["answers"]["full_name"]
    strokes = json.loads((DOC_DATA / "strokes.json").read_text(encoding="utf-8"))["strokes"]
    client = Signature("drawn", name, renderer.statement("consent"), CLIENT_TIME, strokes) if drawn else \
        Signature("typed", name, renderer.statement("consent"), CLIENT_TIME)
    wants_photo = record["answers"].get("photo_consent") is True if photo is None else photo
    photo_sig = Signature("typed", name, renderer.statement("photo_consent"), CLIENT_TIME) if wants_photo else None
    return {"client_signature": client, "photo_signature": photo_sig,
            "countersignature": Countersignature("ajordan", COUNTER_TIME)}


def render_example(renderer, name: str, **changes):
    record = load_example(name)
    if name == "defer":
        from intake.documents import Countersignature

        return renderer.render(record, countersignature=Countersignature("ajordan", COUNTER_TIME), **changes)
    return renderer.render(record, **{**signatures(renderer, record), **changes})


@pytest.fixture(scope="session")
def packets(renderer) -> dict:
    """The sealed packet of every example, rendered once for the whole session."""
    return {name: render_example(renderer, name) for name in ("suitable", "caution", "clearance", "defer")}


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as pypdf extracts it."""
    from pypdf import PdfReader

    # (pypdf puts NULs between letters on pages with a character no font has; see verify.py)
    return [(page.extract_text() or "").replace("\x00", "") for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Text without any whitespace, so wrapped lines compare equal to the original sentence."""
    return re.sub(r"\s+", "", text)


def copy_templates(folder: Path) -> Path:
    """A private copy of templates/ that a test may edit."""
    target = folder / "templates"
    shutil.copytree(TEMPLATES_DIR, target)
    return target
