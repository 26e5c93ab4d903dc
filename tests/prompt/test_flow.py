"""Complete `intake ask` sessions with a fake prompt: store, assessment, signatures and sealed documents."""

from __future__ import annotations

import pytest

from intake.documents import PacketRenderer, verify_pdf
from intake.engine import Engine
from intake.prompt.flow import AskSession, NotResumable
from intake.records import Store
from tests.conftest import PRACTITIONER_PIN, load_example
from tests.prompt.conftest import Clock, without_kind_stop
from tests.prompt.fake import FakePrompter


@pytest.fixture(scope="module")
def renderers():
    return {}


def script(engine, name, **extra):
    blanks = {q.id: "" for q in engine.questionnaire.questions() if q.type in ("text", "long_text") and not q.required}
    answers = load_example(name)["answers"]
    signing = {"review": "confirm", "signature": answers["full_name"], "photo_signature": answers["full_name"],
               "practitioner": "ajordan", "staff_pin": PRACTITIONER_PIN, "practitioner_action": "countersign",
               "countersign": True, "prefill": False, "information": True}
    return {**blanks, **answers, **signing, **extra}


def session(engine, config, prompter, renderers, clock=None):
    key = id(engine)
    renderers.setdefault(key, PacketRenderer(engine))
    store = Store.open(config, engine=engine)
    return AskSession(engine, prompter, store, renderers[key], staff="reception", device="phone",
                      out_dir=config.path("documents", "out_dir"), clock=clock or Clock()), store


@pytest.mark.parametrize(("name", "status", "kinds"), [
    ("suitable", "signed", {"consent", "aftercare"}),
    ("caution", "signed", {"consent", "aftercare"}),
    ("defer", "deferred", {"deferral"}),
])
def test_complete_intake_of_each_verdict(clinic_engine, clinic_config, renderers, name, status, kinds):
    if name == "defer":  # the whole walk to the letter is what a clinic without the kind stop gets
        clinic_config = without_kind_stop(clinic_config)
        clinic_engine = Engine.load(clinic_config)
    prompter = FakePrompter(script(clinic_engine, name))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    paths = ask.run()
    view = store.load_intake(ask.intake_id)
    assert view.status == status
    assert view.assessment["verdict"] == name
    assert {d.kind for d in view.documents} == kinds
    assert {p.name for p in paths} == {d.filename for d in view.documents}
    for path in paths:
        assert path.stat().st_mode & 0o777 == 0o600
        report = verify_pdf(path.read_bytes(), clinic_config)
        assert report.ok, report
    if name == "defer":
        assert "signature" not in prompter.asked
    else:
        assert prompter.asked.count("signature") == 1
        assert prompter.asked.index("information") < prompter.asked.index("signature")
        said = "\n".join(prompter.said)
        for heading in ("What happens", "Possible side effects", "Other choices"):
            assert heading in said
    store.close()


def test_clearance_needs_the_practitioner_decision(clinic_engine, clinic_config, renderers):
    prompter = FakePrompter(script(clinic_engine, "clearance", decision="clearance_noted",
                                   reason="GP letter dated 15 Nov 2026 approves treatment"))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    ask.run()
    view = store.load_intake(ask.intake_id)
    assert view.status == "signed"
    assert [d.kind for d in view.decisions] == ["clearance_noted"]
    store.close()


def test_clearance_can_stop_without_consent_and_continue_later_with_the_kept_signatures(
        clinic_engine, clinic_config, renderers):
    clock = Clock()
    prompter = FakePrompter(script(clinic_engine, "clearance", decision="stop"))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers, clock)
    assert ask.run() == []
    view = store.load_intake(ask.intake_id)
    assert view.status == "submitted" and set(view.signatures) == {"consent", "photo_consent"}
    assert f"intake ask --resume {ask.intake_id}" in prompter.said[-1]
    store.close()

    later = FakePrompter(script(clinic_engine, "clearance", decision="clearance_noted", reason="GP letter seen"))
    resumed, store = session(clinic_engine, clinic_config, later, renderers, clock)
    paths = resumed.run(ask.intake_id)
    assert "signature" not in later.asked and "information" not in later.asked  # the client does not sign again
    assert any("their signatures were kept for the practitioner" in line for line in later.said)
    view = store.load_intake(ask.intake_id)
    assert view.status == "signed" and view.signatures is None and paths
    assert verify_pdf(paths[0].read_bytes(), clinic_config).ok
    store.close()


def test_a_submitted_intake_without_kept_signatures_signs_again(clinic_engine, clinic_config, renderers):
    clock = Clock()
    first = FakePrompter(script(clinic_engine, "suitable"), interrupt_at="signature")
    ask, store = session(clinic_engine, clinic_config, first, renderers, clock)
    with pytest.raises(KeyboardInterrupt):
        ask.run()
    assert store.load_intake(ask.intake_id).status == "submitted"
    store.close()
    again = FakePrompter(script(clinic_engine, "suitable"))
    resumed, store = session(clinic_engine, clinic_config, again, renderers, clock)
    resumed.run(ask.intake_id)
    assert again.asked[:2] == ["information", "signature"]  # straight to the signatures, no questions again
    assert store.load_intake(ask.intake_id).status == "signed"
    store.close()


def test_typed_signature_must_match_the_name(clinic_engine, clinic_config, renderers):
    name = load_example("suitable")["answers"]["full_name"]
    prompter = FakePrompter(script(clinic_engine, "suitable", signature=["Someone Else", name.upper()]))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    ask.run()
    assert "Please type your name as you gave it" in prompter.rejected["signature"][0]
    assert store.load_intake(ask.intake_id).status == "signed"
    store.close()


def test_cancel_keeps_a_draft_and_resume_finishes_it(clinic_engine, clinic_config, renderers):
    prompter = FakePrompter(script(clinic_engine, "suitable"), interrupt_at="isotretinoin")
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    with pytest.raises(KeyboardInterrupt):
        ask.run()
    draft = store.load_intake(ask.intake_id)
    assert draft.status == "draft" and draft.answers["full_name"]
    assert draft.next_step == "medicines"  # the step it stopped in; nothing answered there yet
    assert [d.intake_id for d in store.drafts()] == [ask.intake_id]
    store.close()

    prompter = FakePrompter(script(clinic_engine, "suitable"))
    resumed, store = session(clinic_engine, clinic_config, prompter, renderers)
    resumed.run(ask.intake_id)
    assert prompter.asked[0] == "isotretinoin"  # continues where it stopped
    assert store.load_intake(ask.intake_id).status == "signed"
    with pytest.raises(NotResumable, match="is signed and has its documents; there is nothing to resume"):
        AskSession(clinic_engine, prompter, store, None, staff="x", device="y", out_dir=clinic_config.data_dir
                   ).run(ask.intake_id)
    store.close()


def test_edit_from_the_review(clinic_engine, clinic_config, renderers):
    prompter = FakePrompter(script(clinic_engine, "suitable", review=["edit", "confirm"], review_step="about_you"))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    ask.run()
    assert prompter.asked.count("full_name") == 2
    assert prompter.asked.count("review") == 2
    store.close()


def test_returning_client_is_offered_previous_answers(clinic_engine, clinic_config, renderers):
    first = FakePrompter(script(clinic_engine, "caution"))
    ask, store = session(clinic_engine, clinic_config, first, renderers)
    ask.run()
    store.close()
    again = FakePrompter(script(clinic_engine, "caution", prefill=True))
    ask, store = session(clinic_engine, clinic_config, again, renderers)
    ask.run()
    assert "prefill" in again.asked
    store.close()


def test_answers_are_saved_as_they_are_given(clinic_engine, clinic_config, renderers):
    prompter = FakePrompter(script(clinic_engine, "suitable"), interrupt_at="retinoids")
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    with pytest.raises(KeyboardInterrupt):
        ask.run()
    draft = store.load_intake(ask.intake_id)
    assert draft.answers["isotretinoin"] == "no"  # answered just before the stop, mid-step
    assert draft.next_step == "medicines"
    store.close()


def test_the_practitioner_sees_every_answer_by_step_before_countersigning(clinic_engine, clinic_config, renderers):
    prompter = FakePrompter(script(clinic_engine, "caution", goals="Less [b]redness[/b] please"))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    ask.run()
    store.close()
    countersign = prompter.transcript.index(("ask", "countersign"))
    practitioner = prompter.transcript.index(("ask", "staff_pin"))  # the practitioner's part starts with their PIN
    shown = "\n".join(text for kind, text in prompter.transcript[practitioner:countersign] if kind == "say")
    answers = ask.intake.answers
    for question in clinic_engine.questionnaire.visible(answers):
        assert question.label["en"] in shown
    assert "Less [b]redness[/b] please" in shown
    flagged = {f.question_id for f in ask.intake.assessment.findings if f.question_id}
    for question_id in flagged:
        label = clinic_engine.questionnaire.by_id[question_id].label["en"]
        assert f"⚑ CAUTION: {label}" in shown
    assert shown.count("⚑ ") == len(flagged)  # one per answer behind a finding


def test_a_deferral_stops_kindly_without_statements_or_signatures(clinic_engine, clinic_config, renderers):
    answers = script(clinic_engine, "suitable", pregnant_or_breastfeeding=True, kind_stop_staff=True,
                     kind_stop_letter="keep")
    prompter = FakePrompter(answers)
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    assert ask.run() == []
    asked = prompter.asked
    # the answer is said back (Enter goes on), then nothing else is asked; staff see why only behind their own PIN
    assert asked[-5:] == ["pregnant_or_breastfeeding", "pregnant_or_breastfeeding:echo", "kind_stop_staff",
                          "staff_pin", "kind_stop_letter"]
    assert "You said: Yes" in prompter.said
    for never in ("clotting_disorder", "photo_consent", "ack_electronic", "review", "information", "signature",
                  "practitioner", "countersign"):
        assert never not in asked
    said = "\n".join(prompter.said)
    assert "the practitioner would like to talk with you" in said
    assert "Pregnant, possibly pregnant, or breastfeeding." in said  # why, for staff
    view = store.load_intake(ask.intake_id)
    assert view.status == "draft" and view.answers["pregnant_or_breastfeeding"] is True
    assert not view.documents and view.signatures is None
    store.close()

    # resumed: it stops again, unless staff carry on with every question (a misunderstanding)
    again = FakePrompter({**answers, "kind_stop_carry_on": False})
    resumed, store = session(clinic_engine, clinic_config, again, renderers)
    assert resumed.run(ask.intake_id) == [] and again.asked == ["kind_stop_carry_on", "kind_stop_staff", "staff_pin",
                                                                "kind_stop_letter"]
    store.close()
    onwards = FakePrompter({**answers, "kind_stop_carry_on": True, "pregnant_or_breastfeeding": False})
    resumed, store = session(clinic_engine, clinic_config, onwards, renderers)
    resumed.run(ask.intake_id)
    assert "clotting_disorder" in onwards.asked and "signature" in onwards.asked
    store.close()


def test_a_minor_finishes_the_contact_details_then_stops(clinic_engine, clinic_config, renderers):
    prompter = FakePrompter(script(clinic_engine, "suitable", date_of_birth="2012-05-01", kind_stop_staff=False,
                                   guardian_name="Amina Khan", guardian_relationship="mother"))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    assert ask.run() == []
    about_you = [q.id for q in clinic_engine.questionnaire.steps[0].questions]
    assert {key.split(":")[0] for key in prompter.asked} - {"kind_stop_staff"} <= set(about_you)
    assert "emergency_contact_phone" in prompter.asked and "concerns" not in prompter.asked
    assert store.load_intake(ask.intake_id).status == "draft"
    store.close()


def test_the_practitioner_corrects_an_answer_the_client_signs_again_and_the_pin_is_asked_again(
        clinic_engine, clinic_config, renderers):
    answers = script(clinic_engine, "caution", sensitive_skin=[False, True], practitioner_action=["correct",
                     "countersign"], correct_question="sensitive_skin", correct_reason="The client misread it",
                     staff_pin=[PRACTITIONER_PIN, PRACTITIONER_PIN])
    prompter = FakePrompter(answers)
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    paths = ask.run()
    view = store.load_intake(ask.intake_id)
    store.close()
    asked = prompter.asked
    correction = asked.index("correct_question")
    # the client signed the corrected answers, then the practitioner proved who they are again
    assert asked[correction:].count("signature") == 1 and asked[correction:].count("staff_pin") == 1
    assert asked[correction:].index("signature") < asked[correction:].index("staff_pin")
    assert view.status == "signed" and view.record["answers"]["sensitive_skin"] is True
    (fixed,) = view.decisions
    assert fixed.kind == "correction" and fixed.changes[0].before is False and fixed.reason == "The client misread it"
    assert len(paths) == 2


def test_a_returning_clients_earlier_answers_are_only_offered_never_saved_unless_given(
        clinic_engine, clinic_config, renderers):
    first = FakePrompter(script(clinic_engine, "caution"))
    ask, store = session(clinic_engine, clinic_config, first, renderers)
    ask.run()
    store.close()
    again = FakePrompter(script(clinic_engine, "caution", prefill=True), interrupt_at="skin_type")
    ask, store = session(clinic_engine, clinic_config, again, renderers)
    with pytest.raises(KeyboardInterrupt):
        ask.run()
    assert ask.offered["skin_type"] and ask.offered["keloid"] is not None  # offered to keep, question by question
    draft = store.load_intake(ask.intake_id)
    asked = {key for key in again.asked if ":" not in key}
    assert set(draft.answers) <= asked  # nothing from last time that was not given again
    assert "skin_type" not in draft.answers and "keloid" not in draft.answers
    store.close()


def test_a_deferring_answer_changed_at_the_review_stops_kindly_at_once(clinic_engine, clinic_config, renderers):
    answers = script(clinic_engine, "suitable", review=["edit"], review_step="health",
                     pregnant_or_breastfeeding=[False, True], kind_stop_staff=True, kind_stop_letter="letter")
    prompter = FakePrompter(answers)
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    paths = ask.run()
    asked = prompter.asked
    again = len(asked) - 1 - asked[::-1].index("pregnant_or_breastfeeding")
    assert asked[again:] == ["pregnant_or_breastfeeding", "pregnant_or_breastfeeding:echo", "kind_stop_staff",
                             "staff_pin", "kind_stop_letter"]  # nothing else of the step, no signatures
    view = store.load_intake(ask.intake_id)
    assert view.status == "deferred" and [d.kind for d in view.documents] == ["deferral"] and len(paths) == 1
    assert view.answers["pregnant_or_breastfeeding"] is True and view.signatures is None
    store.close()
