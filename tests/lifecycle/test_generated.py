"""Every rule, pairs of rules and hypothesis records driven through the whole lifecycle from the data.

For each record: import (validated, assessed, stored), the practitioner's decision where clearance is
needed (noted, and override), the client's signatures, the countersignature, every document that
applies rendered, sealed, stored and verified; then the documents are read as text. Nothing here
replays an example file: records come from the rules and the questionnaire (tests/documents/personas.py,
tests/strategies.py).
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings

from intake.documents import verify_pdf
from intake.engine import Engine
from intake.lifecycle import Actor, ClientSignatures, Lifecycle
from intake.records import Store
from tests.documents.personas import baseline, policy_settings, record, triggering
from tests.lifecycle.conftest import AJORDAN, CLIENT_TIME, COUNTER_TIME, DESK, fold, fresh, policy_engine, text_of
from tests.strategies import records

ENGINE = Engine.load()
RULES = {rule.id: rule for rule in ENGINE.rules.rules}
GRADED = [rule.id for rule in ENGINE.rules.rules if rule.severity in ("caution", "clearance")]
#: How many rule pairs go through the whole lifecycle (all pairs are assessed; rendering each is too slow).
RENDERED_PAIRS = 8


def drive(life: Lifecycle, rec: dict, decision: str = "clearance_noted"):
    """Runs one record through the lifecycle to stored, sealed documents. Returns the intake and its packet."""
    intake = fresh(life, rec)
    assessment = intake.assessment
    assert assessment is not None and intake.status == ("deferred" if assessment.verdict == "defer" else "submitted")
    if assessment.verdict == "clearance":
        reason = "GP letter seen and filed" if decision == "clearance_noted" else \
            "Benefit outweighs the risk after a full discussion with the client"
        life.decide(intake, AJORDAN, decision, reason)
    if assessment.verdict != "defer":
        name = life.signer(intake)[0]  # the client, or a minor's guardian
        consent = life.typed_signature(intake, "consent", name, CLIENT_TIME)
        photo = life.typed_signature(intake, "photo_consent", name, CLIENT_TIME) if life.photo_needed(intake) \
            else None
        life.sign(intake, ClientSignatures(consent, photo), DESK)
    counter = life.countersignature(intake, AJORDAN, life.default_plan(intake), COUNTER_TIME)
    packet = life.render(intake, counter)
    life.keep_documents(intake, packet, Actor("ajordan", DESK.device))
    return intake, packet


def check_packet(life: Lifecycle, intake, packet) -> dict[str, str]:
    """Every document applies, verifies and says what the assessment found; returns the texts by kind."""
    assessment = intake.assessment
    kinds = {document.kind for document in packet.documents}
    texts = {document.kind: text_of(document.pdf) for document in packet.documents}
    for document in packet.documents:
        report = verify_pdf(document.pdf, life.engine.config)
        assert report.ok, (document.kind, report.reason)
    view = life.store.load_intake(intake.intake_id)
    if assessment.verdict == "defer":
        assert kinds == {"deferral"} and view.status == "deferred"
        for finding in assessment.of_severity("defer"):
            assert fold(finding.client_message) in texts["deferral"], (finding.rule_id, texts["deferral"][:400])
        return texts
    assert kinds == {"consent", "aftercare"} and view.status == "signed"
    assert view.signatures is None  # the sealed consent holds them now
    for finding in assessment.findings:
        assert fold(finding.client_message) in texts["consent"], (finding.rule_id, finding.client_message)
    for addition in assessment.aftercare:
        assert fold(addition) in texts["aftercare"], addition
    check_plan(life, intake, texts["consent"])
    return texts


def check_plan(life: Lifecycle, intake, consent: str) -> None:
    """The default plan keeps the assessment's limits, and the consent says them."""
    limits = intake.assessment.plan_limits
    plan = life.default_plan(intake)
    assert plan is not None and plan.areas
    deepest, spacing = limits.get("max_depth_mm"), limits.get("min_interval_weeks")
    if deepest is not None:
        assert all(area.depth_max <= deepest for area in plan.areas)
        assert f"no deeper than {deepest:g} mm" in consent or f"no deeper than {deepest:.1f} mm" in consent
    if spacing is not None:
        assert plan.interval_weeks >= spacing
        assert "between sessions" in consent


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_alone_through_the_whole_lifecycle(life, life_dir, tmp_path, rule_id):
    rule = RULES[rule_id]
    settings = policy_settings(rule)
    if settings.get("minors", life.engine.config.minors_policy) != life.engine.config.minors_policy \
            or set(settings) - {"minors"}:
        settings.setdefault("minors", life.engine.config.minors_policy)
        store = Store.open((engine := policy_engine(life_dir, tmp_path, **settings)).config, engine=engine)
        life = Lifecycle(engine, store, clock=lambda: COUNTER_TIME)
    rec = record(life.engine, triggering(life.engine, rule))
    assessment = life.engine.assess(rec)
    assert rule_id in {f.rule_id for f in assessment.findings}
    intake, packet = drive(life, rec)
    check_packet(life, intake, packet)


@pytest.mark.parametrize("rule_id", [r.id for r in ENGINE.rules.rules if r.severity == "clearance"])
def test_every_clearance_rule_with_an_override(life, rule_id):
    rec = record(life.engine, triggering(life.engine, RULES[rule_id]))
    intake, packet = drive(life, rec, decision="override")
    texts = check_packet(life, intake, packet)
    assert "Benefit outweighs the risk after a full discussion with the client" in texts["consent"]


def test_a_deferral_is_never_cleared_overridden_or_signed(life):
    for rule in (r for r in ENGINE.rules.rules if r.severity == "defer"):
        intake = fresh(life, record(life.engine, triggering(life.engine, rule)))
        for kind in ("clearance_noted", "override"):
            with pytest.raises(Exception, match="deferral"):
                life.decide(intake, AJORDAN, kind, "a reason given anyway")
        consent = life.typed_signature(intake, "consent", intake.answers["full_name"], CLIENT_TIME)
        with pytest.raises(Exception, match="DEFER"):
            life.sign(intake, ClientSignatures(consent), DESK)
        assert life.resume(intake.intake_id).stage == "letter"


_PAIRS: dict[int, tuple[tuple[str, str, dict], ...]] = {}


def pair_records(engine: Engine) -> tuple[tuple[str, str, dict], ...]:
    """Every pair of caution/clearance rules that can hold at once, with a record triggering both (made once)."""
    if id(engine) not in _PAIRS:
        _PAIRS[id(engine)] = tuple(_pairs(engine))
    return _PAIRS[id(engine)]


def _pairs(engine: Engine):
    for first, second in itertools.combinations(GRADED, 2):
        try:
            answers = triggering(engine, RULES[second], base=triggering(engine, RULES[first]))
        except ValueError:  # the second rule's condition cannot hold with the first's
            continue
        found = {f.rule_id for f in engine.assess(record(engine, answers)).findings}
        if {first, second} <= found:
            yield first, second, record(engine, answers)


def test_every_pair_of_graded_rules_is_assessed_with_both_findings_and_the_tightest_limits():
    pairs = list(pair_records(ENGINE))
    assert len(pairs) > len(GRADED) * 3  # most pairs can hold together
    rank = {"caution": 1, "clearance": 2}
    for first, second, rec in pairs:
        assessment = ENGINE.assess(rec)
        assert rank[assessment.verdict] >= max(rank[RULES[first].severity], rank[RULES[second].severity])
        for name in ("max_depth_mm", "min_interval_weeks"):
            values = [f.plan.get(name) for f in assessment.findings if f.plan.get(name) is not None]
            if values:
                tightest = min(values) if name == "max_depth_mm" else max(values)
                assert assessment.plan_limits[name] == tightest


@pytest.mark.slow
def test_a_sample_of_rule_pairs_through_the_whole_lifecycle(life):
    pairs = list(pair_records(life.engine))
    sample = random.Random(20261120).sample(pairs, min(RENDERED_PAIRS, len(pairs)))
    for first, second, rec in sample:
        intake, packet = drive(life, dict(rec))
        found = {f.rule_id for f in intake.assessment.findings}
        assert {first, second} <= found
        check_packet(life, intake, packet)


def test_a_client_with_no_finding_through_the_whole_lifecycle(life):
    rec = record(life.engine, baseline(life.engine))
    intake, packet = drive(life, rec)
    assert intake.assessment.verdict == "suitable"
    check_packet(life, intake, packet)


@pytest.mark.slow
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.filter_too_much])
@given(rec=records(ENGINE))
def test_hypothesis_records_through_the_whole_lifecycle(life, rec):
    intake, packet = drive(life, rec)
    check_packet(life, intake, packet)
