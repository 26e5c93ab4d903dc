"""Documents laid out ahead of the countersignature: identical bytes when used, never used when anything differs.

A preparation is made for an expected countersignature (the practitioner's choices and the minute
the documents print); the real render then only seals. Every example verdict is covered, and every
input the practitioner can still change is varied to show that a stale preparation is ignored.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from intake.documents import Countersignature, SignatureInputError, verify_pdf
from intake.documents.model import utc_text
from intake.lifecycle import ClientSignatures, document_time
from tests.conftest import load_example
from tests.documents.conftest import CLIENT_TIME, signatures

EXAMPLES = ("suitable", "caution", "clearance", "defer")
#: The exact moment of countersigning: 14:40:37; the documents print 14:40.
EXACT = datetime(2026, 11, 20, 14, 40, 37, tzinfo=UTC)
PRINTED = datetime(2026, 11, 20, 14, 40, tzinfo=UTC)


class WriteCounter:
    """Counts the PDFs a renderer writes itself (a preparation used means none are written at the render)."""

    def __init__(self, renderer, monkeypatch) -> None:
        self.calls = 0
        original = renderer.write_pdf

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(renderer, "write_pdf", counted)


def inputs(renderer, name: str, **counter_changes) -> tuple[dict, dict]:
    """The record and the render arguments of an example, countersigned at EXACT (printed to the minute)."""
    record = load_example(name)
    if name == "defer":
        arguments: dict = {"countersignature": Countersignature("ajordan", PRINTED, sealed_at=EXACT)}
    else:
        arguments = signatures(renderer, record)
        decision = ("clearance_noted", "GP letter of 19 Nov seen") if name == "clearance" else ("none", "")
        arguments["countersignature"] = Countersignature("ajordan", PRINTED, *decision, sealed_at=EXACT)
    arguments["countersignature"] = replace(arguments["countersignature"], **counter_changes)
    return record, arguments


def fresh(renderer, record, arguments):
    renderer.forget()
    return renderer.render(record, **arguments)


def pdfs(packet) -> list[tuple[str, bytes]]:
    return [(d.filename, d.pdf) for d in packet.documents]


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_prepared_packet_is_byte_for_byte_a_fresh_render(renderer, clinic_engine, name, monkeypatch):
    record, arguments = inputs(renderer, name)
    expected = fresh(renderer, record, arguments)
    # prepared a little earlier in the same minute: same printed time, another exact moment
    earlier = replace(arguments["countersignature"], sealed_at=EXACT - timedelta(seconds=20))
    assert renderer.prepare(record, **{**arguments, "countersignature": earlier}) == len(expected.documents)
    writes = WriteCounter(renderer, monkeypatch)
    packet = renderer.render(record, **arguments)
    assert writes.calls == 0, "the prepared PDFs were not used"
    assert pdfs(packet) == pdfs(expected)
    assert len(renderer.prepared) == 0, "a preparation is used once"
    for document in packet.documents:
        report = verify_pdf(document.pdf, clinic_engine.config)
        assert report.ok, report.reason
        assert report.sealed_at == EXACT, "the seal carries the exact moment of countersigning"


def test_a_fresh_renderer_gives_the_same_bytes(renderer, clinic_engine):
    from intake.documents import PacketRenderer

    record, arguments = inputs(renderer, "caution")
    renderer.prepare(record, **arguments)
    prepared = renderer.render(record, **arguments)
    other = PacketRenderer(clinic_engine).render(record, **arguments)
    assert pdfs(prepared) == pdfs(other)


def _changes(name: str) -> dict[str, dict]:
    """Every countersignature input the practitioner can still change, changed (per example)."""
    changes = {
        "the minute": {"signed_at": PRINTED + timedelta(minutes=1), "sealed_at": EXACT + timedelta(minutes=1)},
        "the practitioner": {"practitioner_id": "spatel"},
    }
    if name == "clearance":
        changes["the reason"] = {"reason": "GP letter of 18 Nov seen"}
        changes["the decision"] = {"decision": "override", "reason": "GP letter of 19 Nov seen"}
    if name != "defer":
        changes["the plan"] = {"plan": "sessions+1"}
    return changes


@pytest.mark.parametrize(("name", "what"), [(n, w) for n in EXAMPLES for w in _changes(n)])
def test_a_stale_preparation_is_never_used(renderer, clinic_engine, name, what, monkeypatch):
    record, real = inputs(renderer, name)
    change = dict(_changes(name)[what])
    if change.get("plan") == "sessions+1":
        plan = clinic_engine.default_plan(record, clinic_engine.assessor.assess(record))
        change["plan"] = replace(plan, sessions=plan.sessions + 1)
    _, stale = inputs(renderer, name, **change)
    renderer.prepare(record, **stale)
    writes = WriteCounter(renderer, monkeypatch)
    packet = renderer.render(record, **real)
    assert writes.calls == len(packet.documents), f"a preparation for another {what.split()[-1]} was used"
    monkeypatch.undo()
    assert pdfs(packet) == pdfs(fresh(renderer, record, real))


def test_another_client_never_gets_a_preparation(renderer, monkeypatch):
    record, arguments = inputs(renderer, "suitable")
    other = load_example("suitable")
    other["answers"]["full_name"] = "Maria Santos"
    other_arguments = signatures(renderer, other)
    other_arguments["countersignature"] = arguments["countersignature"]
    renderer.prepare(other, **other_arguments)
    writes = WriteCounter(renderer, monkeypatch)
    renderer.render(record, **arguments)
    assert writes.calls == 2


def test_forget_drops_a_preparation_and_an_unsealed_render_leaves_it(renderer, monkeypatch):
    record, arguments = inputs(renderer, "suitable")
    renderer.prepare(record, **arguments)
    renderer.render(record, **{**arguments, "sealed": False})
    assert len(renderer.prepared) == 2, "a preview does not take the prepared documents"
    renderer.forget()
    assert len(renderer.prepared) == 0
    writes = WriteCounter(renderer, monkeypatch)
    renderer.render(record, **arguments)
    assert writes.calls == 2


def test_a_preparation_forgotten_while_under_way_is_not_kept(renderer):
    record, arguments = inputs(renderer, "defer")
    generation = renderer.prepared.begin()
    renderer.forget()
    assert not renderer.prepared.keep(generation, ["key"], {"key": b"%PDF"})
    assert len(renderer.prepared) == 0


def test_the_documents_print_and_embed_the_minute_while_the_seal_has_the_second(renderer):
    record, arguments = inputs(renderer, "suitable")
    packet = renderer.render(record, **arguments)
    data = json.loads(packet.attachment)
    assert data["signatures"]["practitioner"]["signed_at"] == utc_text(PRINTED)
    assert data["issued_at"] == "2026-11-20T14:40:00Z"
    assert packet.documents[0].filename.endswith("_20261120T144000Z.pdf")


def test_a_seal_time_before_the_countersignature_is_refused(renderer):
    record, arguments = inputs(renderer, "suitable", sealed_at=PRINTED - timedelta(seconds=1))
    with pytest.raises(SignatureInputError, match="sealed_at"):
        renderer.render(record, **arguments)


@pytest.mark.parametrize(("client_second", "exact_second", "printed"), [
    (5, 37, (14, 40, 0)),      # the client signed in an earlier minute: the countersignature's minute
    (None, 37, (14, 40, 0)),   # a deferral: no client signature
    (12, 37, (14, 40, 12)),    # the client signed earlier in the same minute: never before the client
    (50, 37, (14, 40, 0)),     # a client "after" the countersignature: the renderer refuses that, as before
    (37, 37, (14, 40, 37)),
])
def test_document_time(renderer, client_second, exact_second, printed):
    exact = EXACT.replace(second=exact_second, microsecond=250_000)
    kept = None
    if client_second is not None:
        moment = EXACT.replace(second=client_second) if client_second != 5 else CLIENT_TIME
        kept = ClientSignatures(replace(signatures(renderer, load_example("suitable"))["client_signature"],
                                        signed_at=moment))
    assert document_time(exact, kept) == datetime(2026, 11, 20, *printed, tzinfo=UTC)


def _in_minutes(arguments: dict, minutes: int) -> dict:
    counter = arguments["countersignature"]
    return {**arguments, "countersignature": replace(counter, signed_at=PRINTED + timedelta(minutes=minutes),
                                                     sealed_at=EXACT + timedelta(minutes=minutes))}


def test_a_press_in_the_coming_minute_seals_that_minutes_documents(renderer, clinic_engine, monkeypatch):
    """The wizard prepares the current minute and, before it turns, the coming one: both are held, and a press
    after the turn seals the coming minute's documents, which say that minute (never the earlier one)."""
    import io

    from pypdf import PdfReader

    record, now = inputs(renderer, "suitable")
    coming = _in_minutes(now, 1)
    renderer.forget()
    assert renderer.prepare(record, **now) == 2
    assert renderer.prepare(record, **coming) == 2
    assert len(renderer.prepared) == 4, "the current and the coming minute are both held"
    writes = WriteCounter(renderer, monkeypatch)
    packet = renderer.render(record, **coming)
    assert writes.calls == 0, "the coming minute's preparation was not used"
    monkeypatch.undo()
    assert pdfs(packet) == pdfs(fresh(renderer, record, coming))
    assert all("_20261120T144100Z.pdf" in d.filename for d in packet.documents)
    data = json.loads(next(iter(PdfReader(io.BytesIO(packet.documents[0].pdf)).attachments.values()))[0])
    assert "2026-11-20T14:41:00" in json.dumps(data) and "2026-11-20T14:40:00" not in json.dumps(data)


def test_a_document_held_already_is_not_written_again_and_the_third_preparation_evicts_the_oldest(
        renderer, monkeypatch):
    record, arguments = inputs(renderer, "defer")  # one document: the cheapest packet
    first, second, third = (_in_minutes(arguments, n) for n in (0, 1, 2))
    renderer.forget()
    renderer.prepare(record, **first)
    renderer.prepare(record, **second)
    writes = WriteCounter(renderer, monkeypatch)
    assert renderer.prepare(record, **first) == 1 and writes.calls == 0, "a held document was written again"
    renderer.prepare(record, **third)  # keeps the last two asked for: first (asked again) and third
    assert writes.calls == 1 and len(renderer.prepared) == 2
    renderer.render(record, **first)
    assert writes.calls == 1, "the preparation asked for again was evicted"
    renderer.prepare(record, **third)
    renderer.render(record, **second)
    assert writes.calls == 3, "an evicted preparation was used"
