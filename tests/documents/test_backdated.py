"""Backdated signing: signatures given on the consultation day are entered later, sealed then, and say so."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from intake.config import load_config
from intake.documents import Countersignature, PacketRenderer, create_seal_identity, verify_pdf
from intake.documents.errors import SealKeyError
from intake.engine import Engine
from tests.conftest import EXAMPLES, load_example
from tests.documents.conftest import COUNTER_TIME, write_config
from tests.documents.reading import pdftotext, signed, squash

KEYS_MADE = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)   # fresh keys, five days after the consultation
ENTERED = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)    # the paper consent is entered the next morning


@pytest.fixture(scope="module")
def fresh_clinic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fresh")
    path = write_config(folder)
    create_seal_identity(load_config(path), valid_from=KEYS_MADE)
    engine = Engine.load(path)
    return engine, PacketRenderer(engine)


def test_signatures_of_the_consultation_day_are_sealed_when_entered_and_say_so(fresh_clinic):
    engine, renderer = fresh_clinic
    record = load_example("caution")
    kwargs = signed(renderer, record)
    with pytest.raises(SealKeyError, match="valid from"):
        renderer.render(record, **kwargs)
    counter = kwargs["countersignature"]
    kwargs["countersignature"] = Countersignature(counter.practitioner_id, counter.signed_at, entered_at=ENTERED)
    packet = renderer.render(record, **kwargs)
    for document in packet.documents:
        report = verify_pdf(document.pdf, engine.config)
        assert report.ok, report.reason
        assert report.sealed_at == ENTERED
        text = squash(pdftotext(document.pdf))
        assert "Entered later signed 20 November 2026" in text and "entered and sealed 26 November 2026" in text
    consent = squash(pdftotext(packet.document("consent").pdf))
    assert "Entered later: the signatures on this form were given on 20 November 2026; the clinic entered them " \
           "into its system and sealed this document on 26 November 2026" in consent
    assert json.loads(packet.attachment)["entered_at"] == "2026-11-26T09:15:00Z"
    assert packet.documents[0].filename.endswith(f"{COUNTER_TIME:%Y%m%dT%H%M%SZ}.pdf")  # named by signing time


def test_entered_at_before_the_signature_is_refused(fresh_clinic):
    from intake.documents.errors import SignatureInputError

    _, renderer = fresh_clinic
    record = load_example("suitable")
    kwargs = signed(renderer, record)
    too_early = datetime(2026, 11, 20, tzinfo=UTC)
    kwargs["countersignature"] = Countersignature("ajordan", COUNTER_TIME, entered_at=too_early)
    with pytest.raises(SignatureInputError, match="entered_at .* is before it was signed"):
        renderer.render(record, **kwargs, sealed=False)


def test_render_with_freshly_made_keys_and_the_help_example_time(tmp_path, monkeypatch, capsys):
    from intake.cli import main

    monkeypatch.chdir(tmp_path)
    config = str(write_config(tmp_path))
    assert main(["--config", config, "keys", "init"]) == 0
    code = main(["--config", config, "render", str(EXAMPLES / "suitable.json"), "--typed-name",
                 "Maria Okonkwo-Smith", "--photo-same-signature", "--signed-at", "2026-11-20T14:32", "--out", "docs"])
    out = capsys.readouterr()
    assert code == 0, out
    consent = next((tmp_path / "docs").glob("*consent*.pdf")).read_bytes()
    entered_later = "entered later" in out.out  # true whenever this runs after the consultation day
    assert ("Entered later: the signatures on this form were given on 20 November 2026"
            in squash(pdftotext(consent))) is entered_later
    assert main(["--config", config, "verify", *map(str, (tmp_path / "docs").iterdir())]) == 0
