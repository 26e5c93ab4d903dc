"""The renderer refuses what a careful clinic would refuse, with messages that say what to do."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from datetime import timedelta

import pytest

from intake.documents import (
    ConsentRefusedError,
    Countersignature,
    OutputError,
    RecordNotReadyError,
    SealKeyError,
    Signature,
    SignatureInputError,
)
from intake.errors import IntakeError
from tests.conftest import load_example, with_answers
from tests.documents.conftest import CLIENT_TIME, COUNTER_TIME, pdf_pages, render_example, signatures


def test_a_deferred_client_cannot_sign_a_consent(renderer):
    record = load_example("defer")
    with pytest.raises(ConsentRefusedError, match="DEFER .*deferral letter instead"):
        renderer.render(record, **signatures(renderer, record, photo=False))


def test_a_deferral_cannot_be_overridden(renderer):
    counter = Countersignature("ajordan", COUNTER_TIME, "override", "client insists")
    with pytest.raises(ConsentRefusedError, match="cannot be overridden"):
        renderer.render(load_example("defer"), countersignature=counter)


def test_a_deferral_without_countersignature_needs_its_date(renderer):
    with pytest.raises(SignatureInputError, match="issued_at"):
        renderer.render(load_example("defer"))
    packet = renderer.render(load_example("defer"), issued_at=COUNTER_TIME, sealed=False)
    assert [d.kind for d in packet.documents] == ["deferral"]


def test_an_invalid_record_is_refused_with_its_problems(renderer):
    record = with_answers(load_example("suitable"), date_of_birth="1988-02-30", skin_type=None)
    with pytest.raises(RecordNotReadyError) as caught:
        renderer.render(record, **signatures(renderer, load_example("suitable")))
    assert isinstance(caught.value, IntakeError)
    assert "2 problems" in str(caught.value) and "Date of birth" in str(caught.value)
    with pytest.raises(RecordNotReadyError):
        renderer.render({"answers": "nope"}, **signatures(renderer, load_example("suitable")))


@pytest.mark.parametrize("missing", ["client_signature", "countersignature"])
def test_a_consent_needs_both_signatures(renderer, missing):
    record = load_example("suitable")
    with pytest.raises(SignatureInputError, match="needs the"):
        renderer.render(record, **{**signatures(renderer, record), missing: None})


def test_photo_consent_has_its_own_signature_exactly_when_photos_were_agreed(renderer):
    agreed, refused = load_example("suitable"), load_example("caution")
    with pytest.raises(SignatureInputError, match="photo consent needs its own signature"):
        renderer.render(agreed, **signatures(renderer, agreed, photo=False))
    with pytest.raises(SignatureInputError, match="did not agree to photos"):
        renderer.render(refused, **signatures(renderer, refused, photo=True))


@pytest.mark.parametrize("change, message", [
    ({"practitioner_id": "nobody"}, "no practitioner 'nobody'"),
    ({"decision": "maybe"}, "decision must be one of"),
    ({"decision": "override"}, "an override needs the practitioner's reason"),
    ({"decision": "clearance_noted"}, "applies only to a CLEARANCE verdict"),
    ({"signed_at": CLIENT_TIME - timedelta(minutes=1)}, "earlier than the client's signature"),
    ({"reason": "x" * 1001}, "too long"),
    ({"decision": "override", "reason": "because"}, "nothing to override"),
])
def test_countersignature_mistakes(renderer, change, message):
    record = load_example("suitable")
    sigs = signatures(renderer, record)
    sigs["countersignature"] = replace(sigs["countersignature"], **change)
    with pytest.raises(SignatureInputError, match=message):
        renderer.render(record, **sigs)


def test_a_plan_beyond_the_screening_limits_needs_an_override(renderer, clinic_engine):
    from intake.treatment import AreaPlan

    record = load_example("caution")  # darker skin: no deeper than 1.5 mm; diabetes: 6 weeks apart
    default = clinic_engine.default_plan(record, clinic_engine.assess(record))
    deeper = replace(default, areas=(AreaPlan("cheeks", 1.0, 2.0),), interval_weeks=4)
    sigs = signatures(renderer, record)
    sigs["countersignature"] = replace(sigs["countersignature"], plan=deeper)
    with pytest.raises(SignatureInputError, match="needle depth above 1.5 mm; sessions closer than 6 weeks"):
        renderer.render(record, **sigs)
    sigs["countersignature"] = replace(sigs["countersignature"], decision="override",
                                       reason="Patch test at 2.0 mm healed well")
    packet = renderer.render(record, **sigs, sealed=False)
    text = "".join(pdf_pages(packet.documents[0].pdf))
    assert "Patch test at 2.0 mm healed well" in text and "1.0–2.0 mm" in text


def test_a_signature_before_the_consultation_day_is_refused(renderer):
    record = load_example("suitable")
    sigs = signatures(renderer, record)
    sigs["client_signature"] = replace(sigs["client_signature"], signed_at=CLIENT_TIME - timedelta(days=1))
    with pytest.raises(SignatureInputError, match="before the consultation day"):
        renderer.render(record, **sigs)


@pytest.mark.parametrize("strokes, message", [
    ([], "needs at least one stroke"),
    ([[(0.1, 0.2), (1.5, 0.2)]], "between 0 and 1"),
    ([[(0.1, float("nan"))]], "between 0 and 1"),
    ([[]], "non-empty list of points"),
    ([[(0.1, 0.2, 0.3)]], "two numbers"),
    ([[(0.5, 0.5)]] * 301, "at most 300"),
])
def test_malformed_strokes_are_refused(renderer, strokes, message):
    record = load_example("caution")
    drawn = Signature("drawn", "Aisha Rahman", "I agree", CLIENT_TIME, strokes)
    with pytest.raises(SignatureInputError, match=message):
        renderer.render(record, **{**signatures(renderer, record), "client_signature": drawn})


def test_packet_files_are_private_and_never_overwritten(packets, tmp_path):
    packet = packets["suitable"]
    paths = packet.write(tmp_path / "out")
    assert [p.name for p in paths] == [d.filename for d in packet.documents]
    for path, document in zip(paths, packet.documents, strict=True):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_bytes() == document.pdf
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
    assert packet.write(tmp_path / "out") == paths  # the same bytes again: nothing to do
    paths[0].write_bytes(b"something else")
    with pytest.raises(OutputError, match="not overwritten"):
        packet.write(tmp_path / "out")
    assert paths[0].read_bytes() == b"something else"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".partial")]


def test_seal_keys_are_private_and_kept_apart_from_the_data(tmp_path):
    from intake.config import load_config
    from intake.documents import create_seal_identity
    from intake.documents.errors import KeyExistsError
    from tests.documents.conftest import write_config

    config = load_config(write_config(tmp_path))
    key, cert = create_seal_identity(config)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and cert.exists()
    with pytest.raises(KeyExistsError, match="already exists"):
        create_seal_identity(config)
    key_again, cert_again, retired = create_seal_identity(config, force=True)
    assert (key_again, cert_again) == (key, cert) and retired.parent.name == "retired-seal-certificates"
    text = (tmp_path / "clinic.toml").read_text().replace(f'{tmp_path}/keys/seal-key.pem',
                                                          f'{tmp_path}/data/seal-key.pem')
    (tmp_path / "inside.toml").write_text(text)
    with pytest.raises(SealKeyError, match="must not be kept in the records folder"):
        create_seal_identity(load_config(tmp_path / "inside.toml"))


def test_a_seal_key_readable_by_others_or_mismatched_is_refused(tmp_path):
    from intake.config import load_config
    from intake.documents import create_seal_identity, load_seal_identity
    from tests.documents.conftest import write_config

    config = load_config(write_config(tmp_path))
    key, cert = create_seal_identity(config)
    os.chmod(key, 0o644)
    with pytest.raises(SealKeyError, match="chmod 600"):
        load_seal_identity(config)
    os.chmod(key, 0o600)
    assert load_seal_identity(config).certificate.self_signed
    other = tmp_path / "other"
    other.mkdir()
    other_config = load_config(write_config(other))
    create_seal_identity(other_config)
    cert.write_bytes((other / "keys" / "seal-cert.pem").read_bytes())
    with pytest.raises(SealKeyError, match="does not belong to the certificate"):
        load_seal_identity(config)


def test_sealing_outside_the_certificate_validity_is_refused(clinic_engine):
    from intake.documents import PacketRenderer

    early = PacketRenderer(clinic_engine)
    record = load_example("defer")
    too_early = Countersignature("ajordan", CLIENT_TIME.replace(year=2025))
    with pytest.raises(SealKeyError, match="cannot be sealed with it"):
        early.render(with_answers(record), countersignature=too_early)


def test_rendering_from_worker_threads(renderer, packets):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda name: render_example(renderer, name), ["suitable", "suitable"]))
    for packet in results:
        assert [d.pdf for d in packet.documents] == [d.pdf for d in packets["suitable"].documents]


def test_rendering_inside_a_running_event_loop(renderer, packets):
    """pyHanko runs its own event loop; a caller that already runs one (a TUI) still gets its packet."""
    import asyncio

    async def inside():
        return render_example(renderer, "suitable")

    packet = asyncio.run(inside())
    assert [d.pdf for d in packet.documents] == [d.pdf for d in packets["suitable"].documents]


def test_an_unsigned_preview_shows_the_consent_as_the_client_will_read_it(renderer):
    record = load_example("suitable")
    with pytest.raises(SignatureInputError, match="issued_at"):
        renderer.render(record, sealed=False)
    with pytest.raises(SignatureInputError, match="needs the client's signature"):
        renderer.render(record, issued_at=CLIENT_TIME)  # a sealed document is always signed
    packet = renderer.render(record, sealed=False, issued_at=CLIENT_TIME)
    assert [d.kind for d in packet.documents] == ["consent", "aftercare"]
    text = " ".join(" ".join(pdf_pages(packet.documents[0].pdf)).split())
    assert "By signing, you will affirm: " + renderer.statement("consent") in text
    assert "By signing this section, you will affirm: " + renderer.statement("photo_consent") in text
    assert text.count("Not signed yet") == 4  # client and practitioner, on the consent and the photo consent
    assert "Preview only: this copy is not sealed" in text
