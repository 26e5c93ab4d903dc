"""Every template renders for records generated from the data: every rule alone, all optional parts absent or present.

The per-rule cases read the HTML the templates produce (the same text WeasyPrint lays out, without the layout
cost); the all-absent and all-present personas go through the real PDF and are read back with pdftotext.
"""

from __future__ import annotations

import shutil

import pytest

from intake.documents import Countersignature
from intake.engine import Engine
from tests.documents import personas
from tests.documents.conftest import COUNTER_TIME
from tests.documents.personas import baseline, record, triggering
from tests.documents.reading import PREVIEW_TIME, HtmlRenderer, pdftotext, signed, squash


@pytest.fixture(scope="module")
def html_renderer(clinic_engine) -> HtmlRenderer:
    return HtmlRenderer(clinic_engine)


def client_wordings(engine, rec) -> list[str]:
    return [squash(f.client_message) for f in engine.assessor.assess(rec).findings]


RULES = list(Engine.load().rules.rules)  # the demo clinic's rules, as in clinic_engine


@pytest.fixture(scope="module")
def policy_renderers(clinic_with):
    """A renderer for the test clinic with [policy] settings changed (made once per set of settings)."""
    made: dict[tuple, HtmlRenderer] = {}

    def renderer(**settings) -> HtmlRenderer:
        key = tuple(sorted(settings.items()))
        if key not in made:
            made[key] = HtmlRenderer(clinic_with(**settings))
        return made[key]

    return renderer


def for_rule(rule, clinic_engine, html_renderer, policy_renderers):
    """The engine and renderer under which a rule can fire (a minors rule needs its minors policy, a rule about
    a legal adult under the treatment age a treatment age above the legal age)."""
    settings = personas.policy_settings(rule)
    if settings.get("minors", clinic_engine.config.minors_policy) == clinic_engine.config.minors_policy \
            and set(settings) <= {"minors"}:
        return clinic_engine, html_renderer
    renderer = policy_renderers(**settings)
    return renderer.engine, renderer


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_alone_renders_with_its_wording(clinic_engine, html_renderer, policy_renderers, rule):
    engine, html_renderer = for_rule(rule, clinic_engine, html_renderer, policy_renderers)
    answers = triggering(engine, rule)
    rec = record(engine, answers, record_id=f"rule-{rule.id}")
    assert engine.validate(rec) == []
    assessment = engine.assessor.assess(rec)
    fired = {f.rule_id for f in assessment.findings}
    assert rule.id in fired
    # alone, where the condition allows: any other finding reads only the questions this rule sets
    for other in fired - {rule.id}:
        other_rule = next(r for r in engine.rules.rules if r.id == other)
        assert personas.rule_questions(engine, other_rule) <= personas.rule_questions(engine, rule) | set(answers)
    wordings = client_wordings(engine, rec)
    if assessment.verdict == "defer":
        pages = html_renderer.html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))
        assert set(pages) == {"deferral"}
        for wording in wordings:
            assert wording in pages["deferral"], f"{rule.id}: the letter lacks {wording!r}"
        return
    cases = [signed(html_renderer, rec)]
    if assessment.verdict == "clearance":
        cases.append(signed(html_renderer, rec, decision="clearance_noted", reason="Letter from the GP seen."))
    for signatures in cases:
        pages = html_renderer.html(rec, **signatures)
        assert set(pages) == {"consent", "aftercare"}
        for wording in wordings:
            assert wording in pages["consent"], f"{rule.id}: the consent lacks {wording!r}"
    preview = html_renderer.html(rec, issued_at=PREVIEW_TIME)
    for wording in wordings:
        assert wording in preview["consent"]


def test_every_rule_with_photo_consent_renders_the_photo_section(clinic_engine, html_renderer, policy_renderers):
    for rule in RULES:
        engine, rule_renderer = for_rule(rule, clinic_engine, html_renderer, policy_renderers)
        answers = triggering(engine, rule, baseline(engine, photo_consent=True, photo_uses=["record", "training"]))
        rec = record(engine, answers, record_id=f"photo-{rule.id}")
        if engine.assessor.assess(rec).verdict == "defer":
            continue
        pages = rule_renderer.html(rec, **signed(rule_renderer, rec, drawn=True))
        assert "Consent to clinical photographs" in pages["consent"], rule.id


def all_present(engine) -> dict:
    """Every optional part at once: both plan limits, a return date, photo consent, drawn signatures."""
    answers = baseline(engine, photo_consent=True, photo_uses=["record"], email="jo@example.com")
    for rule_id in ("darker_skin", "sensitive_skin", "diabetes_controlled", "isotretinoin_recent", "toxin_recent"):
        rule = next(r for r in engine.rules.rules if r.id == rule_id)
        answers = triggering(engine, rule, answers)
    return record(engine, answers, record_id="all-present")


def test_all_optional_parts_absent_and_present_render(clinic_engine, html_renderer):
    engine = clinic_engine
    absent = record(engine, baseline(engine), record_id="all-absent")
    assert engine.assessor.assess(absent).verdict == "suitable"
    for kwargs in ({"issued_at": PREVIEW_TIME}, signed(html_renderer, absent)):
        pages = html_renderer.html(absent, **kwargs)
        assert "Suitable for treatment." in pages["consent"]
        assert "Consent to clinical photographs" not in pages["consent"]
    present = all_present(engine)
    assessment = engine.assessor.assess(present)
    assert assessment.verdict == "clearance" and assessment.return_date is not None
    assert {"max_depth_mm", "min_interval_weeks"} <= set(assessment.plan_limits)
    for decision, reason in (("none", ""), ("clearance_noted", "Dermatologist's letter seen."),
                             ("override", "Discussed with the client's dermatologist.")):
        pages = html_renderer.html(present, **signed(html_renderer, present, drawn=True, decision=decision,
                                                     reason=reason))
        for wording in client_wordings(engine, present):
            assert wording in pages["consent"]
        assert "Consent to clinical photographs" in pages["consent"]
        if reason:
            assert squash(reason) in pages["consent"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
@pytest.mark.parametrize("rule_id", ["darker_skin", "diabetes_controlled", "sensitive_skin", None])
def test_pdf_for_a_lone_caution_and_for_everything_at_once(clinic_engine, renderer, rule_id):
    engine = clinic_engine
    if rule_id is None:
        rec = all_present(engine)
    else:
        rule = next(r for r in engine.rules.rules if r.id == rule_id)
        rec = record(engine, triggering(engine, rule), record_id=f"pdf-{rule_id}")
    packet = renderer.render(rec, **signed(renderer, rec, drawn=True))
    texts = {d.kind: squash(pdftotext(d.pdf)) for d in packet.documents}
    assert set(texts) == {"consent", "aftercare"}
    joined = texts["consent"].replace("- ", "")
    for finding in engine.assessor.assess(rec).findings:
        first_words = " ".join(finding.client_message.split()[:6])
        assert first_words in joined, f"{finding.rule_id}: {first_words!r} not in the consent PDF"


def test_a_misspelt_attribute_of_the_typed_context_is_still_an_error(clinic_engine, tmp_path):
    from intake.documents.errors import TemplateProblemError
    from tests.documents.conftest import copy_templates

    folder = copy_templates(tmp_path)
    consent = folder / "consent.html.j2"
    consent.write_text(consent.read_text(encoding="utf-8").replace(
        "{% set limits = assessment.plan_limits %}", "{% set limits = assessment.plan_limits %}"
        "{{ limits.max_depth }}"), encoding="utf-8")
    renderer = HtmlRenderer(clinic_engine, templates_dir=folder)
    rec = record(clinic_engine, baseline(clinic_engine), record_id="typo")
    with pytest.raises(TemplateProblemError, match="max_depth"):
        renderer.html(rec, issued_at=PREVIEW_TIME)
