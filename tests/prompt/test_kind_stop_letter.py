"""`intake ask` ends a kind stop with the deferral letter when staff choose it: generated from the defer rules.

One rule for each step a kind stop can happen on, and each lasting/temporary kind (every defer rule goes through the
lifecycle in tests/lifecycle/test_kind_stop_letter.py). The client answers the rule's persona at the prompts, the
walk stops at the deferral, staff look at why and issue the letter: it is sealed, kept and verifies, it gives the
rule's words to the client, and the intake is stored as a kind stop's deferral.
"""

from __future__ import annotations

import json

from intake.documents import PacketRenderer, verify_pdf
from intake.engine import Engine
from intake.prompt.flow import AskSession
from intake.records import Store
from tests.conftest import PRACTITIONER_PIN
from tests.lifecycle.conftest import fold, text_of
from tests.lifecycle.test_kind_stop_letter import defer_rules, one_rule_per_stopping_step
from tests.prompt.conftest import Clock
from tests.prompt.fake import FakePrompter


def pytest_generate_tests(metafunc):
    if "defer_rule" in metafunc.fixturenames:
        metafunc.parametrize("defer_rule", one_rule_per_stopping_step(Engine.load()))


def test_staff_issue_the_letter_of_a_kind_stop_at_plain_prompts(clinic_config, clinic_engine, defer_rule):
    engine = clinic_engine
    rule, answers = next((r, a) for r, a in defer_rules(engine) if r.id == defer_rule)
    empty = {"text": "", "long_text": "", "multi_choice": []}
    blanks = {q.id: empty[q.type] for q in engine.questionnaire.questions()
              if q.type in empty and not q.required and q.id not in answers}
    prompter = FakePrompter({**blanks, **answers, "prefill": False, "kind_stop_staff": True,
                             "staff_pin": PRACTITIONER_PIN, "kind_stop_letter": "letter"})
    store = Store.open(clinic_config, engine=engine)
    ask = AskSession(engine, prompter, store, PacketRenderer(engine), staff="reception", device="phone",
                     out_dir=clinic_config.path("documents", "out_dir"), clock=Clock())
    paths = ask.run()

    for never in ("review", "information", "signature", "photo_signature", "countersign"):
        assert never not in prompter.asked
    assert prompter.asked[-3:] == ["kind_stop_staff", "staff_pin", "kind_stop_letter"]  # the practitioner's PIN
    assert len(paths) == 1 and paths[0].stat().st_mode & 0o777 == 0o600
    report = verify_pdf(paths[0].read_bytes(), clinic_config)
    assert report.ok and report.kind == "deferral"
    view = store.load_intake(ask.intake_id)
    assert view.status == "deferred" and [d.kind for d in view.documents] == ["deferral"]
    text = text_of(paths[0].read_bytes())
    findings = [f for f in view.assessment["findings"] if f["rule"] == rule.id]
    assert findings and all(fold(f["client_message"]) in text for f in findings)
    unasked = {q.id for q in engine.questionnaire.questions()} - set(prompter.asked)
    assert unasked and not unasked & {f["question"] for f in view.assessment["findings"]}
    submitted = next(e for e in store.audit_trail(ask.intake_id) if e.event == "submitted")
    assert json.loads(submitted.details).get("kind_stop") is True
    store.close()
