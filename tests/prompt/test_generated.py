"""A sample of the generated records (one rule of each severity) at plain prompts, to sealed documents."""

from __future__ import annotations

import pytest

from intake.documents import PacketRenderer, verify_pdf
from intake.engine import Engine
from intake.prompt.flow import AskSession
from intake.records import Store
from tests.conftest import PRACTITIONER_PIN
from tests.documents.personas import baseline, record, triggering
from tests.prompt.conftest import Clock, without_kind_stop
from tests.prompt.fake import FakePrompter

ENGINE = Engine.load()
SAMPLE = [next(r.id for r in ENGINE.rules.rules if r.severity == severity and r.severity_setting is None
               and ENGINE.assess(record(ENGINE, triggering(ENGINE, r))).verdict == severity)
          for severity in ("caution", "clearance", "defer")]


@pytest.mark.parametrize("rule_id", SAMPLE)
def test_a_generated_client_of_each_severity_at_plain_prompts(clinic_config, rule_id):
    engine = Engine.load(without_kind_stop(clinic_config))  # the whole walk (the kind stop is tested on its own)
    rule = next(r for r in engine.rules.rules if r.id == rule_id)
    answers = triggering(engine, rule)
    empty = {"text": "", "long_text": "", "multi_choice": []}
    blanks = {q.id: empty[q.type] for q in engine.questionnaire.questions()
              if q.type in empty and not q.required and q.id not in answers}
    script = {**blanks, **answers, "review": "confirm", "signature": answers["full_name"],
              "photo_signature": answers["full_name"], "practitioner": "ajordan",
              "staff_pin": PRACTITIONER_PIN, "practitioner_action": "countersign",
               "countersign": True,
              "prefill": False, "information": True, "decision": "clearance_noted",
              "reason": "GP letter seen and filed"}
    store = Store.open(clinic_config, engine=engine)
    ask = AskSession(engine, FakePrompter(script), store, PacketRenderer(engine), staff="reception",
                     device="phone", out_dir=clinic_config.path("documents", "out_dir"), clock=Clock())
    paths = ask.run()
    view = store.load_intake(ask.intake_id)
    assert rule_id in {f["rule"] for f in view.assessment["findings"]}
    assert view.status == ("deferred" if rule.severity == "defer" else "signed")
    assert sorted(d.kind for d in view.documents) == (["deferral"] if rule.severity == "defer"
                                                       else ["aftercare", "consent"])
    for path in paths:
        assert verify_pdf(path.read_bytes(), clinic_config).ok
    store.close()


def test_intake_ask_makes_the_demo_clinics_seal_on_first_use(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo clinic keeps its keys, data and documents relative to it
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    engine = Engine.load()
    assert engine.config.is_demo and not (tmp_path / "intake-keys" / "seal-key.pem").exists()
    answers = baseline(engine)
    empty = {"text": "", "long_text": "", "multi_choice": []}
    script = {**{q.id: empty[q.type] for q in engine.questionnaire.questions()
                 if q.type in empty and not q.required and q.id not in answers}, **answers,
              "review": "confirm", "signature": answers["full_name"], "practitioner": "ajordan",
              "staff_pin": "2468", "practitioner_action": "countersign", "countersign": True, "prefill": False,
              "information": True}
    with Store.open(engine.config, engine=engine) as store:
        ask = AskSession(engine, FakePrompter(script), store, PacketRenderer(engine), staff="reception",
                         device="phone", out_dir=tmp_path / "documents", clock=Clock())
        paths = ask.run()
    assert (tmp_path / "intake-keys" / "seal-key.pem").exists() and len(paths) == 2
    assert all(verify_pdf(path.read_bytes(), engine.config).ok for path in paths)


def test_a_minor_at_plain_prompts_is_asked_for_a_guardian_who_signs(clinic_config):
    import re

    from intake.config import load_config
    from tests.documents.test_minors import GUARDIAN, teen

    text = clinic_config.source.read_text(encoding="utf-8")
    clinic_config.source.write_text(re.sub(r'minors = "\w+"', 'minors = "clearance"', text), encoding="utf-8")
    config = load_config(clinic_config.source)
    engine = Engine.load(config)
    answers = teen(engine, age=16)["answers"]
    empty = {"text": "", "long_text": "", "multi_choice": []}
    script = {**{q.id: empty[q.type] for q in engine.questionnaire.questions()
                 if q.type in empty and not q.required and q.id not in answers}, **answers,
              "review": "confirm", "signature": GUARDIAN["guardian_name"], "practitioner": "ajordan",
              "staff_pin": PRACTITIONER_PIN, "practitioner_action": "countersign", "countersign": True,
              "prefill": False, "information": True, "decision": "clearance_noted",
              "reason": "Mother present, consent given"}
    prompter = FakePrompter(script)
    with Store.open(config, engine=engine) as store:
        ask = AskSession(engine, prompter, store, PacketRenderer(engine), staff="reception", device="phone",
                         out_dir=config.path("documents", "out_dir"), clock=Clock())
        paths = ask.run()
        view = store.load_intake(ask.intake_id)
    assert {"guardian_name", "guardian_relationship"} <= set(prompter.asked)
    assert view.status == "signed" and view.record["answers"]["guardian_name"] == GUARDIAN["guardian_name"]
    assert any("signs for" in line for line in prompter.said)
    assert all(verify_pdf(path.read_bytes(), config).ok for path in paths)
