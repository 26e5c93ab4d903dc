"""The lifecycle's side of documents laid out ahead: the expected countersignature is the real one to the minute,
so what was prepared while the practitioner reviewed is what countersigning seals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from intake.documents import verify_pdf
from tests.documents.personas import baseline, record, triggering
from tests.lifecycle.conftest import AJORDAN, DESK, fresh
from tests.lifecycle.test_lifecycle import rule, signatures

#: The practitioner's screen opens at 14:40:05; they countersign at 14:40:51 (the documents print 14:40).
OPENED = datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC)
PRESSED = datetime(2026, 11, 20, 14, 40, 51, tzinfo=UTC)
SEVERITIES = ("none", "caution", "clearance", "defer")


def submitted(life, severity: str):
    answers = baseline(life.engine) if severity == "none" else triggering(life.engine, rule(life, severity))
    intake = fresh(life, record(life.engine, answers))
    if severity != "defer":
        life.sign(intake, signatures(life, intake), DESK)
    decision = ("clearance_noted", "  GP letter seen  ") if severity == "clearance" else ("none", "")
    if severity == "clearance":
        life.decide(intake, AJORDAN, *decision)
    return intake, decision


@pytest.mark.parametrize("severity", SEVERITIES)
def test_what_was_prepared_during_the_review_is_what_countersigning_seals(life, severity, monkeypatch):
    intake, (decision, reason) = submitted(life, severity)
    plan = life.default_plan(intake)
    expected = life.expected_countersignature(intake, "ajordan", plan, OPENED, life.decision_history(intake.intake_id))
    assert life.prepare(intake, expected)
    counter = life.countersignature(intake, AJORDAN, plan, PRESSED)
    assert counter.signed_at == datetime(2026, 11, 20, 14, 40, tzinfo=UTC) and counter.sealed_at == PRESSED
    # the same but for the exact moment and the trail's position, which the seal carries and the layout does not
    assert counter.witness is not None and expected.witness is None
    assert replace(counter, sealed_at=None, witness=None) == replace(expected, sealed_at=None)
    renderer, writes = life.renderer(), []
    original = renderer.write_pdf
    monkeypatch.setattr(renderer, "write_pdf", lambda *a, **k: writes.append(1) or original(*a, **k))
    packet = life.render(intake, counter)
    assert not writes, "countersigning laid the documents out again"
    monkeypatch.undo()
    renderer.forget()
    assert [d.pdf for d in packet.documents] == [d.pdf for d in life.render(intake, counter).documents]
    for document in packet.documents:
        assert verify_pdf(document.pdf, life.engine.config).ok


def test_a_preparation_for_the_previous_minute_is_not_used(life, monkeypatch):
    intake, (decision, reason) = submitted(life, "caution")
    plan = life.default_plan(intake)
    life.prepare(intake, life.expected_countersignature(intake, "ajordan", plan, OPENED - timedelta(minutes=1),
                                                        life.decision_history(intake.intake_id)))
    renderer, writes = life.renderer(), []
    original = renderer.write_pdf
    monkeypatch.setattr(renderer, "write_pdf", lambda *a, **k: writes.append(1) or original(*a, **k))
    packet = life.render(intake, life.countersignature(intake, AJORDAN, plan, PRESSED))
    assert len(writes) == len(packet.documents)


def test_the_countersignature_never_reads_as_earlier_than_the_client_in_the_same_minute(life):
    intake, _ = submitted(life, "caution")
    client_time = intake.signatures.consent.signed_at
    counter = life.countersignature(intake, AJORDAN, life.default_plan(intake), client_time + timedelta(seconds=3))
    assert counter.signed_at == client_time
    assert life.render(intake, counter).documents
