"""The photo consent is its own act: its own signature, or the signer's explicit choice to use the same one,
kept, audited and printed as that choice; never a silent copy."""

from __future__ import annotations

import io
import sys
from dataclasses import replace

import pytest

from intake.cli import main
from intake.documents import Signature
from intake.lifecycle import ClientSignatures, LifecycleError
from tests.documents.personas import baseline, record
from tests.lifecycle.conftest import AJORDAN, CLIENT_TIME, DESK, fresh, text_of
from tests.lifecycle.test_cli import ENGINE, imported, write

STROKES = [[(0.1, 0.5), (0.3, 0.2), (0.5, 0.6)], [(0.6, 0.4), (0.9, 0.5)]]


def drawn(life, kind: str, strokes=STROKES) -> Signature:
    return Signature("drawn", "Jo Bloggs", life.statement(kind), CLIENT_TIME, strokes)


@pytest.fixture
def photos(life):
    return fresh(life, record(life.engine, baseline(life.engine, photo_consent=True)))


def test_the_same_signature_is_kept_audited_and_printed_as_the_clients_choice(life, photos):
    consent = drawn(life, "consent")
    photo = life.same_photo_signature(consent, CLIENT_TIME)
    assert photo.same_as_consent and photo.intent_statement == life.statement("photo_consent")
    assert (photo.method, photo.strokes, photo.name) == (consent.method, consent.strokes, consent.name)
    life.sign(photos, ClientSignatures(consent, photo), DESK)
    kept = life.store.load_intake(photos.intake_id).signatures
    assert kept["photo_consent"]["same_as_consent"] is True and "same_as_consent" not in kept["consent"]
    [entry] = [e for e in life.store.audit_trail(photos.intake_id) if e.event == "client_signed"]
    assert entry.data["photo_same_as_consent"] is True
    resumed = life.resume(photos.intake_id).intake
    assert resumed.signatures.photo_same_as_consent and not resumed.signatures.consent.same_as_consent
    packet = life.render(resumed, life.countersignature(resumed, AJORDAN, life.default_plan(resumed)))
    printed = text_of(packet.documents[0].pdf)
    photo_part = printed[printed.index("Consent to clinical photographs"):]
    assert "Signed with the same signature as the treatment consent, as the client chose" in photo_part
    assert "Signed with the same signature" not in printed[:printed.index("Consent to clinical photographs")]


def test_a_photo_consent_signed_on_its_own_says_nothing_of_a_choice(life, photos):
    consent = drawn(life, "consent")
    own = drawn(life, "photo_consent", [[(0.2, 0.4), (0.7, 0.3)]])
    life.sign(photos, ClientSignatures(consent, own), DESK)
    assert not life.resume(photos.intake_id).intake.signatures.photo_same_as_consent
    [entry] = [e for e in life.store.audit_trail(photos.intake_id) if e.event == "client_signed"]
    assert "photo_same_as_consent" not in entry.data


def test_a_copied_or_falsely_marked_photo_signature_is_refused(life, photos):
    consent = drawn(life, "consent")
    copied = replace(consent, intent_statement=life.statement("photo_consent"))  # the consent's strokes, unasked
    with pytest.raises(LifecycleError, match="copy of the treatment consent"):
        life.sign(photos, ClientSignatures(consent, copied), DESK)
    other = replace(drawn(life, "photo_consent", [[(0.2, 0.4), (0.7, 0.3)]]), same_as_consent=True)
    with pytest.raises(LifecycleError, match="marked as signed with the same signature"):
        life.sign(photos, ClientSignatures(consent, other), DESK)
    with pytest.raises(LifecycleError, match="needs its own signature"):
        life.sign(photos, ClientSignatures(consent), DESK)
    assert life.store.load_intake(photos.intake_id).signatures is None


def test_records_sign_asks_for_the_photo_signature_or_the_clients_choice(desk, capsys, monkeypatch):
    with_photos = write(desk, "photos.json", record(ENGINE, baseline(ENGINE, photo_consent=True)))
    without = write(desk, "none.json", record(ENGINE, baseline(ENGINE, photo_consent=False)))
    assert main(["records", "import", with_photos, without]) == 0
    photos, plain = imported(capsys)
    assert main(["records", "sign", photos, "--typed-name", "Jo Bloggs"]) == 1
    assert "--photo-same-signature when the client chooses" in capsys.readouterr().err
    assert main(["records", "sign", plain, "--typed-name", "Jo Bloggs", "--photo-same-signature"]) == 1
    assert "did not agree to photos" in capsys.readouterr().err
    assert main(["records", "show", photos]) == 0 and "Client signed" not in capsys.readouterr().out
    assert main(["records", "sign", photos, "--typed-name", "Jo Bloggs", "--photo-same-signature"]) == 0
    assert "also for the photo consent as the client chose" in capsys.readouterr().out
    assert main(["records", "sign", plain, "--typed-name", "Jo Bloggs"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("2468\n"))  # the demo clinic's PIN (no staff accounts yet)
    assert main(["records", "countersign", photos, "--practitioner", "ajordan", "--pin-stdin"]) == 0
    consent = next((desk / "intake-documents").rglob("*consent*.pdf")).read_bytes()
    assert "Signed with the same signature as the treatment consent, as the client chose" in text_of(consent)


def test_the_statements_a_client_affirms_are_in_the_language_they_read_them_in(life, photos):
    german = replace(photos, language="de")  # a client who chose German reads and signs the German statements
    statements = life.renderer().templates.statements
    consent = life.typed_signature(german, "consent", "Jo Bloggs", CLIENT_TIME)
    assert consent.intent_statement == statements["consent"]["de"] == life.statement("consent", german)
    photo = life.same_photo_signature(consent, CLIENT_TIME, german)
    assert photo.intent_statement == statements["photo_consent"]["de"]
    assert life.statement("consent", photos) == life.statement("consent") == statements["consent"]["en"]
